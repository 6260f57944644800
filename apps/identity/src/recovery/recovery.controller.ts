import { Body, Controller, Header, HttpCode, Ip, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { Auth, AuthGuard, CurrentPrincipal, Principal } from '@lib/auth';
import { EmailField } from '@lib/platform';
import { RecoveryService } from './recovery.service';

export class RequestPasswordResetDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email: string;
}

export class CompletePasswordResetDto {
  @ApiProperty({ description: 'the token from the link in the password reset mail', writeOnly: true })
  @IsString()
  @Matches(/^pr_usr-[\w-]{1,64}\.[\w-]{20,100}$/, { message: 'token is not a password reset token' })
  token: string;

  @ApiProperty({ minLength: 12, maxLength: 256, writeOnly: true })
  @IsString()
  @MaxLength(256)
  password: string;
}

export class ChangePasswordDto {
  @ApiProperty({ writeOnly: true })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  currentPassword: string;

  @ApiProperty({ minLength: 12, maxLength: 256, writeOnly: true })
  @IsString()
  @MaxLength(256)
  newPassword: string;
}

type User = Extract<Principal, { kind: 'user' }>;

@ApiTags('identity')
@UseGuards(AuthGuard)
@Controller()
export class RecoveryController {
  constructor(private readonly recovery: RecoveryService) {}

  @Post('v1/password-resets')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a password reset link (about 30 minutes, single use); the same answer whether or not the email has an account (throttled)' })
  request(@Body() body: RequestPasswordResetDto, @Ip() ip: string) {
    return this.recovery.requestReset(body.email, ip);
  }

  @Post('v1/password-resets/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set a new password with the token from the mailed link; every session of the account ends' })
  confirm(@Body() body: CompletePasswordResetDto) {
    return this.recovery.completeReset(body.token, body.password);
  }

  @Put('v1/me/password')
  @HttpCode(200)
  @ApiBearerAuth()
  @Auth('user')
  @Header('Cache-Control', 'no-store') // tokens must never sit in a shared or browser cache
  @ApiOperation({ summary: 'Change the password (the current one required): every other session ends; answers a fresh session' })
  change(@Body() body: ChangePasswordDto, @CurrentPrincipal() principal: User, @Ip() ip: string) {
    return this.recovery.changePassword(principal.userId, body.currentPassword, body.newPassword, ip);
  }

  @Post('v1/me/sessions/sign-out-everywhere')
  @HttpCode(204)
  @ApiBearerAuth()
  @Auth('user')
  @ApiOperation({ summary: 'End every session of the account: no refresh token of it works any more' })
  async signOutEverywhere(@CurrentPrincipal() principal: User) {
    await this.recovery.signOutEverywhere(principal.userId);
  }
}
