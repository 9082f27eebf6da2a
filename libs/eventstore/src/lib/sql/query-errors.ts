import { maskQuotedText } from '@leadledger/eventsourcing';

/**
 * A failed SQL statement, without its data. The drivers' own errors carry the statement's
 * parameters (PGlite's `params`), the offending row (`detail`: "Key (email)=(ana@acme.io)...") and
 * context (`where`: "parameter $1 = '...'"): logged as they are, they put emails and phone numbers
 * into the logs. This keeps the SQLSTATE code (what callers branch on: 23505, 42P01, ...) and a
 * message whose quoted values are masked.
 */
export class SqlQueryError extends Error {
  override readonly name = 'SqlQueryError';

  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function withoutStatementData(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof SqlQueryError) return error;
  const code = (error as { code?: unknown }).code;
  return new SqlQueryError(typeof code === 'string' ? code : undefined, maskQuotedText(error.message));
}

/** Runs a statement; its failure is rethrown without the statement's data. */
export async function withoutDataOnFailure<T>(statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw withoutStatementData(error);
  }
}
