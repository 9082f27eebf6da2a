import { assertAppendable, assertExpectedRevision } from '../append-guards';
import {
  EventIdConflictError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@leadledger/eventsourcing';
import { Wakeup } from '../wakeup';
import { SqlCheckpointStore } from './sql-checkpoint-store';
import { migrate } from './migrations';
import { quoteIdentifier } from './pg-driver';
import { timestampOf, type SqlDriver, type SqlExecutor } from './sql-driver';

export interface SqlEventStoreOptions {
  /** PostgreSQL schema holding the store's tables; one store per schema. */
  readonly schema?: string;
  /** Rows a subscription reads per query while catching up. */
  readonly subscriptionBatchSize?: number;
  /** A live subscription looks even without a notification this often: a safety net, not the mechanism. */
  readonly subscriptionPollMs?: number;
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
 * "after my last position" can never skip an event that commits late (docs/architecture.md, "Ordering"). The price is one
 * append at a time per store; `npm run bench` measures it.
 */
export class SqlEventStore implements EventStore {
  private readonly schema: string;
  private readonly table: string;
  private readonly channel: string;
  private readonly appendLockKey: string;
  private readonly batchSize: number;
  private readonly pollMs: number;
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
    return this.driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.appendLockKey]);

      const previous = await this.findStored(tx, streamId, events);
      if (previous) return previous;

      const [head] = await tx.query<{ revision: string | null; position: string | null }>(
        `SELECT (SELECT max(revision) FROM ${this.table} WHERE stream_id = $1)::text AS revision,
                (SELECT max(position) FROM ${this.table})::text AS position`,
        [streamId],
      );
      const current = head.revision === null ? undefined : BigInt(head.revision);
      assertExpectedRevision(streamId, options.expectedRevision, current);

      const firstRevision = current === undefined ? 0n : current + 1n;
      const firstPosition = (head.position === null ? 0n : BigInt(head.position)) + 1n;
      await tx.query(
        `INSERT INTO ${this.table} (position, event_id, stream_id, revision, type, data, metadata)
         SELECT $1::bigint + n - 1, id, $3, $2::bigint + n - 1, type, data, metadata
           FROM unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, n)`,
        [
          firstPosition.toString(),
          firstRevision.toString(),
          streamId,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data ?? null)),
          events.map((e) => JSON.stringify(e.metadata ?? {})),
        ],
      );
      // Delivered at COMMIT, so a woken subscriber finds the rows.
      await tx.query('SELECT pg_notify($1, $2)', [this.channel, '']);

      const count = BigInt(events.length);
      return {
        nextExpectedRevision: firstRevision + count - 1n,
        position: firstPosition + count - 1n,
      };
    });
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
    const rows = await this.driver.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.table} AS e
        WHERE e.position > $1 AND ($2::text[] IS NULL OR e.type = ANY($2::text[]))
        ORDER BY e.position
        LIMIT $3`,
      [
        (options.after ?? 0n).toString(),
        options.eventTypes ? [...options.eventTypes] : null,
        options.maxCount ?? this.batchSize,
      ],
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

  /**
   * A retried append (its ack was lost, or a handler saw its input twice) finds its events stored:
   * acknowledge it as the original was, whatever revision it expected. A partial overlap is a bug.
   */
  private async findStored(
    tx: SqlExecutor,
    streamId: string,
    events: readonly EventToAppend[],
  ): Promise<AppendResult | undefined> {
    const stored = await tx.query<{
      event_id: string;
      stream_id: string;
      revision: string;
      position: string;
    }>(
      `SELECT e.event_id::text AS event_id, e.stream_id, e.revision::text AS revision, e.position::text AS position
         FROM ${this.table} AS e WHERE e.event_id = ANY($1::uuid[]) ORDER BY e.position`,
      [events.map((e) => e.id)],
    );
    if (stored.length === 0) return undefined;
    const ids = stored.map((row) => row.event_id);
    const sameAppend =
      stored.length === events.length &&
      stored.every(
        (row, i) =>
          row.stream_id === streamId &&
          row.event_id === events[i].id.toLowerCase() &&
          (i === 0 || BigInt(row.revision) === BigInt(stored[i - 1].revision) + 1n),
      );
    if (!sameAppend) {
      throw new EventIdConflictError(streamId, ids, 'event ids already stored by a different append');
    }
    const last = stored[stored.length - 1];
    return { nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position) };
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
