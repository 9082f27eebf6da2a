import { externalIdentityKey, type Contact, type ExternalRef } from '@leadledger/contracts';
import { normalizeEmail } from './email-address';

export { normalizeEmail } from './email-address';

/**
 * Identity rules. A lead needs at least one handle to be reachable or matched later: an email, a
 * phone, or a source system plus external id (imports and chat tools often have no email). Two
 * submissions are the same lead when their normalized emails match (`normalizeEmail`: one canonical form
 * for identity keys and stored events alike), or their source system plus
 * external id do; phones are handles but not keys, since offices and switchboards share them.
 */
export interface IdentifiedBy {
  readonly contact: Contact;
  readonly externalRef?: ExternalRef;
}

export function hasHandle({ contact, externalRef }: IdentifiedBy): boolean {
  return Boolean(contact.email || contact.phone?.trim() || (externalRef?.system && externalRef.id));
}

/** The keys that must each point to one lead, most trusted first: the email decides when keys disagree. */
export function identityKeysOf({ contact, externalRef }: IdentifiedBy): string[] {
  const keys: string[] = [];
  if (contact.email) keys.push(`email:${normalizeEmail(contact.email)}`);
  if (externalRef) keys.push(externalIdentityKey(externalRef));
  return keys;
}
