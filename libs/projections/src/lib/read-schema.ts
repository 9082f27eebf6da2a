import type { SqlDriver, SqlExecutor } from '@leadledger/eventstore';

/** Where read models live in production; analysts query `read.<table>`. */
export const DEFAULT_READ_SCHEMA = 'read';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class InvalidReadSchemaError extends Error {
  override readonly name = 'InvalidReadSchemaError';
}

/** A lower-case identifier, so it is spliced into SQL as is and reads the same quoted or not. */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidReadSchemaError(`read schema "${schema}" must be a lower-case SQL identifier`);
  }
  return schema;
}

/**
 * Runs `work` in a transaction that resolves unqualified table names in `schema`: projections are
 * written once and run in `read` or in a test's own schema. `SET LOCAL` ends with the transaction,
 * so a pooled connection goes back to the pool as it came.
 */
export function inSchema<T>(
  db: SqlDriver,
  schema: string,
  work: (tx: SqlExecutor) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL search_path TO "${schema}", public`);
    return work(tx);
  });
}

/**
 * Serializes schema set-up across runners and tickers starting together on one database:
 * concurrent `CREATE ... IF NOT EXISTS` of the same object can still fail on PostgreSQL.
 */
export async function lockSchemaSetup(tx: SqlExecutor, schema: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leadledger.projections.setup:${schema}`]);
  await tx.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
}
