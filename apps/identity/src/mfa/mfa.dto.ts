import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const CODE = /^\s*\d{3}\s?\d{3}\s*$/;
const RECOVERY = /^\s*[a-zA-Z2-7]{5}-?[a-zA-Z2-7]{5}\s*$/;

export class ConfirmMfaDto {
  @ApiProperty({ example: '123456', description: 'the current code from the authenticator app' })
  @IsString()
  @Matches(CODE, { message: 'code must be the 6 digits from the authenticator app' })
  code: string;
}

export class MfaCodeDto {
  @ApiProperty({ required: false, example: '123456', description: 'the current code from the authenticator app (or give recoveryCode)' })
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: 'code must be the 6 digits from the authenticator app' })
  code?: string;

  @ApiProperty({ required: false, example: 'abcde-fghij', description: 'one of the recovery codes shown at enrolment (single use)' })
  @IsOptional()
  @IsString()
  @Matches(RECOVERY, { message: 'recoveryCode is not a recovery code' })
  recoveryCode?: string;
}

export class DisableMfaDto extends MfaCodeDto {
  @ApiProperty({ writeOnly: true })
  @IsString()
  @MaxLength(256)
  password: string;
}

export class CompleteMfaSignInDto extends MfaCodeDto {
  @ApiProperty({ writeOnly: true, description: 'the mfaToken from the sign-in answer whose status was mfa-required' })
  @IsString()
  @Matches(/^mc_usr-[\w-]{1,64}\.[\w-]{20,100}$/, { message: 'mfaToken is not a sign-in step token' })
  mfaToken: string;
}
