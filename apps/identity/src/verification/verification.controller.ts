import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { Auth, AuthGuard, CurrentPrincipal, Principal } from '@lib/auth';
import { VerificationService } from './verification.service';

export class VerifyEmailDto {
  @ApiProperty({ description: 'the token from the link in the verification mail', writeOnly: true })
  @IsString()
  @Matches(/^ev_[\w-]{1,100}\.[\w-]{20,100}$/, { message: 'token is not a verification token' })
  token: string;
}

@ApiTags('identity')
@UseGuards(AuthGuard)
@Controller()
export class VerificationController {
  constructor(private readonly verification: VerificationService) {}

  @Post('v1/email-verifications')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm an email address with the token from the mailed link (single use, expiring)' })
  verify(@Body() body: VerifyEmailDto) {
    return this.verification.verify(body.token);
  }

  @Post('v1/me/email-verification')
  @HttpCode(202)
  @ApiBearerAuth()
  @Auth('user')
  @ApiOperation({ summary: 'Mail a new verification link (throttled); the previous link stops working' })
  resend(@CurrentPrincipal() principal: Extract<Principal, { kind: 'user' }>) {
    return this.verification.resend(principal.userId);
  }
}
