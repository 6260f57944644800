import { EmailField, TextField } from '@lib/platform';
import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class RegisterUserDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 256, writeOnly: true })
  @IsString()
  @MaxLength(256)
  password: string;

  @TextField({ max: 100, trim: true, notEmpty: true, api: { example: 'Ada Lovelace' } })
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

  @TextField({ max: 256, notEmpty: true, api: { writeOnly: true } })
  password: string;
}

export class SelectOrganizationDto {
  @TextField({ max: 100, notEmpty: true, api: { example: 'org-us-01jd0000000000000000000000' } })
  organizationId: string;
}

export class RefreshDto {
  @ApiProperty({ writeOnly: true })
  @IsString()
  @Matches(/^rt_[\w-]{1,100}\.[\w-]{20,200}$/, { message: 'refreshToken is not a refresh token' })
  refreshToken: string;
}
