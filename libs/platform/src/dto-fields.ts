import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** class-transformer: trims a string, leaves anything else for the validators to refuse */
export const trimString = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export interface TextFieldOptions {
  /** the longest value accepted (and documented) */
  max: number;
  /** absent is fine; present must still pass */
  optional?: boolean;
  /** trim before validating (names, descriptions); secrets and identifiers are taken as sent */
  trim?: boolean;
  /** refuse '' (after trimming, when trimmed) */
  notEmpty?: boolean;
  /** the rest of the OpenAPI description (description, example, writeOnly, minLength …) */
  api?: ApiPropertyOptions;
}

/**
 * A string field as the DTOs take it: documented with its maximum length, optionally trimmed, refused when it
 * is not a string, empty (notEmpty) or too long. One decorator instead of the same five stacked on each field.
 */
export function TextField(options: TextFieldOptions): PropertyDecorator {
  const api = { maxLength: options.max, ...options.api } as ApiPropertyOptions;
  return applyDecorators(
    options.optional ? ApiPropertyOptional(api) : ApiProperty(api),
    ...(options.optional ? [IsOptional()] : []),
    ...(options.trim ? [Transform(trimString)] : []),
    IsString(),
    ...(options.notEmpty ? [IsNotEmpty()] : []),
    MaxLength(options.max),
  );
}

export interface EnumListFieldOptions {
  optional?: boolean;
  /** at least this many entries */
  min?: number;
  /** at most this many entries (default: as many as there are values) */
  max?: number;
  /** refuse the same value twice */
  unique?: boolean;
  description?: string;
}

/** a list whose entries are each one of `values` (event types, capabilities …), bounded in length */
export function EnumListField(values: readonly string[], options: EnumListFieldOptions = {}): PropertyDecorator {
  const api = { ...(options.description ? { description: options.description } : {}), enum: [...values], isArray: true };
  return applyDecorators(
    options.optional ? ApiPropertyOptional(api) : ApiProperty(api),
    ...(options.optional ? [IsOptional()] : []),
    IsArray(),
    ...(options.min !== undefined ? [ArrayMinSize(options.min)] : []),
    ArrayMaxSize(options.max ?? values.length),
    ...(options.unique ? [ArrayUnique()] : []),
    IsIn([...values], { each: true }),
  );
}
