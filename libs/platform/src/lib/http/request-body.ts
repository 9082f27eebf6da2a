import { jsonShapeIssues, validateAgainst, type ValidationIssue } from '@leadledger/contracts';
import { BadRequestException } from '@nestjs/common';

/** The body of every 400: each bad field and why. */
export interface InvalidRequestBody {
  readonly statusCode: 400;
  readonly error: 'Bad Request';
  readonly message: string;
  readonly issues: readonly { readonly field: string; readonly reason: string }[];
}

export function invalidRequest(
  issues: readonly ValidationIssue[],
  message = 'invalid request',
): BadRequestException {
  const body: InvalidRequestBody = {
    statusCode: 400,
    error: 'Bad Request',
    message,
    issues: issues.map(({ path, reason }) => ({ field: path || '(body)', reason })),
  };
  return new BadRequestException(body);
}

/**
 * Forms and people send blanks as "" or null and pad values with spaces. Requests are forgiven that,
 * and only that, before they are validated strictly: strings are trimmed and blanks count as absent.
 * `normalize` adjusts one field's tidied value by its key (lead-capture's e-mail addresses).
 */
export function tidyJson(raw: unknown, normalize?: (key: string, value: unknown) => unknown): unknown {
  if (typeof raw === 'string') return raw.trim();
  if (Array.isArray(raw)) return raw.map((item) => tidyJson(item, normalize));
  if (raw === null || typeof raw !== 'object') return raw;
  const tidied: [string, unknown][] = [];
  for (const [key, value] of Object.entries(raw)) {
    const clean = tidyJson(value, normalize);
    if (clean === null || clean === '') continue;
    tidied.push([key, normalize ? normalize(key, clean) : clean]);
  }
  // Not assignment: `tidied['__proto__'] = value` would swap the prototype and hide the field from validation.
  return Object.fromEntries(tidied);
}

export type ReadResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: ValidationIssue[] };

/** Refuses hostile shapes, tidies, then validates against the request class's rules. */
export function readRequest<T extends object>(
  rules: new () => T,
  raw: unknown,
  tidy: (raw: unknown) => unknown = tidyJson,
): ReadResult<T> {
  // Before tidying, which recurses and copies: a body nested 10,000 deep must not reach it.
  const shapeIssues = jsonShapeIssues(raw);
  if (shapeIssues.length > 0) return { ok: false, issues: shapeIssues };
  const value = tidy(raw);
  const issues = validateAgainst(rules, value);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: value as T };
}

/** The request as its class describes it, or a 400 naming every bad field. */
export function requestBodyOf<T extends object>(
  rules: new () => T,
  raw: unknown,
  tidy?: (raw: unknown) => unknown,
): T {
  const read = readRequest(rules, raw, tidy);
  if (!read.ok) throw invalidRequest(read.issues);
  return read.value;
}
