import { createHash, randomUUID } from 'node:crypto';
import type { EventStore, GlobalPosition } from '@leadledger/eventsourcing';
import type { SqlDriver, SqlExecutor } from '@leadledger/eventstore';
import type { Projection } from './projection';
import { StaleProjectionError, ensureCheckpoint, isUndefinedTable, versionOf } from './projection-runner';
import { DEFAULT_READ_SCHEMA, assertSchemaName, inSchema, lockSchemaSetup } from './read-schema';

export interface ShadowRebuildProgress {
  /** Events applied to the shadow so far. */
  readonly events: number;
  /** The last of them; undefined before the first. */
  readonly position: GlobalPosition | undefined;
  /**
   * How far there is to go: the live projection's checkpoint (a running live runner keeps it at the
   * store's last event of these types; the store's port cannot say where that is without reading it
   * all), or the shadow's own position once past it. Undefined while neither has applied anything.
   */
  readonly head: GlobalPosition | undefined;
  readonly eventsPerSecond: number;
}

export interface ShadowRebuildOptions {
  /** The store to read; any adapter. Only `readAll` is used: the rebuild must know when it caught up. */
  readonly events: Pick<EventStore, 'subscribeToAll' | 'readAll'>;
  /** The read models' database, the live runner's. */
  readonly db: SqlDriver;
  readonly projection: Projection;
  /** The live read schema; `read` unless a test isolates itself. */
  readonly schema?: string;
  /** Events per transaction while catching up. */
  readonly batchSize?: number;
  /** After every batch applied to the shadow, between transactions; a returned promise is awaited. */
  onProgress?(progress: ShadowRebuildProgress): void | Promise<void>;
  /** Aborting drops the shadow and rejects with the signal's reason; the live tables are untouched. */
  readonly signal?: AbortSignal;
}

export interface ShadowRebuildResult {
  /** Events applied to the rebuilt tables (every event of the projection's types up to `position`). */
  readonly events: number;
  /** Where the swapped-in tables and the live checkpoint stand; undefined when there was no event. */
  readonly position: GlobalPosition | undefined;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
}

/**
 * The schema a projection is rebuilt in beside `schema`: one per projection and live schema, so
 * rebuilds of different projections do not meet, and a valid read-schema name whatever their length.
 */
export function shadowSchemaOf(schema: string, projection: string): string {
  const hash = createHash('sha256').update(`${schema}\0${projection}`).digest('hex').slice(0, 10);
  return assertSchemaName(`${assertSchemaName(schema).slice(0, 63 - 4 - hash.length)}_rb_${hash}`);
}

/**
 * Rebuilds a projection from the first event in a shadow schema while the live tables keep serving,
 * then swaps the rebuilt tables in and moves the live checkpoint to where they stand, in one
 * transaction. Unlike `ProjectionRunner.rebuild`, readers never see the tables empty or half rebuilt;
 * the price is the space of a second copy while it runs. Use it after fixing a projection's `handle`
 * (deploy the fix, then rebuild), or to move to a new `version` ahead of the runners that have it
 * (runners of the older version stop at their next batch, as when another replica moved it).
 *
 * The swap takes the live checkpoint row `FOR UPDATE`, the row every live runner locks for each
 * batch, so no batch is applied to the old tables during the swap (whatever process runs it), and it
 * swaps only if the shadow has reached the live checkpoint; else it lets go, catches up the rest and
 * tries again. Events it does not reach before the swap are left to the live runner: finding the
 * checkpoint moved, it resumes from the rebuilt position, so each event is applied once.
 *
 * The swap never reads the store inside its transaction: on PGlite the store and the read models
 * usually share the one connection, and a read outside the transaction would wait for it forever.
 *
 * Starting drops whatever a crashed rebuild left in the shadow. Two rebuilds of one projection do not
 * mix: the later one claims the shadow and the earlier one fails at its next batch.
 *
 * What the shadow's `init` creates replaces the live table of the same name, `DROP ... CASCADE`: a
 * view or foreign key someone built on a live table goes with it.
 */
