import { Body, Controller, Get, Header, HttpCode, Ip, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthGuard, CurrentPrincipal, Principal } from '@lib/auth';
import { IdentityService } from './identity.service';
import { RefreshDto, RegisterUserDto, SelectOrganizationDto, SignInDto } from './users/users.dto';
import { SigningKeys } from './keys/signing-keys';
import { decodeJwt } from 'jose';

type User = Extract<Principal, { kind: 'user' }>;

@ApiTags('identity')
@UseGuards(AuthGuard)
@Controller()
export class IdentityController {
  constructor(
    private readonly identity: IdentityService,
    private readonly keys: SigningKeys,
  ) {}

  @Post('v1/users')
  @ApiOperation({ summary: 'Sign up' })
  register(@Body() body: RegisterUserDto, @Ip() ip: string) {
    return this.identity.register(body, ip);
  }

  @Post('v1/sessions')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store') // tokens must never sit in a shared or browser cache
  @ApiOperation({ summary: 'Sign in: an unscoped access token, a refresh token, and the organizations with their roles' })
  signIn(@Body() body: SignInDto, @Ip() ip: string) {
    return this.identity.signIn(body.email, body.password, ip);
  }

  @Post('v1/sessions/organization')
  @HttpCode(200)
  @ApiBearerAuth()
  @Auth('user')
  @Header('Cache-Control', 'no-store') // tokens must never sit in a shared or browser cache
  @ApiOperation({ summary: 'Pick the organization to work in: an access token scoped to it' })
  select(@Body() body: SelectOrganizationDto, @CurrentPrincipal() principal: User, @Req() request: { headers: { authorization?: string } }) {
    const sid = decodeJwt(request.headers.authorization!.replace(/^Bearer\s+/i, '')).sid;
    return this.identity.selectOrganization(principal, body.organizationId, typeof sid === 'string' ? sid : undefined);
  }

  @Post('v1/sessions/refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store') // tokens must never sit in a shared or browser cache
  @ApiOperation({ summary: 'Rotate the refresh token and get a new access token (same organization scope)' })
  refresh(@Body() body: RefreshDto) {
    return this.identity.refresh(body.refreshToken);
  }

  @Post('v1/sessions/sign-out')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session: its refresh token is refused from now on' })
  async signOut(@Body() body: RefreshDto) {
    await this.identity.signOut(body.refreshToken);
  }

  @Get('v1/me')
  @ApiBearerAuth()
  @Auth('user')
  me(@CurrentPrincipal() principal: User) {
    return this.identity.me(principal.userId);
  }

  @Get('v1/me/invitations')
  @ApiBearerAuth()
  @Auth('user')
  invitations(@CurrentPrincipal() principal: User) {
    return this.identity.myInvitations(principal.email);
  }

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: 'Public keys that verify access tokens' })
  jwks() {
    return this.keys.jwks();
  }
}
