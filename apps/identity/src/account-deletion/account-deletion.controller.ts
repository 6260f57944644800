import { Body, Controller, Delete, HttpCode, Ip, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { Auth, AuthGuard, CurrentPrincipal, Principal } from '@lib/auth';
import { MfaCodeDto } from '../mfa/mfa.dto';
import { AccountDeletionService } from './account-deletion.service';

export class DeleteAccountDto extends MfaCodeDto {
  @ApiProperty({ writeOnly: true, description: 'the current password' })
  @IsString()
  @MaxLength(256)
  password: string;
}

type User = Extract<Principal, { kind: 'user' }>;

@ApiTags('identity')
@UseGuards(AuthGuard)
@Controller()
export class AccountDeletionController {
  constructor(private readonly deletion: AccountDeletionService) {}

  @Delete('v1/me')
  @HttpCode(204)
  @ApiBearerAuth()
  @Auth('user')
  @ApiOperation({
    summary:
      'Delete my account (current password, and the code when a second factor is enrolled): sessions end, memberships are removed, personal data in every store becomes unreadable; 409 last-admin names the organizations that would be left without an Admin',
  })
  async remove(@Body() body: DeleteAccountDto, @CurrentPrincipal() principal: User, @Ip() ip: string) {
    await this.deletion.deleteAccount(principal.userId, body, ip);
  }
}