export async function rebuildBeside(options: ShadowRebuildOptions): Promise<ShadowRebuildResult> {
  const { events, db, projection, signal } = options;
  const schema = assertSchemaName(options.schema ?? DEFAULT_READ_SCHEMA);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a positive integer');
  if (projection.eventTypes.length === 0)
    throw new Error(`projection "${projection.name}" handles no event type`);
  signal?.throwIfAborted();

  const shadow = shadowSchemaOf(schema, projection.name);
  const version = versionOf(projection);
  const checkpoints = `"${schema}".projection_checkpoints`;
  const run = randomUUID().replace(/-/g, '');
  const startedAt = Date.now();
  const rate = (count: number) => {
    const seconds = (Date.now() - startedAt) / 1000;
    return seconds > 0 ? count / seconds : 0;
  };

  /**
   * Taken first by every transaction that touches the shadow, so a rebuild starting over (dropping
   * and recreating it) cannot land between another's check and its writes.
   */
  const claimShadow = async (tx: SqlExecutor, { mustBeOurs = true } = {}): Promise<boolean> => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `leadledger.projections.rebuild:${shadow}`,
    ]);
    const [row] = await tx.query<{ run: string | null }>(
      `SELECT obj_description(oid, 'pg_namespace') AS run FROM pg_namespace WHERE nspname = $1`,
      [shadow],
    );
    const ours = row?.run === run;
    if (!ours && mustBeOurs) {
      throw new Error(`another rebuild of projection "${projection.name}" took over schema "${shadow}"`);
    }
    return ours;
  };

  const liveHead = async (): Promise<GlobalPosition | undefined> => {
    const rows = await db
      .query<{ position: string | null }>(
        `SELECT position::text AS position FROM ${checkpoints} WHERE name = $1`,
        [projection.name],
      )
      .catch((error: unknown) => {
        if (isUndefinedTable(error)) return [];
        throw error;
      });
    const position = rows[0]?.position;
    return position === null || position === undefined ? undefined : BigInt(position);
  };

  /** True when it swapped; false when the live projection is ahead of the shadow (nothing changed). */
  const swap = (position: GlobalPosition | undefined): Promise<boolean> =>
    inSchema(db, schema, async (tx) => {
      await claimShadow(tx);
      await lockSchemaSetup(tx, schema);
      await ensureCheckpoint(tx, schema, projection.name, version);
      const [row] = await tx.query<{ position: string | null; version: number }>(
        `SELECT position::text AS position, version FROM ${checkpoints} WHERE name = $1 FOR UPDATE`,
        [projection.name],
      );
      const stored = Number(row.version);
      if (stored > version) throw new StaleProjectionError(projection.name, version, stored);
      const live = row.position === null ? undefined : BigInt(row.position);
      // Swapping in tables behind the live ones would take back rows a reader may already have seen.
      if (live !== undefined && (position === undefined || live > position)) return false;

      const tables = await tx.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
        [shadow],
      );
      if (tables.some((table) => table.name === 'projection_checkpoints')) {
        throw new Error(`projection "${projection.name}" creates a table named projection_checkpoints`);
      }
      for (const { name } of tables) {
        await tx.query(`DROP TABLE IF EXISTS "${schema}".${quoteIdentifier(name)} CASCADE`);
        await tx.query(`ALTER TABLE "${shadow}".${quoteIdentifier(name)} SET SCHEMA "${schema}"`);
      }
      await tx.query(
        `UPDATE ${checkpoints} SET position = $2::numeric, version = $3, updated_at = now() WHERE name = $1`,
        [projection.name, position === undefined ? null : position.toString(), version],
      );
      await tx.query(`DROP SCHEMA "${shadow}" CASCADE`);
      return true;
    });

  await inSchema(db, shadow, async (tx) => {
    await claimShadow(tx, { mustBeOurs: false });
    await tx.query(`DROP SCHEMA IF EXISTS "${shadow}" CASCADE`);
    await tx.query(`CREATE SCHEMA "${shadow}"`);
    await tx.query(`COMMENT ON SCHEMA "${shadow}" IS '${run}'`);
    // Set again now that the schema exists, so unqualified names surely resolve to it.
    await tx.query(`SET LOCAL search_path TO "${shadow}", public`);
    await projection.init(tx);
  });

  let applied = 0;
  let position: GlobalPosition | undefined;
  /** Applies what the store holds after `position`; false when it held nothing. */
  const catchUp = async (): Promise<boolean> => {
    let progressed = false;
    for (;;) {
      signal?.throwIfAborted();
      const batch = await events.readAll({
        ...(position !== undefined ? { after: position } : {}),
        eventTypes: projection.eventTypes,
        maxCount: batchSize,
      });
      if (batch.length > 0) {
        await inSchema(db, shadow, async (tx) => {
          await claimShadow(tx);
          await projection.handle(batch, tx);
        });
        applied += batch.length;
        position = batch[batch.length - 1].position;
        progressed = true;
        if (options.onProgress) {
          const live = await liveHead();
          const head = live === undefined || position > live ? position : live;
          await options.onProgress({ events: applied, position, head, eventsPerSecond: rate(applied) });
        }
      }
      // PGlite runs every statement on this thread: let requests and the live runner in between batches.
      await new Promise((resolve) => setImmediate(resolve));
      if (batch.length < batchSize) return progressed;
    }
  };

  try {
    await catchUp();
    for (;;) {
      signal?.throwIfAborted();
      if (await swap(position)) break;
      // The live runner applied events after our last read (they are in the store, committed): a
      // store showing none of them is not the one the live projection follows.
      if (!(await catchUp())) {
        throw new Error(
          `the live checkpoint of projection "${projection.name}" is past the store's last event of its types (${position ?? 'none'})`,
        );
      }
    }
  } catch (error) {
    await inSchema(db, schema, async (tx) => {
      if (await claimShadow(tx, { mustBeOurs: false })) await tx.query(`DROP SCHEMA "${shadow}" CASCADE`);
    }).catch(() => undefined);
    throw error;
  }
  const durationMs = Date.now() - startedAt;
  return { events: applied, position, durationMs, eventsPerSecond: rate(applied) };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
