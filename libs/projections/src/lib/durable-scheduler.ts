import type { Clock } from '@leadledger/contracts';
import {
  backoffDelay,
  sleepUnlessAborted,
  type RecordedEvent,
  type RetryPolicy,
} from '@leadledger/eventsourcing';
import { timestampOf, type SqlDriver, type SqlExecutor } from '@leadledger/eventstore';
import type { Projection } from './projection';
import { DEFAULT_READ_SCHEMA, assertSchemaName, lockSchemaSetup } from './read-schema';

/** What an event says about one timer: when it is due, or (dueAt undefined) that it no longer is. */
export interface DueItem {
  /** Names the timer within its scheduler, e.g. a lead id: a later item with the same key replaces it. */
  readonly key: string;
  readonly dueAt: Date | undefined;
  /** Whatever the handler needs beyond the key; JSON. */
  readonly payload?: unknown;
}

/**
 * Due-time scheduling as a value: which events set timers and how. Scoring's decay (a LeadScored says
 * when to look at the lead again) and sales-acceptance's SLAs are each one of these.
 *
 * Its timers are kept in `read.scheduled_items` by a projection (`scheduledItemsProjection`) run by
 * the ProjectionRunner, so a boot resumes from that projection's checkpoint and never replays the
 * store; a `DueItemTicker` fires them.
 */
export interface DurableScheduler {
  readonly name: string;
  /** Versioned stored types, e.g. `eventTypeOf('LeadScored')`. */
  readonly eventTypes: readonly string[];
  dueItemsOf(event: RecordedEvent): readonly DueItem[];
}

/** A timer that came due, as the handler receives it. */
export interface ScheduledItem {
  readonly scheduler: string;
  readonly key: string;
  /** The due time its event set; kept across failed attempts, so it identifies this firing. */
  readonly dueAt: Date;
  readonly payload: unknown;
  /** Failed attempts so far. */
  readonly attempts: number;
}

/**
 * Handles one due item. At least once: a crash after the handler's work but before the item is
 * deleted fires it again, and a rebuild of the scheduler's projection brings back items that already
 * fired. So a handler must be idempotent: derive the causation of what it does from the item
 * (`firingIdOf(item)`: scheduler, key and due time), never from the attempt or the clock.
 */
export type DueItemHandler = (item: ScheduledItem) => Promise<void>;

/** The same for every attempt at one firing, different for the next due time of the same key. */
export function firingIdOf(item: Pick<ScheduledItem, 'scheduler' | 'key' | 'dueAt'>): string {
  return `${item.scheduler}/${item.key}@${item.dueAt.toISOString()}`;
}

const TABLE = 'scheduled_items';

/**
 * `due_at` is the business due time the events set; `next_attempt_at` is when a ticker may take the
 * item next: the due time, then a lease while a ticker handles it, then a backoff after a failure.
 * Keeping them apart keeps `due_at` (and so the handler's causation) stable across retries.
 */
async function createScheduledItemsTable(tx: SqlExecutor, schema: string): Promise<void> {
  await tx.query(
    `CREATE TABLE IF NOT EXISTS "${schema}".${TABLE} (
       scheduler        text        NOT NULL,
       key              text        NOT NULL,
       due_at           timestamptz NOT NULL,
       next_attempt_at  timestamptz NOT NULL,
       payload          jsonb,
       attempts         integer     NOT NULL DEFAULT 0,
       last_error       text,
       PRIMARY KEY (scheduler, key)
     )`,
  );
  await tx.query(
    `CREATE INDEX IF NOT EXISTS scheduled_items_next_attempt ON "${schema}".${TABLE} (scheduler, next_attempt_at)`,
  );
}

/**
 * The projection keeping one scheduler's timers; hand it to the ProjectionRunner with the read models.
 * Within a batch the last item per key wins, so a batch costs two statements whatever its size.
 */
