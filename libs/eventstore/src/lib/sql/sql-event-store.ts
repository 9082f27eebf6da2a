import { assertAppendable, assertAppendableTogether, wrongExpectedRevision } from '../append-guards';
import {
  currentWorkPriority,
  EventIdConflictError,
  mostUrgent,
  withWorkPriority,
  type PriorityReading,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeToAllOptions,
} from '@leadledger/eventsourcing';
import { Wakeup } from '../wakeup';
import { SqlCheckpointStore } from './sql-checkpoint-store';
import { migrate } from './migrations';
import { quoteIdentifier } from './pg-driver';
import { timestampOf, type SqlDriver } from './sql-driver';

export interface SqlEventStoreOptions {
  /** PostgreSQL schema holding the store's tables; one store per schema. */
  readonly schema?: string;
  /** Rows a subscription reads per query while catching up. */
  readonly subscriptionBatchSize?: number;
  /** A live subscription looks even without a notification this often: a safety net, not the mechanism. */
  readonly subscriptionPollMs?: number;
  /** At most this many events per group commit (one group may be a larger single append). */
  readonly maxGroupEvents?: number;
}

interface QueuedUnit {
  readonly appends: readonly StreamAppend[];
  readonly events: number;
  readonly priority: PriorityReading;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

/** A row of `append_group` (migrations.ts), one per append. */
interface AppendGroupRow {
  outcome: 'appended' | 'stored' | 'skipped' | 'wrong_revision' | 'conflict';
  revision: string | null;
  position: string | null;
  stored_ids: string[] | null;
}

interface EventRow {
  position: string;
  event_id: string;
  stream_id: string;
  revision: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date | string;
}

// Read as text because pg and PGlite disagree on int8; ORDER BY must then name the table's columns
// (e.position), since a bare name would sort by these text aliases.
const EVENT_COLUMNS =
  'e.position::text AS position, e.event_id::text AS event_id, e.stream_id, e.revision::text AS revision, e.type, e.data, e.metadata, e.recorded_at';

/**
 * The event store on PostgreSQL (server or PGlite).
 *
 * Ordering: appends are serialized by a transaction-level advisory lock held until COMMIT, and each
 * takes the next global positions under it. A transaction therefore commits before the next one can
 * take a position, so positions become visible strictly in order and a subscriber reading
 * "after my last position" can never skip an event that commits late (docs/architecture.md,
 * "Ordering"). One transaction at a time would be slow if each carried one append, so appends
 * that arrive while one is written are written together (group commit, `enqueue`), and a group
 * is one function call (`append_group`): one round trip, one commit and one disk sync for all.
 */
export class SqlEventStore implements EventStore {
  private readonly schema: string;
  private readonly table: string;
  private readonly channel: string;
  private readonly appendLockKey: string;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly maxGroupEvents: number;
  private readonly queued: QueuedUnit[] = [];
  private writing = false;
  /** Checkpoints kept in the same database and schema as the events. */
  readonly checkpoints: SqlCheckpointStore;
  /** Aborted by close(): a subscription nobody ended must not outlive its store. */
  private readonly closing = new AbortController();

  private constructor(
    private readonly driver: SqlDriver,
    options: SqlEventStoreOptions,
  ) {
    this.schema = options.schema ?? 'eventstore';
    this.table = `${quoteIdentifier(this.schema)}.events`;
    this.channel = `leadledger_events_${this.schema}`.slice(0, 63);
    this.appendLockKey = `leadledger.eventstore.append:${this.schema}`;
    this.batchSize = options.subscriptionBatchSize ?? 500;
    this.pollMs = options.subscriptionPollMs ?? 5_000;
    this.maxGroupEvents = options.maxGroupEvents ?? 2_000;
    this.checkpoints = new SqlCheckpointStore(driver, this.schema);
  }

  /** Opens the store on `driver`, migrating its schema first. The store owns the driver from then on. */
  static async open(driver: SqlDriver, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
    const store = new SqlEventStore(driver, options);
    await migrate(driver, store.schema);
    return store;
  }

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    assertAppendable(streamId, events);
    const [result] = await this.enqueue([{ streamId, events, expectedRevision: options.expectedRevision }]);
    return result;
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    assertAppendableTogether(appends);
    return this.enqueue(appends);
  }

  /**
   * Group commit: an append that arrives while a group is being written waits for it and goes out
   * with the others that waited, in one call of `append_group` (one round trip, one transaction,
   * one lock hold, one commit), each append still checked on its own.
   */
  private enqueue(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      const events = appends.reduce((sum, append) => sum + append.events.length, 0);
      this.queued.push({ appends, events, priority: currentWorkPriority(), resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // After the current task's other appends (a Promise.all of them) have queued too.
      queueMicrotask(() => void this.writeQueued());
    });
  }

