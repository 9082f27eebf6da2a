import { createHash, randomBytes } from 'node:crypto';
import { deriveId } from '@leadledger/eventsourcing';

/** Prefix of the keys leadledger makes, so a leaked one is recognizable to secret scanners. */
const KEY_PREFIX = 'llk_';

/** A new key: 256 random bits. Shown once; only its hash is stored. */
export function newApiKeySecret(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * sha256 of the secret. A slow password hash would buy nothing: the secrets are random, not chosen,
 * and every request would pay for it.
 */
export function secretHashOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The key's id, derived from its hash: a presented key finds its stream without any index. */
export function keyIdOf(secretHash: string): string {
  return deriveId('api-key', secretHash);
}

export function apiKeyStreamOf(keyId: string): string {
  return `api-key-${keyId}`;
}

/** Shortest secret accepted from an operator (LEADLEDGER_ADMIN_KEY). */
export const MIN_CHOSEN_SECRET_LENGTH = 32;
