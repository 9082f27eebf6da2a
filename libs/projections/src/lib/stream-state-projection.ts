import { parseStreamId, toDomainEvent, type DomainEvent, type StreamCategory } from '@leadledger/contracts';
import { metaOf, type EventMeta, type RecordedEvent } from '@leadledger/eventsourcing';
import { timestampOf, type SqlExecutor } from '@leadledger/eventstore';
import { groupByStream, type Projection } from './projection';

/** A stream's folded state as a read model keeps it, with when and where its stream last changed. */
export interface StreamStateRow<State> {
  readonly id: string;
  readonly state: State;
  /** The stream revision of the last event folded in: what a writer would expect next (an ETag). */
  readonly revision: bigint;
  /** When the stream last changed (recorded time). */
  readonly updatedAt: Date;
}

export interface StreamStateProjectionOptions<State, Event extends DomainEvent> {
  readonly name: string;
  readonly version?: number;
  /** The table, in the read schema: `(id uuid primary key, revision, updated_at, state jsonb)`. */
  readonly table: string;
  readonly category: StreamCategory;
  /** Versioned stored types this state changes on. */
  readonly eventTypes: readonly string[];
  readonly initialState: State;
  /** A decider's evolve, or a view's fold built on one: the fold is never written twice. */
  evolve(state: State, event: Event, meta: EventMeta): State;
  /** JSON for the `state` column, and back (a Set, a Date). Plain JSON states need neither. */
  toJson?(state: State): unknown;
  fromJson?(json: unknown): State;
}

export interface StreamStateProjection<State> extends Projection {
  /** The row of one stream, from `schema`; undefined when none of its events has been projected. */
  find(db: SqlExecutor, schema: string, id: string): Promise<StreamStateRow<State> | undefined>;
}

/**
 * A read model whose rows are a stream's state, folded by the same `evolve` the stream's decider
 * uses: what GET /leads/{id} or a score answers with, without reading and folding the stream on
 * every request. Each batch loads the rows of the streams it touches once, folds their new events
 * and writes each row once. Events at or below a row's revision are skipped, so a rebuilt or
 * replayed batch folds nothing twice.
 */
export function streamStateProjection<State, Event extends DomainEvent>(
  options: StreamStateProjectionOptions<State, Event>,
): StreamStateProjection<State> {
  const table = options.table;
  const toJson = options.toJson ?? ((state: State) => state);
  const fromJson = options.fromJson ?? ((json: unknown) => json as State);
  return {
    name: options.name,
    ...(options.version !== undefined ? { version: options.version } : {}),
    eventTypes: options.eventTypes,
    async init(tx) {
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
           id          uuid        PRIMARY KEY,
           revision    bigint      NOT NULL,
           updated_at  timestamptz NOT NULL,
           state       jsonb       NOT NULL
         )`,
      );
    },
    async truncate(tx) {
      await tx.query(`TRUNCATE ${table}`);
    },
    async handle(events: readonly RecordedEvent[], tx: SqlExecutor) {
      const streams = [...groupByStream(events)].flatMap(([streamId, streamEvents]) => {
        const parsed = parseStreamId(streamId);
        return parsed?.category === options.category ? [{ id: parsed.id, events: streamEvents }] : [];
      });
      if (streams.length === 0) return;
      const stored = await tx.query<{ id: string; revision: string; state: unknown }>(
        `SELECT id::text AS id, revision::text AS revision, state FROM ${table} WHERE id = ANY($1::uuid[])`,
        [streams.map(({ id }) => id)],
      );
      const rows = new Map(stored.map((row) => [row.id, row]));
      const changed: Array<{ id: string; revision: bigint; updatedAt: Date; state: State }> = [];
      for (const { id, events: streamEvents } of streams) {
        const row = rows.get(id);
        let state = row ? fromJson(row.state) : options.initialState;
        let revision = row ? BigInt(row.revision) : -1n;
        let last: RecordedEvent | undefined;
        for (const event of streamEvents) {
          if (event.revision <= revision) continue;
          const domainEvent = toDomainEvent(event) as Event | undefined;
          if (domainEvent) state = options.evolve(state, domainEvent, metaOf(event));
          revision = event.revision;
          last = event;
        }
        if (last) changed.push({ id, revision, updatedAt: last.recordedAt, state });
      }
      if (changed.length === 0) return;
      // One statement for the batch: a row per statement was most of a catch-up's statements.
      await tx.query(
        `INSERT INTO ${table} (id, revision, updated_at, state)
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::jsonb[])
         ON CONFLICT (id) DO UPDATE
           SET revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at, state = EXCLUDED.state`,
        [
          changed.map((row) => row.id),
          changed.map((row) => row.revision.toString()),
          changed.map((row) => row.updatedAt.toISOString()),
          changed.map((row) => JSON.stringify(toJson(row.state))),
        ],
      );
    },
    async find(db, schema, id) {
      const [row] = await db.query<{ revision: string; updated_at: Date | string; state: unknown }>(
        `SELECT revision::text AS revision, updated_at, state FROM "${schema}".${table} WHERE id = $1`,
        [id],
      );
      if (!row) return undefined;
      return {
        id,
        state: fromJson(row.state),
        revision: BigInt(row.revision),
        updatedAt: timestampOf(row.updated_at),
      };
    },
  };
}
