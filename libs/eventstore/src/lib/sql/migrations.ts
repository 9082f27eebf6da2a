import { quoteIdentifier } from './pg-driver';
import type { SqlDriver } from './sql-driver';

/**
 * Versioned, forward-only migrations of the event store's schema. Applied at start under an advisory
 * lock, so several instances starting together migrate once.
 */
const migrations: ReadonlyArray<{ version: number; up: (schema: string) => string | readonly string[] }> = [
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
  {
    version: 3,
    // One statement: a function body is full of semicolons. See appendGroupFunction for the contract.
    up: (s) => [appendGroupFunction(s)],
  },
  {
    version: 4,
    // The same contract, with a set-based path for the common group (replaces version 3's body).
    up: (s) => [appendGroupFunction(s)],
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
      const script = migration.up(schema);
      const statements = typeof script === 'string' ? splitStatements(script) : script;
      for (const statement of statements) await tx.query(statement);
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

/**
 * Appends a whole group of appends in one call, under the store's append lock, in one transaction:
 * the group commit of SqlEventStore. Appends are grouped into units (`unit_sizes`): a unit is written
 * whole or not at all, so a multi-stream append is one unit and a single append a unit of one.
 * Every append keeps its own checks, in the order the port defines them: an append whose event ids
 * are all stored already, as one append of this stream, is acknowledged as it was ("stored"); some
 * of them stored otherwise is a "conflict"; else its expected revision must hold ("wrong_revision"
 * with the current revision when it does not). A unit with a failed append writes nothing and its
 * other appends answer "skipped"; other units are unaffected.
 *
 * The lock is taken first and each statement then reads with a fresh snapshot (READ COMMITTED in a
 * volatile function), so every earlier group's commit is visible and positions continue gaplessly;
 * the lock is held until this transaction commits, so positions become visible in order.
 * One row per append, in the order given.
 */
/** Whether append `a`'s expected revision holds for its stream's last revision `head` (assertExpectedRevision's rule). */
const EXPECTATION_MET = `(expected_kinds[a] = 'any'
  OR (expected_kinds[a] = 'no_stream' AND head IS NULL)
  OR (expected_kinds[a] = 'stream_exists' AND head IS NOT NULL)
  OR (expected_kinds[a] = 'exact' AND head = expected_revisions[a]))`;

function appendGroupFunction(schema: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${schema}.append_group(
      lock_key text, channel text, unit_sizes int[],
      stream_ids text[], expected_kinds text[], expected_revisions bigint[], event_counts int[],
      event_ids uuid[], event_types text[], event_data jsonb[], event_metadata jsonb[]
    ) RETURNS TABLE (out_outcome text, out_revision bigint, out_position bigint, out_stored_ids text[])
    LANGUAGE plpgsql VOLATILE AS $append_group$
    DECLARE
      next_position bigint;
      appends int := coalesce(array_length(stream_ids, 1), 0);
      first_event int[] := array_fill(1, ARRAY[appends + 1]);
      current_revision bigint[] := array_fill(NULL::bigint, ARRAY[appends + 1]);
      outcome text[] := array_fill(NULL::text, ARRAY[appends + 1]);
      stored_revision bigint[] := array_fill(NULL::bigint, ARRAY[appends + 1]);
      stored_position bigint[] := array_fill(NULL::bigint, ARRAY[appends + 1]);
      unit_start int := 1;
      unit_failed boolean;
      wrote boolean := false;
      a int;
      n int;
      ids uuid[];
      stored_count int;
      same_append boolean;
      last_revision bigint;
      last_position bigint;
      head bigint;
      first_position bigint[] := array_fill(NULL::bigint, ARRAY[appends + 1]);
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext(lock_key));
      SELECT coalesce(max(e.position), 0) + 1 INTO next_position FROM ${schema}.events AS e;
      FOR a IN 1 .. appends LOOP
        first_event[a + 1] := first_event[a] + event_counts[a];
      END LOOP;

      -- The common group of several appends: no event id of it stored yet and each stream named
      -- once. Every check is then decided from one read of the streams' heads, and all rows go in
      -- with one INSERT. (A group of one is faster append by append: npm run bench measured it.)
      IF appends > 1 AND appends = (SELECT count(DISTINCT named) FROM unnest(stream_ids) AS named)
         AND NOT EXISTS (SELECT 1 FROM ${schema}.events AS e WHERE e.event_id = ANY(event_ids)) THEN
        SELECT array_agg(heads.last_revision ORDER BY heads.ordinal) INTO current_revision
          FROM (
            SELECT named.ordinal,
                   (SELECT max(e.revision) FROM ${schema}.events AS e WHERE e.stream_id = named.stream_id)
                     AS last_revision
              FROM unnest(stream_ids) WITH ORDINALITY AS named(stream_id, ordinal)
          ) AS heads;
        FOR u IN 1 .. coalesce(array_length(unit_sizes, 1), 0) LOOP
          unit_failed := false;
          FOR a IN unit_start .. unit_start + unit_sizes[u] - 1 LOOP
            head := current_revision[a];
            IF ${EXPECTATION_MET} THEN
              outcome[a] := 'appended';
            ELSE
              outcome[a] := 'wrong_revision';
              unit_failed := true;
            END IF;
          END LOOP;
          FOR a IN unit_start .. unit_start + unit_sizes[u] - 1 LOOP
            IF unit_failed AND outcome[a] = 'appended' THEN
              outcome[a] := 'skipped';
            ELSIF outcome[a] = 'appended' THEN
              first_position[a] := next_position;
              next_position := next_position + event_counts[a];
            END IF;
          END LOOP;
          unit_start := unit_start + unit_sizes[u];
        END LOOP;
        INSERT INTO ${schema}.events (position, event_id, stream_id, revision, type, data, metadata)
        SELECT first_position[g.i] + s.k - 1, event_ids[first_event[g.i] + s.k - 1], stream_ids[g.i],
               coalesce(current_revision[g.i], -1) + s.k, event_types[first_event[g.i] + s.k - 1],
               event_data[first_event[g.i] + s.k - 1], event_metadata[first_event[g.i] + s.k - 1]
          FROM generate_series(1, appends) AS g(i)
          CROSS JOIN LATERAL generate_series(1, event_counts[g.i]) AS s(k)
         WHERE outcome[g.i] = 'appended';
        FOR a IN 1 .. appends LOOP
          out_outcome := outcome[a];
          out_stored_ids := NULL;
          IF outcome[a] = 'appended' THEN
            out_revision := coalesce(current_revision[a], -1) + event_counts[a];
            out_position := first_position[a] + event_counts[a] - 1;
            wrote := true;
          ELSE
            out_revision := current_revision[a];
            out_position := NULL;
          END IF;
          RETURN NEXT;
        END LOOP;
        IF wrote THEN PERFORM pg_notify(channel, ''); END IF;
        RETURN;
      END IF;

      -- Otherwise append by append, each seeing what the ones before it wrote.

      FOR u IN 1 .. coalesce(array_length(unit_sizes, 1), 0) LOOP
        unit_failed := false;
        -- Check every append of the unit before writing any (a unit names each stream once).
        FOR a IN unit_start .. unit_start + unit_sizes[u] - 1 LOOP
          n := event_counts[a];
          ids := event_ids[first_event[a] : first_event[a] + n - 1];
          SELECT count(*)::int,
                 coalesce(array_agg(e.event_id ORDER BY e.position) = ids, false)
                   AND bool_and(e.stream_id = stream_ids[a])
                   AND max(e.revision) - min(e.revision) = n - 1,
                 max(e.revision), max(e.position)
            INTO stored_count, same_append, last_revision, last_position
            FROM ${schema}.events AS e WHERE e.event_id = ANY(ids);
          IF stored_count > 0 THEN
            IF stored_count = n AND same_append THEN
              outcome[a] := 'stored';
              stored_revision[a] := last_revision;
              stored_position[a] := last_position;
            ELSE
              outcome[a] := 'conflict';
              unit_failed := true;
            END IF;
            CONTINUE;
          END IF;
          SELECT max(e.revision) INTO head FROM ${schema}.events AS e WHERE e.stream_id = stream_ids[a];
          current_revision[a] := head;
          IF ${EXPECTATION_MET} THEN
            outcome[a] := 'ok';
          ELSE
            outcome[a] := 'wrong_revision';
            unit_failed := true;
          END IF;
        END LOOP;

        FOR a IN unit_start .. unit_start + unit_sizes[u] - 1 LOOP
          n := event_counts[a];
          out_stored_ids := NULL;
          IF outcome[a] = 'stored' THEN
            out_outcome := CASE WHEN unit_failed THEN 'skipped' ELSE 'stored' END;
            out_revision := stored_revision[a];
            out_position := stored_position[a];
          ELSIF outcome[a] = 'ok' AND unit_failed THEN
            out_outcome := 'skipped'; out_revision := current_revision[a]; out_position := NULL;
          ELSIF outcome[a] = 'ok' THEN
            INSERT INTO ${schema}.events (position, event_id, stream_id, revision, type, data, metadata)
            SELECT next_position + k - 1, event_ids[first_event[a] + k - 1], stream_ids[a],
                   coalesce(current_revision[a], -1) + k, event_types[first_event[a] + k - 1],
                   event_data[first_event[a] + k - 1], event_metadata[first_event[a] + k - 1]
              FROM generate_series(1, n) AS k;
            next_position := next_position + n;
            wrote := true;
            out_outcome := 'appended';
            out_revision := coalesce(current_revision[a], -1) + n;
            out_position := next_position - 1;
          ELSIF outcome[a] = 'conflict' THEN
            SELECT array_agg(e.event_id::text ORDER BY e.position) INTO out_stored_ids
              FROM ${schema}.events AS e WHERE e.event_id = ANY(event_ids[first_event[a] : first_event[a] + n - 1]);
            out_outcome := 'conflict'; out_revision := NULL; out_position := NULL;
          ELSE
            out_outcome := 'wrong_revision'; out_revision := current_revision[a]; out_position := NULL;
          END IF;
          RETURN NEXT;
        END LOOP;
        unit_start := unit_start + unit_sizes[u];
      END LOOP;

      -- Delivered at COMMIT, so a woken subscriber finds the rows.
      IF wrote THEN PERFORM pg_notify(channel, ''); END IF;
    END
    $append_group$`;
}
