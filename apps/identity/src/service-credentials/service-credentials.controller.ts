import { Body, Controller, Delete, Get, Header, HttpCode, Injectable, OnModuleInit, Param, Post, Req, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Auth, AuthGuard, SERVICE_SCOPES } from '@lib/auth';
import { CREDENTIAL_NAME } from './service-credential.decider';
import { ServiceCredentialsService } from './service-credentials.service';

export class CreateServiceCredentialDto {
  @ApiProperty({ example: 'gateway-eu', pattern: CREDENTIAL_NAME.source })
  @IsString()
  @Matches(CREDENTIAL_NAME, { message: 'name is 3-63 lowercase letters, digits and dashes, starting with a letter' })
  name: string;

  @ApiProperty({ enum: SERVICE_SCOPES, isArray: true, example: ['authz:check'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SERVICE_SCOPES.length)
  @IsIn(SERVICE_SCOPES, { each: true })
  scopes: string[];

  @ApiProperty({ required: false, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}

export class RotateServiceCredentialDto {
  @ApiProperty({ required: false, default: 3600, minimum: 0, maximum: 30 * 24 * 3600, description: 'how long the previous secret keeps working' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  overlapSeconds?: number;
}

export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'] })
  @IsString()
  @MaxLength(64)
  grant_type: string;
  @ApiProperty({ required: false, description: 'or HTTP Basic' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  client_id?: string;
  @ApiProperty({ required: false, writeOnly: true, description: 'or HTTP Basic' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  client_secret?: string;
  @ApiProperty({ required: false, description: 'a space-separated subset of the credential\'s scopes' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  scope?: string;
}

/** the operator's named service credentials, and the token endpoint their holders call */
@ApiTags('service credentials')
@UseGuards(AuthGuard)
@Controller()
export class ServiceCredentialsController {
  constructor(private readonly credentials: ServiceCredentialsService) {}

  @Post('v1/service-credentials')
  @ApiBearerAuth()
  @Auth('operator')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create a named service credential (operator); its secret is shown in this answer only' })
  create(@Body() body: CreateServiceCredentialDto) {
    return this.credentials.create(body);
  }

  @Get('v1/service-credentials')
  @ApiBearerAuth()
  @Auth('operator')
  @ApiOperation({ summary: 'The service credentials, with their scopes and status (never a secret)' })
  async list() {
    return { items: await this.credentials.list() };
  }

  @Post('v1/service-credentials/:name/rotate')
  @HttpCode(200)
  @ApiBearerAuth()
  @Auth('operator')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'A new secret (shown once); the previous one keeps working for overlapSeconds (default 3600)' })
  rotate(@Param('name') name: string, @Body() body: RotateServiceCredentialDto) {
    return this.credentials.rotate(name, body.overlapSeconds ?? 3600);
  }

  @Delete('v1/service-credentials/:name')
  @ApiBearerAuth()
  @Auth('operator')
  @ApiOperation({ summary: 'Revoke: no new access token from now on; tokens already issued expire within SERVICE_TOKEN_TTL_SECONDS' })
  revoke(@Param('name') name: string) {
    return this.credentials.revoke(name);
  }

  @Post('v1/oauth/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiOperation({ summary: 'OAuth 2.0 client credentials grant: a short-lived access token with the credential\'s scopes' })
  token(@Body() body: TokenRequestDto, @Req() request: { headers: Record<string, string | string[] | undefined> }) {
    const header = request.headers.authorization;
    const basic = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]{1,400})$/i.exec(header)?.[1] : undefined;
    const b = (body ?? {}) as unknown as Record<string, unknown>;
    return this.credentials.issueToken({ grantType: b.grant_type, clientId: b.client_id, clientSecret: b.client_secret, scope: b.scope, basic });
  }
}

/**
 * RFC 6749 clients send the token request as application/x-www-form-urlencoded: parsed for the token endpoint
 * only (every other endpoint keeps answering 415), at most 4 KiB; a repeated parameter becomes an array, which the
 * DTO refuses.
 */
@Injectable()
export class FormBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter.getInstance<{
      hasContentTypeParser(type: string): boolean;
      addContentTypeParser(type: string, options: { parseAs: 'string'; bodyLimit: number }, parser: (req: { url?: string }, body: string, done: (error: Error | null, value?: unknown) => void) => void): void;
    }>();
    if (fastify.hasContentTypeParser(FORM)) return;
    fastify.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 4096 }, (req, body, done) => {
      if ((req.url ?? '').split('?')[0] !== TOKEN_PATH) {
        return done(Object.assign(new Error(`unsupported media type ${FORM}: send application/json`), { statusCode: 415 }));
      }
      const parsed: Record<string, string | string[]> = Object.create(null);
      for (const [key, value] of new URLSearchParams(body)) {
        const seen = parsed[key];
        parsed[key] = seen === undefined ? value : [...[seen].flat(), value];
      }
      done(null, { ...parsed });
    });
  }
}
const FORM = 'application/x-www-form-urlencoded';
const TOKEN_PATH = '/v1/oauth/token';
