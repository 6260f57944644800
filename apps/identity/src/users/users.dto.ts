import { EmailField } from '@lib/platform';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class RegisterUserDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 256, writeOnly: true })
  @IsString()
  @MaxLength(256)
  password: string;

  @ApiProperty({ example: 'Ada Lovelace', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  displayName: string;

  @ApiProperty({ required: false, writeOnly: true, description: 'the token of an invitation link: signing up with it confirms the email address' })
  @IsOptional()
  @IsString()
  @Matches(/^iv_inv-[\w-]{1,64}\.[\w-]{20,100}$/, { message: 'invitationToken is not an invitation token' })
  invitationToken?: string;
}

export class SignInDto {
  @ApiProperty()
  @EmailField()
  email: string;

  @ApiProperty({ writeOnly: true })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password: string;
}

export class SelectOrganizationDto {
  @ApiProperty({ example: 'org-us-01jd0000000000000000000000' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  organizationId: string;
}

export class RefreshDto {
  @ApiProperty({ writeOnly: true })
  @IsString()
  @Matches(/^rt_[\w-]{1,100}\.[\w-]{20,200}$/, { message: 'refreshToken is not a refresh token' })
  refreshToken: string;
}
