import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PLATFORM_CONFIG } from '../tokens';
import type { PlatformConfig } from '../platform-config';
import type { AccessConfig } from './access-config';
import { ApiKeyRegistry } from './api-key-registry';
import { ACCESS_CONFIG } from './access.tokens';
import { checkRoutePolicies, routesOf } from './route-policies';

/** The principal of the admin key an operator chose or the embedded pipeline made. */
export const FIRST_ADMIN = 'admin';

/**
 * At start: every route has a policy, and there is a way in. A service whose callers could not
 * authenticate at all (no tokens, no admin key) refuses to start rather than run unusable or open.
 */
@Injectable()
export class AccessLifecycle implements OnApplicationBootstrap {
  private readonly logger = new Logger('Access');

  constructor(
    @Inject(ACCESS_CONFIG) private readonly config: AccessConfig,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(ApiKeyRegistry) private readonly keys: ApiKeyRegistry,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    checkRoutePolicies(routesOf(this.discovery, this.scanner, this.reflector));
    if (this.config.disabled) {
      this.logger.warn('AUTH=disabled: nobody is authenticated; every request acts as an anonymous admin');
      return;
    }
    const actor = `system:${this.platform.service}` as const;
    if (this.config.adminKey) {
      await this.keys.issueSecret(
        this.config.adminKey,
        { role: 'admin', principal: FIRST_ADMIN },
        actor,
        randomUUID(),
      );
      return;
    }
    if (this.config.tokens || (await this.keys.hasUsableAdminKey())) return;
    const first = this.config.firstAdminKey;
    if (!first) {
      throw new Error(
        'no way to authenticate: set LEADLEDGER_ADMIN_KEY (32+ characters), or AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE; AUTH=disabled turns authentication off',
      );
    }
    const issued = await this.keys.issue({ role: 'admin', principal: FIRST_ADMIN }, actor, randomUUID());
    if ('file' in first) {
      await writePrivately(first.file, `${issued.key}\n`);
      this.logger.warn(
        { file: first.file, keyId: issued.keyId },
        `first admin key written to ${first.file} (only this user can read it): send it as Authorization: Bearer <key>`,
      );
    } else {
      // Printed, not logged: log lines are shipped and kept; the terminal is the operator's.
      process.stdout.write(
        `\nleadledger: the admin key of this in-memory store (shown once): ${issued.key}\n` +
          `send it as "Authorization: Bearer <key>"\n\n`,
      );
    }
  }
}

/** Written whole or not at all, readable by the owner only. */
async function writePrivately(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, content, { mode: 0o600 });
  await rename(partial, file);
}
