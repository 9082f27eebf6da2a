import { readRequest as readTidiedRequest, tidyJson, type ReadResult } from '@leadledger/platform';
import { normalizeEmail } from '../domain/identity';

export type { ReadResult };

/** Every request's tidying, and the e-mail address normalized: it identifies the lead. */
export function tidyRequest(raw: unknown): unknown {
  return tidyJson(raw, (key, value) =>
    key === 'email' && typeof value === 'string' ? normalizeEmail(value) : value,
  );
}

/** Refuses hostile shapes, tidies, then validates against the request class's rules. */
export function readRequest<T extends object>(rules: new () => T, raw: unknown): ReadResult<T> {
  return readTidiedRequest(rules, raw, tidyRequest);
}
