import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_ID_HEADER, resolveCorrelationId, runWithCorrelation } from './correlation-context';

// Both the correlation middleware and pino-http ask for a request's id, in an order Nest decides:
// whoever asks first resolves it, the other gets the same answer.
const resolvedIds = new WeakMap<IncomingMessage, string>();

/** The request's correlation id: its valid `x-correlation-id`, else a new one; echoed on the response. */
export function correlationIdOf(req: IncomingMessage, res: ServerResponse): string {
  const known = resolvedIds.get(req);
  if (known !== undefined) return known;
  const correlationId = resolveCorrelationId(req.headers[CORRELATION_ID_HEADER]);
  resolvedIds.set(req, correlationId);
  if (!res.headersSent) res.setHeader(CORRELATION_ID_HEADER, correlationId);
  return correlationId;
}

/** Runs the rest of the request pipeline inside the request's correlation context. */
export function correlationMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  runWithCorrelation(correlationIdOf(req, res), next);
}
