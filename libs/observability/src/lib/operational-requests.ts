import type { IncomingMessage } from 'node:http';

// Scrapes and probes arrive every few seconds from machines, not users: counted with the API they
// would drown its request rate and drag its latency percentiles towards zero, and logged they
// would bury the lines worth reading. The observability controllers mark their requests here.
const operationalRequests = new WeakSet<IncomingMessage>();

export function markOperationalRequest(req: IncomingMessage): void {
  operationalRequests.add(req);
}

export function isOperationalRequest(req: IncomingMessage): boolean {
  return operationalRequests.has(req);
}
