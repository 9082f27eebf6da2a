import { type CheckpointStore, type GlobalPosition } from '@leadledger/eventsourcing';
import { quoteIdentifier } from './pg-driver';
import type { SqlExecutor } from './sql-driver';

/** Checkpoints in the event store's own schema (created by its migrations). */
export class SqlCheckpointStore implements CheckpointStore {
  private readonly table: string;

  constructor(
    private readonly db: SqlExecutor,
    schema = 'eventstore',
  ) {
    this.table = `${quoteIdentifier(schema)}.checkpoints`;
  }

  async load(name: string): Promise<GlobalPosition | undefined> {
    const [row] = await this.db.query<{ position: string }>(
      `SELECT position::text AS position FROM ${this.table} WHERE name = $1`,
      [name],
    );
    return row ? BigInt(row.position) : undefined;
  }

  async save(name: string, position: GlobalPosition): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table} (name, position) VALUES ($1, $2::numeric)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [name, position.toString()],
    );
  }
}