export function scheduledItemsProjection(scheduler: DurableScheduler): Projection {
  return {
    name: `scheduler:${scheduler.name}`,
    eventTypes: scheduler.eventTypes,
    // Unqualified: the runner's search_path is the read schema, which current_schema() names.
    init: async (tx) => createScheduledItemsTable(tx, await currentSchema(tx)),
    // Shared with other schedulers, so only this one's rows go.
    truncate: async (tx) => {
      await tx.query(`DELETE FROM ${TABLE} WHERE scheduler = $1`, [scheduler.name]);
    },
    async handle(events, tx) {
      const latest = new Map<string, DueItem>();
      for (const event of events) for (const item of scheduler.dueItemsOf(event)) latest.set(item.key, item);
      const items = [...latest.values()];
      const cancelled = items.filter((item) => item.dueAt === undefined).map((item) => item.key);
      const scheduled = items.filter((item): item is DueItem & { dueAt: Date } => item.dueAt !== undefined);
      if (cancelled.length > 0) {
        await tx.query(`DELETE FROM ${TABLE} WHERE scheduler = $1 AND key = ANY($2::text[])`, [
          scheduler.name,
          cancelled,
        ]);
      }
      if (scheduled.length === 0) return;
      // The same due time again (a duplicate event) changes nothing, so a ticker's lease or backoff
      // on it holds; a new due time starts a new firing.
      await tx.query(
        `INSERT INTO ${TABLE} AS s (scheduler, key, due_at, next_attempt_at, payload, attempts)
         SELECT $1, i.key, i.due_at, i.due_at, i.payload, 0
           FROM unnest($2::text[], $3::timestamptz[], $4::jsonb[]) AS i(key, due_at, payload)
         ON CONFLICT (scheduler, key) DO UPDATE SET
           payload = EXCLUDED.payload,
           attempts = CASE WHEN s.due_at = EXCLUDED.due_at THEN s.attempts ELSE 0 END,
           next_attempt_at = CASE WHEN s.due_at = EXCLUDED.due_at THEN s.next_attempt_at ELSE EXCLUDED.due_at END,
           last_error = CASE WHEN s.due_at = EXCLUDED.due_at THEN s.last_error ELSE NULL END,
           due_at = EXCLUDED.due_at`,
        [
          scheduler.name,
          scheduled.map((item) => item.key),
          scheduled.map((item) => item.dueAt.toISOString()),
          scheduled.map((item) => JSON.stringify(item.payload ?? null)),
        ],
      );
    },
  };
}

export interface DueItemTickerObserver {
  onFired?(item: ScheduledItem): void;
  /** The item stays, to be tried again after `retryInMs`. */
  onHandlerFailed?(item: ScheduledItem, error: unknown, retryInMs: number): void;
  /** A tick could not reach the database; the next tick tries again. */
  onTickFailed?(error: unknown): void;
}

export interface DueItemTickerOptions {
  readonly db: SqlDriver;
  readonly scheduler: Pick<DurableScheduler, 'name'>;
  readonly handler: DueItemHandler;
  readonly clock: Clock;
  readonly schema?: string;
  /** Items claimed per query. */
  readonly batchSize?: number;
  /**
   * How long a claimed item is withheld from other tickers while its handler runs; a ticker that
   * dies mid-handler releases its items when this runs out. Longer than a handler takes.
   */
  readonly leaseMs?: number;
  /** Backoff of a failing item; `attempts` is ignored: an item is retried until it succeeds or is rescheduled. */
  readonly backoff?: Omit<RetryPolicy, 'attempts'>;
  readonly observer?: DueItemTickerObserver;
}

export interface DueRun {
  readonly fired: number;
  readonly failed: number;
}

const DEFAULT_BACKOFF: Omit<RetryPolicy, 'attempts'> = {
  initialDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  jitter: 0.2,
};

interface ItemRow {
  key: string;
  due_at: Date | string;
  payload: unknown;
  attempts: number;
}

/**
 * Fires a scheduler's due items: claims the oldest (bounded batch), runs the handler on each, and
 * deletes an item only if its due time is still the one fired (an event may have rescheduled it
 * meanwhile: the new due time stays). A failure keeps the item and pushes its next attempt back.
 *
 * Claiming is one statement: it picks due items `FOR UPDATE SKIP LOCKED`, so two replicas claiming
 * at once take different items, and sets their `next_attempt_at` to a lease, so the claim outlives
 * that statement without holding a transaction (and a connection; PGlite's only one) open while
 * handlers run, and another ticker takes the item only once the lease has run out.
 */
