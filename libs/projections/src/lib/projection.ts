import { eventTypeOf, type EventDataOf, type EventName } from '@leadledger/contracts';
import type { RecordedEvent } from '@leadledger/eventsourcing';
import type { SqlExecutor } from '@leadledger/eventstore';

/**
 * A read model as a value: which events it follows and what it does with them, in SQL.
 *
 * The runner calls every function inside a transaction whose `search_path` is the read schema
 * (`read` in production, a unique one per test run), so a projection names its tables unqualified
 * (`lead_funnel`, not `read.lead_funnel`) and lands wherever its runner is pointed. Analysts query
 * `read.<table>`.
 *
 * - `init` is idempotent (`CREATE TABLE IF NOT EXISTS`, one statement per query: PGlite takes no scripts)
 *   and runs at every start and after every `truncate`.
 * - `truncate` empties what `handle` writes; it may DROP the tables instead when a new `version`
 *   changes their shape, since `init` recreates them right after.
 * - `handle` applies one batch, oldest first, in the same transaction as the projection's checkpoint:
 *   it must not commit, and must give the same rows whether the events come in one batch or many.
 *   It writes through `tx` only: on PGlite (one connection) a query outside the transaction would
 *   wait for the transaction, forever.
 */
export interface Projection {
  readonly name: string;
  /** Changing it truncates the read model and rebuilds it from the first event, once, at the next start. */
  readonly version?: number;
  /** Versioned stored types, e.g. `eventTypeOf('LeadCaptured')`; at least one. */
  readonly eventTypes: readonly string[];
  init(tx: SqlExecutor): Promise<void>;
  truncate(tx: SqlExecutor): Promise<void>;
  handle(events: readonly RecordedEvent[], tx: SqlExecutor): Promise<void>;
}

/** One handler per domain event name, typed by that event's payload; `eventTypes` follows from the keys. */
export type EventHandlers = {
  readonly [N in EventName]?: (
    data: EventDataOf<N>,
    event: RecordedEvent,
    tx: SqlExecutor,
  ) => Promise<unknown>;
};

export interface ProjectionDefinition {
  readonly name: string;
  readonly version?: number;
  /** Statements run in order by `init`, e.g. `CREATE TABLE IF NOT EXISTS ...`. */
  readonly tables: readonly string[];
  /** Tables `truncate` empties. */
  readonly truncates: readonly string[];
  readonly on: EventHandlers;
}

/**
 * The terse way to write a projection that handles events one at a time:
 *
 * ```ts
 * const leadSources = projectionOf({
 *   name: 'lead-sources',
 *   tables: ['CREATE TABLE IF NOT EXISTS lead_sources (lead_id uuid PRIMARY KEY, source text NOT NULL)'],
 *   truncates: ['lead_sources'],
 *   on: {
 *     LeadCaptured: (data, _event, tx) =>
 *       tx.query('INSERT INTO lead_sources VALUES ($1, $2) ON CONFLICT DO NOTHING', [data.leadId, data.source]),
 *   },
 * });
 * ```
 *
 * Write `Projection` by hand when a batch should become a few set-based statements instead.
 */
export function projectionOf(definition: ProjectionDefinition): Projection {
  const handlers = new Map<string, (data: unknown, event: RecordedEvent, tx: SqlExecutor) => Promise<void>>();
  for (const [name, handler] of Object.entries(definition.on)) {
    if (handler) handlers.set(eventTypeOf(name as EventName), handler as never);
  }
  return {
    name: definition.name,
    ...(definition.version !== undefined ? { version: definition.version } : {}),
    eventTypes: [...handlers.keys()],
    init: runStatements(definition.tables),
    truncate: truncateTables(definition.truncates),
    async handle(events, tx) {
      for (const event of events) await handlers.get(event.type)?.(event.data, event, tx);
    },
  };
}

/** An `init` running each statement in turn. */
export function runStatements(statements: readonly string[]): (tx: SqlExecutor) => Promise<void> {
  return async (tx) => {
    for (const statement of statements) await tx.query(statement);
  };
}

/** A `truncate` emptying these tables in one statement (so foreign keys between them do not get in the way). */
export function truncateTables(tables: readonly string[]): (tx: SqlExecutor) => Promise<void> {
  return async (tx) => {
    if (tables.length > 0) await tx.query(`TRUNCATE ${tables.join(', ')}`);
  };
}

/**
 * A batch's events per stream, each stream's in order; streams in the order they first appear. For
 * projections that fold a stream's events of a batch and write its row once.
 */
export function groupByStream(events: readonly RecordedEvent[]): Map<string, RecordedEvent[]> {
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const stream = streams.get(event.streamId);
    if (stream) stream.push(event);
    else streams.set(event.streamId, [event]);
  }
  return streams;
}
