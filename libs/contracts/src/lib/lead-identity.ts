import { createHash } from 'node:crypto';

/*
 * One lead per identity key (a normalized email, or a source system plus external id), kept in the
 * event store itself: each key claims a stream of its own, created with `no_stream`. lead-capture
 * claims them; another service finds a lead by the same key (an opportunity imported from a CRM by
 * the lead's external id).
 */

/** Bookkeeping, not a lifecycle event: the relay publishes catalog events only. */
export const LEAD_IDENTITY_CLAIMED = 'leadledger.internal.lead-identity-claimed';

export interface LeadIdentityClaim {
  readonly leadId: string;
  /** `email` or `external`: what kind of key, never the key itself (it may be personal data). */
  readonly keyKind: string;
}

/** The key of a lead's record in another system; system names are not case-sensitive, ids are. */
export function externalIdentityKey(ref: { readonly system: string; readonly id: string }): string {
  return `external:${ref.system.trim().toLowerCase()}:${ref.id.trim()}`;
}

/** The stream a key claims: hashed, so no email appears in a stream name. */
/** Every identity key's stream name starts so. */
export const IDENTITY_STREAM_PREFIX = 'identity-';

export function identityStreamId(key: string): string {
  return `${IDENTITY_STREAM_PREFIX}${createHash('sha256').update(key).digest('hex')}`;
}
