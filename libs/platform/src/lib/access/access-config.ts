import { MIN_CHOSEN_SECRET_LENGTH, readTokenSettings, type TokenSettings } from '@leadledger/access';
import { parseEventStoreUrl } from '@leadledger/eventstore';
import { join } from 'node:path';
import { InvalidConfigurationError, readWholeNumber } from '../platform-config';

export interface AccessConfig {
  /** AUTH=disabled: every request is an anonymous admin. Only ever on purpose; logged at every start. */
  readonly disabled: boolean;
  /** AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE and the claim names: people's OIDC tokens. */
  readonly tokens?: TokenSettings;
  /** LEADLEDGER_ADMIN_KEY: an operator-chosen admin key, issued at start. */
  readonly adminKey?: string;
  /**
   * Where an embedded store's first admin key is written when none exists: `<data directory>/admin-key`,
   * or the terminal for `pglite://memory`. Undefined for shared stores, which never make one up.
   */
  readonly firstAdminKey?: { readonly file: string } | { readonly terminal: true };
  /** RATE_LIMIT_PER_MINUTE: requests per principal per minute. */
  readonly requestsPerMinute: number;
  /** RATE_LIMIT_ADMINS: whether admin principals are limited too. */
  readonly limitAdmins: boolean;
  /** AUTH_FAILURES_PER_MINUTE: failed authentications per source address before it is blocked for a minute. */
  readonly authFailuresPerMinute: number;
}

/**
 * Sized for real integrations: a CRM sync posting a batch (up to 1,000 leads) or a lead every few
 * milliseconds all day stays far below it; a runaway loop does not.
 */
export const DEFAULT_REQUESTS_PER_MINUTE = 6_000;
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

export function readAccessConfig(env: NodeJS.ProcessEnv, eventStoreUrl: string): AccessConfig {
  const mode = env.AUTH?.trim() || 'enabled';
  if (mode !== 'enabled' && mode !== 'disabled') {
    throw new InvalidConfigurationError('AUTH', `must be "enabled" or "disabled", got "${mode}"`);
  }
  let tokens: TokenSettings | undefined;
  try {
    tokens = readTokenSettings(env);
  } catch (error) {
    throw new InvalidConfigurationError('AUTH_JWKS_URL', `settings: ${(error as Error).message}`);
  }
  const adminKey = env.LEADLEDGER_ADMIN_KEY?.trim() || undefined;
  if (adminKey !== undefined && adminKey.length < MIN_CHOSEN_SECRET_LENGTH) {
    throw new InvalidConfigurationError(
      'LEADLEDGER_ADMIN_KEY',
      `must be at least ${MIN_CHOSEN_SECRET_LENGTH} characters (a random string: openssl rand -hex 32)`,
    );
  }
  const location = parseEventStoreUrl(eventStoreUrl);
  const firstAdminKey =
    location.kind !== 'pglite'
      ? undefined
      : location.target === undefined
        ? ({ terminal: true } as const)
        : { file: join(location.target, 'admin-key') };
  return {
    disabled: mode === 'disabled',
    ...(tokens ? { tokens } : {}),
    ...(adminKey ? { adminKey } : {}),
    ...(firstAdminKey ? { firstAdminKey } : {}),
    requestsPerMinute: readWholeNumber('RATE_LIMIT_PER_MINUTE', env.RATE_LIMIT_PER_MINUTE, {
      min: 1,
      fallback: DEFAULT_REQUESTS_PER_MINUTE,
    }),
    limitAdmins: env.RATE_LIMIT_ADMINS?.trim() === 'true',
    authFailuresPerMinute: readWholeNumber('AUTH_FAILURES_PER_MINUTE', env.AUTH_FAILURES_PER_MINUTE, {
      min: 1,
      fallback: DEFAULT_AUTH_FAILURES_PER_MINUTE,
    }),
  };
}
