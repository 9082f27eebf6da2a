import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDirectory, type DirectoryLock } from './directory-lock';
import { withoutDataOnFailure } from './query-errors';
import type { SqlDriver, SqlExecutor } from './sql-driver';
import { Turns } from './turns';

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in this process, persisted to a directory (or memory).
 * It has one connection: statements and transactions take turns (`Turns`), interactive work first.
 *
 * A directory is open in one process at a time: PGlite keeps the database in memory and writes it
 * back, so two processes on one directory each miss the other's writes, the last to close
 * overwrites the other's, and the files can end up unopenable. `open` takes the directory's lock
 * (`lockDirectory`) first and throws `DirectoryLockedError` naming the holder's pid.
 */
export class PgliteDriver implements SqlDriver {
  private readonly turns = new Turns();

  private constructor(
    private readonly db: PGlite,
    private readonly lock: DirectoryLock | undefined,
  ) {}

  /** The instance itself, for what must speak to it directly: the analysts' wire-protocol server. */
  get pglite(): PGlite {
    return this.db;
  }

  /** `dataDir` undefined: in memory, gone when the process ends. */
  static async open(dataDir?: string): Promise<PgliteDriver> {
    if (!dataDir) return new PgliteDriver(await PGlite.create(), undefined);
    const lock = lockDirectory(dataDir);
    try {
      return new PgliteDriver(await PGlite.create({ dataDir }), lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.turns.take(
      async () => (await withoutDataOnFailure(() => this.db.query<Row>(sql, params as unknown[]))).rows,
    );
  }

  async exec(script: string): Promise<void> {
    await this.turns.take(() => this.db.exec(script));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.turns.take(() => this.runTransaction(work));
  }

  private runTransaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (transaction: Transaction) =>
      work({
        query: async <Row>(sql: string, params: readonly unknown[] = []) => {
          // Per statement, not per transaction: a projection applies a whole batch of events in one.
          await yieldToEventLoop();
          return (await withoutDataOnFailure(() => transaction.query<Row>(sql, params as unknown[]))).rows;
        },
      }),
    );
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(channel, () => onNotify());
    return () => unlisten();
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      // Only once PGlite wrote everything back: another process may open the directory right after.
      this.lock?.release();
    }
  }
}

/** Within a transaction, which holds its turn throughout, as `Turns` does between statements. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
