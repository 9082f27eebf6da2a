import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlDriver, SqlExecutor } from './sql-driver';

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in this process, persisted to a directory (or memory).
 * It has one connection, so statements and transactions are serialized by PGlite itself.
 */
export class PgliteDriver implements SqlDriver {
  private constructor(private readonly db: PGlite) {}

  /** `dataDir` undefined: in memory, gone when the process ends. */
  static async open(dataDir?: string): Promise<PgliteDriver> {
    const db = dataDir ? await PGlite.create({ dataDir }) : await PGlite.create();
    return new PgliteDriver(db);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.db.query<Row>(sql, params as unknown[])).rows;
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (transaction: Transaction) =>
      work({
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await transaction.query<Row>(sql, params as unknown[])).rows,
      }),
    );
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(channel, () => onNotify());
    return () => unlisten();
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
