import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The correlation id follows one piece of work (an HTTP request, a consumed message) through every
 * log line and into the events it appends. It lives in AsyncLocalStorage so code deep in a call
 * chain reads it without threading a parameter through every signature.
 */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

// Ids come from callers we do not control and end up in logs and event metadata: a short, plain
// alphabet keeps them from smuggling newlines, markup or megabytes into either.
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const storage = new AsyncLocalStorage<string>();

export function isValidCorrelationId(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && CORRELATION_ID.test(candidate);
}

/** The candidate when it is a well-formed id, else a fresh UUID: work always has an id to log. */
export function resolveCorrelationId(candidate: unknown): string {
  return isValidCorrelationId(candidate) ? candidate : randomUUID();
}

/**
 * Runs `work` with the candidate as the current id for it and everything it awaits. Pass what the
 * message or request carried, as is: a missing or malformed id is replaced by a fresh UUID, which
 * `currentCorrelationId()` then returns.
 */
export function runWithCorrelation<T>(candidate: string | undefined, work: () => T): T {
  return storage.run(resolveCorrelationId(candidate), work);
}

/** The id of the work in progress; undefined outside `runWithCorrelation` (e.g. at boot). */
export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}
