import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, Principal } from '@lib/auth';
import { DomainError } from '@lib/eventstore';
import { IdentityService } from '../identity.service';
import { CompleteMfaSignInDto, ConfirmMfaDto, DisableMfaDto, MfaCodeDto } from './mfa.dto';
import { MfaService } from './mfa.service';

type User = Extract<Principal, { kind: 'user' }>;

/** exactly one of the two: a code from the app or a recovery code */
function oneCode(body: MfaCodeDto) {
  if (!body.code === !body.recoveryCode) {
    throw new DomainError('invalid', 'give either code (from the authenticator app) or recoveryCode', 'mfa-code-missing', {
      errors: [{ field: 'code', message: 'give either code or recoveryCode' }],
    });
  }
  return { code: body.code, recoveryCode: body.recoveryCode };
}

@ApiTags('identity')
@UseGuards(AuthGuard)
@Controller()
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly identity: IdentityService,
  ) {}

  @Post('v1/me/mfa/totp')
  @HttpCode(200)
  @ApiBearerAuth()
  @Auth('user')
  @Header('Cache-Control', 'no-store') // the secret is shown once
  @ApiOperation({ summary: 'Start TOTP enrolment: a new secret and its otpauth:// URI (render it as a QR code); confirm with a code to enable' })
  start(@CurrentPrincipal() principal: User) {
    return this.mfa.startEnrolment(principal.userId, principal.email);
  }

  @Post('v1/me/mfa/totp/confirm')
  @HttpCode(200)
  @ApiBearerAuth()
  @Auth('user')
  @Header('Cache-Control', 'no-store') // the recovery codes are shown once
  @ApiOperation({ summary: 'Confirm TOTP enrolment with the current code: MFA is enabled, and the single-use recovery codes are shown once' })
  confirm(@CurrentPrincipal() principal: User, @Body() body: ConfirmMfaDto) {
    return this.mfa.confirmEnrolment(principal.userId, body.code);
  }

  @Post('v1/me/mfa/disable')
  @HttpCode(204)
  @ApiBearerAuth()
  @Auth('user')
  @ApiOperation({ summary: 'Disable the second factor: the password and a current code (or a recovery code)' })
  async disable(@CurrentPrincipal() principal: User, @Body() body: DisableMfaDto) {
    await this.mfa.disable(principal.userId, body.password, oneCode(body));
  }

  @Post('v1/sessions/mfa')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store') // tokens must never sit in a shared or browser cache
  @ApiOperation({ summary: 'Second step of a sign-in that answered status mfa-required: the mfaToken and a code (or a recovery code)' })
  complete(@Body() body: CompleteMfaSignInDto) {
    return this.identity.completeMfaSignIn(body.mfaToken, oneCode(body));
  }
}