  private async writeQueued(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const group = this.takeGroup();
        // Written for all its appenders: as urgent as the most urgent of them.
        await withWorkPriority(mostUrgent(group.map((unit) => unit.priority)), () => this.writeGroup(group));
      }
    } finally {
      this.writing = false;
    }
  }

  private takeGroup(): QueuedUnit[] {
    let events = 0;
    let taken = 0;
    while (
      taken < this.queued.length &&
      (taken === 0 || events + this.queued[taken].events <= this.maxGroupEvents)
    ) {
      events += this.queued[taken].events;
      taken += 1;
    }
    return this.queued.splice(0, taken);
  }

  private async writeGroup(group: readonly QueuedUnit[]): Promise<void> {
    const appends = group.flatMap((unit) => unit.appends);
    const events = appends.flatMap((append) => append.events);
    let rows: AppendGroupRow[];
    try {
      rows = await this.driver.query<AppendGroupRow>(
        `SELECT out_outcome AS outcome, out_revision::text AS revision, out_position::text AS position,
                out_stored_ids AS stored_ids
           FROM ${quoteIdentifier(this.schema)}.append_group($1, $2, $3::int[], $4::text[], $5::text[],
                $6::bigint[], $7::int[], $8::uuid[], $9::text[], $10::jsonb[], $11::jsonb[])`,
        [
          this.appendLockKey,
          this.channel,
          group.map((unit) => unit.appends.length),
          appends.map((append) => append.streamId),
          appends.map(({ expectedRevision }) =>
            typeof expectedRevision === 'bigint' ? 'exact' : expectedRevision,
          ),
          appends.map(({ expectedRevision }) =>
            typeof expectedRevision === 'bigint' ? expectedRevision.toString() : null,
          ),
          appends.map((append) => append.events.length),
          events.map((event) => event.id),
          events.map((event) => event.type),
          events.map((event) => JSON.stringify(event.data ?? null)),
          events.map((event) => JSON.stringify(event.metadata ?? {})),
        ],
      );
    } catch (error) {
      // Whatever failed the group (a value PostgreSQL refuses, a lost connection) fails only the
      // appends it belongs to: each goes again on its own.
      if (group.length > 1) {
        for (const unit of group) await this.writeGroup([unit]);
      } else {
        group[0].reject(error);
      }
      return;
    }
    let row = 0;
    for (const unit of group) {
      const answers = rows.slice(row, row + unit.appends.length);
      row += unit.appends.length;
      const failure = unit.appends
        .map((append, i) => failureOf(append, answers[i]))
        .find((error) => error !== undefined);
      if (failure) unit.reject(failure);
      else
        unit.resolve(
          answers.map((answer) => ({
            nextExpectedRevision: BigInt(answer.revision as string),
            position: BigInt(answer.position as string),
          })),
        );
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = await this.driver.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.table} AS e
        WHERE e.stream_id = $1 AND e.revision >= $2
        ORDER BY e.revision
        LIMIT $3`,
      [streamId, (options.fromRevision ?? 0n).toString(), options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = (options.after ?? 0n).toString();
    const maxCount = options.maxCount ?? this.batchSize;
    if (!options.eventTypes) {
      const rows = await this.driver.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ${this.table} AS e WHERE e.position > $1 ORDER BY e.position LIMIT $2`,
        [after, maxCount],
      );
      return rows.map(toRecordedEvent);
    }
    // One range of the (type, position) index per type, merged: a plan that does not depend on the
    // table's statistics. PGlite never gathers them, and without them PostgreSQL walked the whole log
    // from the position on and filtered by type, so a subscriber to rare types paid for every event.
    const rows = await this.driver.query<EventRow>(
      `SELECT ${EVENT_COLUMNS}
         FROM unnest($2::text[]) AS wanted(type)
         CROSS JOIN LATERAL (
           SELECT * FROM ${this.table} AS candidate
            WHERE candidate.type = wanted.type AND candidate.position > $1
            ORDER BY candidate.position
            LIMIT $3
         ) AS e
        ORDER BY e.position
        LIMIT $3`,
      [after, [...new Set(options.eventTypes)], maxCount],
    );
    return rows.map(toRecordedEvent);
  }

  async *subscribeToAll(options: SubscribeToAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const { eventTypes } = options;
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closing.signal])
      : this.closing.signal;
    const wakeup = new Wakeup();
    const stopListening = await this.driver.listen(this.channel, () => wakeup.notify());
    const onAbort = () => wakeup.notify();
    signal.addEventListener('abort', onAbort);
    try {
      let after = await this.startingPoint(options.from ?? 'start');
      while (!signal.aborted) {
        // Armed before reading: an append that commits after the read still wakes the wait below.
        wakeup.arm();
        const events = await this.readAll({
          after,
          maxCount: this.batchSize,
          ...(eventTypes ? { eventTypes } : {}),
        });
        for (const event of events) {
          if (signal.aborted) return;
          after = event.position;
          yield event;
        }
        if (events.length < this.batchSize) await wakeup.wait(this.pollMs);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // The store may be closing under us; a listener on a closed driver is gone anyway.
      await stopListening().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.driver.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.driver.close();
  }

  private async startingPoint(from: 'start' | 'end' | GlobalPosition): Promise<GlobalPosition> {
    if (from === 'start') return 0n;
    if (from !== 'end') return from;
    const [head] = await this.driver.query<{ position: string | null }>(
      `SELECT max(position)::text AS position FROM ${this.table}`,
    );
    return head.position === null ? 0n : BigInt(head.position);
  }
}

/** Why `append_group` did not write an append, as the port's typed error; undefined when it did. */
function failureOf(append: StreamAppend, answer: AppendGroupRow): Error | undefined {
  switch (answer.outcome) {
    case 'appended':
    case 'stored':
    case 'skipped':
      return undefined;
    case 'wrong_revision':
      return wrongExpectedRevision(
        append.streamId,
        append.expectedRevision,
        answer.revision === null ? undefined : BigInt(answer.revision),
      );
    case 'conflict':
      return new EventIdConflictError(
        append.streamId,
        answer.stored_ids ?? [],
        'event ids already stored by a different append',
      );
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata ?? {},
    recordedAt: timestampOf(row.recorded_at),
  };
}
