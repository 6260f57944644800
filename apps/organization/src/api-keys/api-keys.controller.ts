import { Body, Controller, Delete, Get, Header, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { DomainError } from '@lib/eventstore';
import { Auth, AuthGuard, CurrentPrincipal, OrgPermission, Principal } from '@lib/auth';
import { API_KEY_ROLES, ApiKeyRole } from './api-key.events';
import { ApiKeysService } from './api-keys.service';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'deploy pipeline', maxLength: 100 })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: API_KEY_ROLES, description: 'never above the creator\'s role' })
  @IsIn(API_KEY_ROLES)
  role: ApiKeyRole;
}

/** an organization's API keys, managed by its Admins */
@ApiTags('api keys')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/organizations/:id/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @OrgPermission('organization.manage')
  @Auth('user')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create an API key (Admin) with a Developer or Agent role; the key is in this answer only' })
  create(@Param('id') id: string, @Body() body: CreateApiKeyDto, @CurrentPrincipal() principal: Principal) {
    return this.keys.create(id, principal, body);
  }

  @Get()
  @OrgPermission('organization.manage')
  @Auth('user')
  @ApiOperation({ summary: 'The organization\'s API keys (never a secret)' })
  list(@Param('id') id: string) {
    return { items: this.keys.list(id) };
  }

  @Delete(':keyId')
  @OrgPermission('organization.manage')
  @Auth('user')
  @ApiOperation({ summary: 'Revoke an API key: refused on its next request, by every route and by forward-auth' })
  revoke(@Param('id') id: string, @Param('keyId') keyId: string, @CurrentPrincipal() principal: Principal) {
    if (!/^key-[a-z0-9]{1,64}$/.test(keyId)) throw new DomainError('not_found', 'API key not found', 'api-key-not-found');
    return this.keys.revoke(id, principal, keyId);
  }
}
