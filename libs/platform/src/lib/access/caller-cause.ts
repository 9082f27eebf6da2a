import { randomUUID } from 'node:crypto';
import { actorOf, type Principal } from '@leadledger/access';
import type { Actor } from '@leadledger/contracts';
import { currentCorrelationId } from '@leadledger/observability';

/** What a person's request causes: their actor, a cause of its own, and the request's correlation. */
export interface CallerCause {
  readonly actor: Actor;
  readonly causationId: string;
  readonly correlationId: string;
}

/**
 * The cause of a command a caller sends over HTTP without an Idempotency-Key: a new causation each
 * time, so a second request is a second command (which the domain may refuse, e.g. accepting twice).
 */
export function callerCause(caller: Principal): CallerCause {
  return {
    actor: actorOf(caller),
    causationId: randomUUID(),
    correlationId: currentCorrelationId() ?? randomUUID(),
  };
}
