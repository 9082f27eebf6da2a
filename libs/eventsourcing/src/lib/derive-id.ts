import { v5 as nameBasedUuid } from 'uuid';

/** Namespace of every id leadledger derives by name (RFC 4122 v5). Never change it: ids derived before would change. */
const LEADLEDGER_NAMESPACE = '3b0a4f7e-52d6-4c4b-8a53-0f1f5d2b7a10';

/**
 * The id of the `index`-th event a handler writes because of `causationId` (the event, message or
 * request it handles). A redelivery derives the same ids, so the store recognizes the append as done
 * (docs/architecture.md, "Delivery guarantees").
 */
export function deriveEventId(causationId: string, handler: string, index = 0): string {
  return nameBasedUuid(`${handler}\u0000${causationId}\u0000${index}`, LEADLEDGER_NAMESPACE);
}

/** A stable UUID for anything else identified by a name: an aggregate id derived from an idempotency key. */
export function deriveId(kind: string, name: string): string {
  return nameBasedUuid(`${kind}\u0000${name}`, LEADLEDGER_NAMESPACE);
}
