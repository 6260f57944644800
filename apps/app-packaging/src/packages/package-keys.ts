import { Provider } from '@nestjs/common';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { PackagingConfig } from '../config';
import { PackageSigner, parseTrustedKeys, TrustedKey } from './package-signing';

/** this stack's signing key and the keys it trusts (its own included), loaded once at boot */
export interface PackageKeys {
  signer: PackageSigner;
  trusted: TrustedKey[];
}

export function loadPackageKeys(config: PackagingConfig): PackageKeys {
  const file = config.PACKAGE_SIGNING_KEY_FILE ?? join(config.DATA_DIR, 'app-packaging', 'package-signing-key.pem');
  let signer: PackageSigner;
  if (existsSync(file)) signer = PackageSigner.fromPem(readFileSync(file, 'utf8'), config.REGION);
  else if (config.PACKAGE_SIGNING_KEY_FILE) throw new Error(`PACKAGE_SIGNING_KEY_FILE ${file} does not exist`);
  else {
    signer = PackageSigner.generate(config.REGION);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, signer.pem(), { mode: 0o600, flag: 'wx' });
  }
  const others = config.PACKAGE_TRUSTED_KEYS ? parseTrustedKeys(config.PACKAGE_TRUSTED_KEYS) : [];
  return { signer, trusted: [signer.trusted(), ...others.filter((k) => k.kid !== signer.kid)] };
}

/** the signing key and trusted keys of app-packaging, injected by this token */
export const PACKAGE_KEYS = Symbol('PACKAGE_KEYS');

export const packageKeysProvider: Provider = {
  provide: PACKAGE_KEYS,
  inject: [SERVICE_CONFIG],
  useFactory: (config: PackagingConfig) => loadPackageKeys(config),
};