export class DueItemTicker {
  private readonly schema: string;
  private readonly table: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly backoff: Omit<RetryPolicy, 'attempts'>;
  private readonly observer: DueItemTickerObserver;
  private tableReady?: Promise<void>;

  constructor(private readonly options: DueItemTickerOptions) {
    this.schema = assertSchemaName(options.schema ?? DEFAULT_READ_SCHEMA);
    this.table = `"${this.schema}".${TABLE}`;
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.observer = options.observer ?? {};
  }

  /** Fires what is due by the clock, batch after batch, until nothing is; `signal` stops between items. */
  async runDue(signal?: AbortSignal): Promise<DueRun> {
    await this.ensureTable();
    let fired = 0;
    let failed = 0;
    while (!signal?.aborted) {
      const claimed = await this.claim();
      for (const item of claimed) {
        if (signal?.aborted) break;
        if (await this.fire(item)) fired++;
        else failed++;
      }
      if (claimed.length < this.batchSize) break;
    }
    return { fired, failed };
  }

  /** Ticks every `tickMs` until aborted; a tick starts only after the previous one ended. */
  async run(signal: AbortSignal, tickMs: number): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.runDue(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.observer.onTickFailed?.(error);
      }
      await sleepUnlessAborted(tickMs, signal);
    }
  }

  private async claim(): Promise<ScheduledItem[]> {
    const now = this.options.clock.now();
    const rows = await this.options.db.query<ItemRow>(
      `UPDATE ${this.table} AS s SET next_attempt_at = $3::timestamptz
        WHERE s.scheduler = $1 AND s.key IN (
          SELECT key FROM ${this.table}
           WHERE scheduler = $1 AND next_attempt_at <= $2::timestamptz
           ORDER BY next_attempt_at, key
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING s.key, s.due_at, s.payload, s.attempts`,
      [
        this.options.scheduler.name,
        now.toISOString(),
        new Date(now.getTime() + this.leaseMs).toISOString(),
        this.batchSize,
      ],
    );
    return rows
      .map((row) => ({
        scheduler: this.options.scheduler.name,
        key: row.key,
        dueAt: timestampOf(row.due_at),
        payload: row.payload,
        attempts: Number(row.attempts),
      }))
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.key.localeCompare(b.key));
  }

  private async fire(item: ScheduledItem): Promise<boolean> {
    try {
      await this.options.handler(item);
    } catch (error) {
      const retryInMs = backoffDelay(item.attempts + 1, { ...this.backoff, attempts: Infinity });
      await this.options.db.query(
        `UPDATE ${this.table}
            SET attempts = attempts + 1, next_attempt_at = $4::timestamptz, last_error = $5
          WHERE scheduler = $1 AND key = $2 AND due_at = $3::timestamptz`,
        [
          item.scheduler,
          item.key,
          item.dueAt.toISOString(),
          new Date(this.options.clock.now().getTime() + retryInMs).toISOString(),
          describe(error),
        ],
      );
      this.observer.onHandlerFailed?.(item, error, retryInMs);
      return false;
    }
    await this.options.db.query(
      `DELETE FROM ${this.table} WHERE scheduler = $1 AND key = $2 AND due_at = $3::timestamptz`,
      [item.scheduler, item.key, item.dueAt.toISOString()],
    );
    this.observer.onFired?.(item);
    return true;
  }

  /** The ticker may start before the runner has set the projection up (another service, a fresh database). */
  private ensureTable(): Promise<void> {
    this.tableReady ??= this.options.db
      .transaction(async (tx) => {
        await lockSchemaSetup(tx, this.schema);
        await createScheduledItemsTable(tx, this.schema);
      })
      .catch((error: unknown) => {
        this.tableReady = undefined;
        throw error;
      });
    return this.tableReady;
  }
}

async function currentSchema(tx: SqlExecutor): Promise<string> {
  const [row] = await tx.query<{ schema: string }>('SELECT current_schema() AS schema');
  return assertSchemaName(row.schema);
}

function describe(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2_000);
}
