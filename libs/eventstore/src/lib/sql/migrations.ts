import { quoteIdentifier } from './pg-driver';
import type { SqlDriver } from './sql-driver';

/**
 * Versioned, forward-only migrations of the event store's schema. Applied at start under an advisory
 * lock, so several instances starting together migrate once.
 */
const migrations: ReadonlyArray<{ version: number; up: (schema: string) => string }> = [
  {
    version: 1,
    up: (s) => `
      CREATE TABLE ${s}.events (
        position     bigint      PRIMARY KEY,
        event_id     uuid        NOT NULL UNIQUE,
        stream_id    text        NOT NULL,
        revision     bigint      NOT NULL,
        type         text        NOT NULL,
        data         jsonb       NOT NULL,
        metadata     jsonb       NOT NULL DEFAULT '{}'::jsonb,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, revision)
      );
      CREATE INDEX events_type_position ON ${s}.events (type, position);
    `,
  },
  {
    version: 2,
    // numeric: an EventStoreDB position packs two 64-bit numbers, more than bigint holds.
    up: (s) => `
      CREATE TABLE ${s}.checkpoints (
        name        text        PRIMARY KEY,
        position    numeric(40) NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1].version;

export async function migrate(driver: SqlDriver, schemaName: string): Promise<void> {
  const schema = quoteIdentifier(schemaName);
  await driver.transaction(async (tx) => {
    // The schema too is created under the lock: two services starting on a fresh database would
    // otherwise both try, and concurrent CREATE SCHEMA IF NOT EXISTS can fail on PostgreSQL.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `leadledger.eventstore.migrate:${schemaName}`,
    ]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = await tx.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`);
    const done = new Set(applied.map((row) => Number(row.version)));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.up(schema))) await tx.query(statement);
      await tx.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [migration.version]);
    }
  });
}

function splitStatements(script: string): string[] {
  return script
    .split(';')
    .map((statement) => statement.trim())
    .filter(Boolean);
}
