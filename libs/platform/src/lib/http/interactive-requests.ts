import type { IncomingMessage, ServerResponse } from 'node:http';
import { withWorkPriority } from '@leadledger/eventsourcing';

/**
 * Someone waits on every HTTP request: its statements go before background work's (consumers,
 * projections nobody waits for, a batch's items) on a store that serves one at a time.
 */
export function interactiveRequests(_req: IncomingMessage, _res: ServerResponse, next: () => void): void {
  withWorkPriority('interactive', next);
}
