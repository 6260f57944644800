import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength, ValidateBy } from 'class-validator';
import { hasInvisibleCharacters, normalizeEmail } from './input-hygiene';

/**
 * An email field as every endpoint takes it: NFC-normalised, trimmed and lower-cased (so two spellings of
 * one address are one account), and refused when it holds characters that render as nothing (zero-width
 * joiners, bidi marks, soft hyphens): such an address looks like another one on screen.
 */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value)),
    ValidateBy({
      name: 'noInvisibleCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !hasInvisibleCharacters(value),
        defaultMessage: () => 'email must not contain invisible or formatting characters',
      },
    }),
    IsEmail(),
    MaxLength(254),
  );
}
