import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PACKAGE_KEYS, PackageKeys } from './package-keys';

@ApiTags('apps')
@Controller('.well-known')
export class PackageKeysController {
  constructor(@Inject(PACKAGE_KEYS) private readonly packageKeys: PackageKeys) {}

  @Get('package-signing-keys.json')
  @ApiOperation({
    summary:
      'The public key this stack signs app packages with (a JWKS; each key carries its region). Other regions list it in PACKAGE_TRUSTED_KEYS to verify packages exported here',
  })
  keys() {
    return { keys: [this.packageKeys.signer.publicJwk()] };
  }
}
