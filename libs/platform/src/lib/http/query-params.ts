import { DomainError } from '@leadledger/eventsourcing';

/*
 * Query parameters as list routes read them: Express hands over strings, arrays (`?a=1&a=2`) or
 * objects (`?a[b]=1`), and only a single string of sane length is a value.
 */

/** One text of 1 to 200 characters, or undefined when absent; anything else is a 400 naming it. */
export function queryText(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw invalidField(name, 'must be one text of 1 to 200 characters');
  }
  return value;
}

/** A page size from 1 to `max`, `fallback` when absent. */
export function queryLimit(value: unknown, { max, fallback }: { max: number; fallback: number }): number {
  if (value === undefined) return fallback;
  const limit = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw invalidField('limit', `must be a whole number from 1 to ${max}`);
  }
  return limit;
}

/** A 400 naming one field of a request (a query parameter, a body field) and what is wrong with it. */
export function invalidField(field: string, reason: string): DomainError {
  return new DomainError('invalid', 'invalid request', [{ field, reason }]);
}
