/**
 * Why the domain refuses a command. Each kind has one meaning on every transport; HTTP maps them in
 * one place (400, 404, 409, 403, 422, 412) and message consumers treat every kind as permanent: retrying
 * a refused command cannot make it acceptable.
 */
export const DOMAIN_ERROR_KINDS = [
  'invalid',
  'not_found',
  'conflict',
  'forbidden',
  'precondition',
  'stale',
] as const;
export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

/** A refused field: where (a dotted path, `(body)` for the whole) and why. */
export interface DomainErrorIssue {
  readonly field: string;
  readonly reason: string;
}

/**
 * A command the domain refuses:
 * - `invalid`: the command itself is wrong (a lead with no handle);
 * - `not_found`: what it names does not exist;
 * - `conflict`: the state changed under it (concurrent writers, an erased lead);
 * - `forbidden`: the caller may not do this;
 * - `precondition`: the command is well-formed but the state does not allow it (a stage's exit criteria);
 * - `stale`: the caller decided on a revision of the stream that is no longer the last (HTTP If-Match).
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly issues: readonly DomainErrorIssue[] = [],
  ) {
    super(message);
  }
}

export function isDomainError(error: unknown, kind?: DomainErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}
