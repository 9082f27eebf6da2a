import { jsonShapeIssues, validateAgainst, type ValidationIssue } from '@leadledger/contracts';
import { normalizeEmail } from '../domain/identity';

/**
 * Forms and integrations send blanks as "" or null and pad values with spaces. Intake forgives
 * that, and only that, before validating strictly: strings are trimmed, blanks count as absent,
 * and the email is normalized. What reaches a stream is then exactly what the rules allow.
 */
export function tidyRequest(raw: unknown): unknown {
  if (typeof raw === 'string') return raw.trim();
  if (Array.isArray(raw)) return raw.map(tidyRequest);
  if (raw === null || typeof raw !== 'object') return raw;
  const tidied: [string, unknown][] = [];
  for (const [key, value] of Object.entries(raw)) {
    const clean = tidyRequest(value);
    if (clean === null || clean === '') continue;
    tidied.push([key, key === 'email' && typeof clean === 'string' ? normalizeEmail(clean) : clean]);
  }
  // Not assignment: `tidied['__proto__'] = value` would swap the prototype and hide the field from validation.
  return Object.fromEntries(tidied);
}

export type ReadResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: ValidationIssue[] };

/** Refuses hostile shapes, tidies, then validates against the request class's rules. */
export function readRequest<T extends object>(rules: new () => T, raw: unknown): ReadResult<T> {
  // Before tidying, which recurses and copies: a body nested 10,000 deep must not reach it.
  const shapeIssues = jsonShapeIssues(raw);
  if (shapeIssues.length > 0) return { ok: false, issues: shapeIssues };
  const value = tidyRequest(raw);
  const issues = validateAgainst(rules, value);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: value as T };
}
