import {
  retry,
  subscriptionInBatches,
  withWorkPriority,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
  type RetryPolicy,
} from '@leadledger/eventsourcing';
import type { SqlDriver, SqlExecutor } from '@leadledger/eventstore';
import type { Projection } from './projection';
import { DEFAULT_READ_SCHEMA, assertSchemaName, inSchema, lockSchemaSetup } from './read-schema';

export interface ProjectionObserver {
  /** A batch and its checkpoint committed. */
  onApplied?(projection: string, applied: AppliedBatch): void;
  /** A batch failed (nothing of it was kept); the runner waits `delayMs` and resumes from the checkpoint. */
  onFailure?(projection: string, error: unknown, attempt: number, delayMs: number): void;
  /** Another runner applied past where this one stood (or a rebuild reset it): this one resumes from there. */
  onCheckpointMoved?(
    projection: string,
    expected: GlobalPosition | undefined,
    found: GlobalPosition | undefined,
  ): void;
  onRebuild?(projection: string, reason: 'requested' | 'version changed'): void;
  /** The projection stopped for good on this runner, e.g. a newer version of it runs elsewhere. */
  onStopped?(projection: string, error: unknown): void;
}

export interface AppliedBatch {
  readonly events: number;
  readonly position: GlobalPosition;
  readonly durationMs: number;
}

export interface ProjectionRunnerOptions {
  /** The store to follow; any adapter. `readAll` lets `waitFor` skip events no projection handles. */
  readonly events: Pick<EventStore, 'subscribeToAll' | 'readAll'>;
  /** The read models' database; for a SQL event store, its own driver (`EventStorage.sql`). */
  readonly db: SqlDriver;
  readonly projections: readonly Projection[];
  /** Schema of the read models and their checkpoints; `read` unless a test isolates itself. */
  readonly schema?: string;
  /** Events per transaction while catching up. */
  readonly batchSize?: number;
  /** How long a live event waits for company before its batch is applied. */
  readonly batchWaitMs?: number;
  /** Backoff after a failed batch; `attempts` is ignored: a projection retries until stopped. */
  readonly retry?: Omit<RetryPolicy, 'attempts'>;
  readonly observer?: ProjectionObserver;
  /** How often `waitFor` looks at the checkpoints when nothing wakes it (another replica's progress). */
  readonly waitPollMs?: number;
}

/** A newer version of the projection owns its tables: this runner must not write them with older code. */
export class StaleProjectionError extends Error {
  override readonly name = 'StaleProjectionError';

  constructor(
    readonly projection: string,
    readonly runningVersion: number,
    readonly storedVersion: number,
  ) {
    super(
      `projection "${projection}" is at version ${storedVersion} in the database; this runner has version ${runningVersion}`,
    );
  }
}

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
}

class SubscriptionEndedError extends Error {
  override readonly name = 'SubscriptionEndedError';
}

const DEFAULT_RETRY: Omit<RetryPolicy, 'attempts'> = { initialDelayMs: 200, maxDelayMs: 30_000, jitter: 0.5 };

interface Checkpoint {
  /** Undefined: nothing applied yet (0 is a real position on EventStoreDB, so it cannot mean "none"). */
  readonly position: GlobalPosition | undefined;
  readonly version: number;
}

interface Follower {
  readonly projection: Projection;
  /** Aborting it makes the follower drop its subscription and resume from the stored checkpoint. */
  resubscribe?: AbortController;
  /** The last position this runner committed for it: enough for waitFor without asking the database. */
  committed?: GlobalPosition;
}

/**
 * Keeps projections up to date: each follows the store from its own checkpoint, in batches, and each
 * batch's rows commit with the checkpoint in one transaction: after a crash a batch was applied
 * entirely or not at all, and the runner resumes right after the last one that was. One projection's
 * failure retries (with backoff, until stopped) without holding up the others.
 *
 * Several runners on one database (replicas) stay correct by compare-and-set: each batch locks the
 * projection's checkpoint row (`FOR UPDATE`) and is applied only when the checkpoint is still where
 * this runner read from; otherwise another runner (or a rebuild) moved it, the transaction does
 * nothing and this runner resumes from the stored position. We chose this over a session advisory
 * lock (`pg_try_advisory_lock`) because such a lock belongs to one connection for as long as the
 * runner lives, which a pool does not give and PGlite's single connection cannot spare; the row lock
 * lives exactly as long as the transaction that needs it. The price is that replicas read the same
 * events and all but one discard their work, which costs reads, never correctness.
 */
export class ProjectionRunner {
  private readonly schema: string;
  private readonly checkpointTable: string;
  private readonly followers = new Map<string, Follower>();
  private readonly batchSize: number;
  private readonly batchWaitMs: number;
  private readonly retryPolicy: Omit<RetryPolicy, 'attempts'>;
  private readonly observer: ProjectionObserver;
  private readonly waitPollMs: number;
  private readonly progressListeners = new Set<() => void>();
  /** Callers in `waitFor`: while there are any, this runner's work is theirs, and as urgent. */
  private waiters = 0;
  private stopping?: AbortController;
  private running?: Promise<void>;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.schema = assertSchemaName(options.schema ?? DEFAULT_READ_SCHEMA);
    this.checkpointTable = `"${this.schema}".projection_checkpoints`;
    this.batchSize = options.batchSize ?? 500;
    this.batchWaitMs = options.batchWaitMs ?? 20;
    this.retryPolicy = options.retry ?? DEFAULT_RETRY;
    this.observer = options.observer ?? {};
    this.waitPollMs = options.waitPollMs ?? 100;
    for (const projection of options.projections) {
      if (this.followers.has(projection.name))
        throw new Error(`two projections are named "${projection.name}"`);
      if (projection.eventTypes.length === 0)
        throw new Error(`projection "${projection.name}" handles no event type`);
      this.followers.set(projection.name, { projection });
    }
  }

  /**
   * Creates every projection's tables now (and rebuilds one whose version grew), so that a query
   * answered before the first batch is applied finds its table empty rather than missing: requests
   * go before projections on the embedded store, so a request right after boot can come first. A
   * projection that cannot be set up here is left to `start`, which retries it and reports why.
   */
  async prepare(): Promise<void> {
    for (const { projection } of this.followers.values()) {
      await this.setUp(projection).catch(() => undefined);
    }
  }

  /** Starts following in the background; `signal` (or stop()) ends it. */
  start(signal?: AbortSignal): void {
    if (this.running) throw new Error('the projection runner is already running');
    const stopping = new AbortController();
    this.stopping = stopping;
    const stop = () => stopping.abort();
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stopping.abort();
    const priority = () => (this.waiters > 0 ? 'interactive' : 'bulk');
    this.running = Promise.all(
      [...this.followers.values()].map((follower) =>
        withWorkPriority(priority, () => this.follow(follower, stopping.signal)),
      ),
    ).then(() => signal?.removeEventListener('abort', stop));
  }

  /** Ends every subscription and resolves once no batch is in flight any more. */
  async stop(): Promise<void> {
    this.stopping?.abort();
    await this.running;
    this.running = undefined;
    this.stopping = undefined;
  }

  /**
   * Resolves true once every projection has applied everything it handles up to `position` (e.g. the
   * position of an append, so a service reads its own writes), false after `timeoutMs`. Reads the
   * checkpoints from the database, so it also sees what another replica applied.
   */
  async waitFor(position: GlobalPosition, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.waiters += 1;
    try {
      for (;;) {
        if (await this.reached(position)) return true;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return false;
        await this.nextProgress(Math.min(remaining, this.waitPollMs));
      }
    } finally {
      this.waiters -= 1;
    }
  }

  /**
   * Empties the projection and resets its checkpoint in one transaction (readers never see the tables
   * emptied with the old checkpoint kept), then lets it catch up from the first event.
   */
  async rebuild(name: string): Promise<void> {
    const follower = this.followers.get(name);
    if (!follower) throw new UnknownProjectionError(`no projection named "${name}"`);
    const { projection } = follower;
    await this.setUp(projection);
    await inSchema(this.options.db, this.schema, async (tx) => {
      await this.lockCheckpoint(tx, projection);
      await this.reset(tx, projection);
    });
    this.observer.onRebuild?.(name, 'requested');
    follower.resubscribe?.abort();
  }

  /** Where each projection stands, from the database. */
  async checkpoints(): Promise<Map<string, GlobalPosition | undefined>> {
    const rows = await this.options.db
      .query<{ name: string; position: string | null }>(
        `SELECT name, position::text AS position FROM ${this.checkpointTable} WHERE name = ANY($1::text[])`,
        [[...this.followers.keys()]],
      )
      .catch((error: unknown) => {
        if (isUndefinedTable(error)) return [];
        throw error;
      });
    const positions = new Map<string, GlobalPosition | undefined>();
    for (const row of rows) positions.set(row.name, row.position === null ? undefined : BigInt(row.position));
    return positions;
  }

  private async follow(follower: Follower, signal: AbortSignal): Promise<void> {
    const { projection } = follower;
    try {
      await retry(
        async (attempt) => {
          await this.setUp(projection);
          while (!signal.aborted) {
            // Read afresh at every (re)subscription: a rebuild or another runner may have moved it.
            const { position } = await this.loadCheckpoint(projection);
            const resubscribe = new AbortController();
            follower.resubscribe = resubscribe;
            let applied = position;
            const batches = subscriptionInBatches(this.options.events, {
              from: applied ?? 'start',
              eventTypes: projection.eventTypes,
              batchSize: this.batchSize,
              maxBatchWaitMs: this.batchWaitMs,
              signal: AbortSignal.any([signal, resubscribe.signal]),
            });
            for await (const batch of batches) {
              const outcome = await this.apply(projection, batch, applied);
              if (!outcome.applied) {
                this.observer.onCheckpointMoved?.(projection.name, applied, outcome.found);
                resubscribe.abort();
                break;
              }
              applied = outcome.position;
              follower.committed = outcome.position;
              attempt.madeProgress();
              this.notifyProgress();
            }
            if (!signal.aborted && !resubscribe.signal.aborted) {
              throw new SubscriptionEndedError(`the subscription of "${projection.name}" ended by itself`);
            }
          }
        },
        {
          ...this.retryPolicy,
          attempts: Infinity,
          signal,
          shouldRetry: (error) => !(error instanceof StaleProjectionError),
          onRetry: (error, attempt, delayMs) =>
            this.observer.onFailure?.(projection.name, error, attempt, delayMs),
        },
      );
    } catch (error) {
      if (signal.aborted) return;
      this.observer.onStopped?.(projection.name, error);
    } finally {
      follower.resubscribe = undefined;
    }
  }

  private async apply(
    projection: Projection,
    batch: readonly RecordedEvent[],
    expected: GlobalPosition | undefined,
  ): Promise<
    { applied: true; position: GlobalPosition } | { applied: false; found: GlobalPosition | undefined }
  > {
    const startedAt = Date.now();
    const position = batch[batch.length - 1].position;
    const outcome = await inSchema(this.options.db, this.schema, async (tx) => {
      const stored = await this.lockCheckpoint(tx, projection);
      if (stored.position !== expected) return { applied: false as const, found: stored.position };
      await projection.handle(batch, tx);
      await tx.query(
        `UPDATE ${this.checkpointTable} SET position = $2::numeric, updated_at = now() WHERE name = $1`,
        [projection.name, position.toString()],
      );
      return { applied: true as const, position };
    });
    if (outcome.applied) {
      this.observer.onApplied?.(projection.name, {
        events: batch.length,
        position,
        durationMs: Date.now() - startedAt,
      });
    }
    return outcome;
  }

  /**
   * Creates the schema, the checkpoint table, and the projection's tables, and rebuilds the projection
   * when its version grew. Idempotent; runs at every (re)start of a follower.
   */
  private async setUp(projection: Projection): Promise<void> {
    const version = versionOf(projection);
    const rebuilt = await inSchema(this.options.db, this.schema, async (tx) => {
      await lockSchemaSetup(tx, this.schema);
      await ensureCheckpoint(tx, this.schema, projection.name, version);
      const stored = await this.lockCheckpoint(tx, projection, { acceptNewer: true });
      if (stored.version > version) throw new StaleProjectionError(projection.name, version, stored.version);
      if (stored.version < version) {
        await this.reset(tx, projection);
        return true;
      }
      await projection.init(tx);
      return false;
    });
    if (rebuilt) this.observer.onRebuild?.(projection.name, 'version changed');
  }

  /** Truncates, recreates and rewinds, inside the caller's transaction that holds the checkpoint row. */
  private async reset(tx: SqlExecutor, projection: Projection): Promise<void> {
    const follower = this.followers.get(projection.name);
    if (follower) follower.committed = undefined;
    await projection.truncate(tx);
    await projection.init(tx);
    await tx.query(
      `UPDATE ${this.checkpointTable} SET position = NULL, version = $2, updated_at = now() WHERE name = $1`,
      [projection.name, versionOf(projection)],
    );
  }

  /** The checkpoint, locked until the transaction ends: every writer of a projection's rows goes through it. */
  private async lockCheckpoint(
    tx: SqlExecutor,
    projection: Projection,
    { acceptNewer = false } = {},
  ): Promise<Checkpoint> {
    const [row] = await tx.query<{ position: string | null; version: number }>(
      `SELECT position::text AS position, version FROM ${this.checkpointTable} WHERE name = $1 FOR UPDATE`,
      [projection.name],
    );
    if (!row) throw new Error(`the checkpoint of projection "${projection.name}" is gone`);
    const checkpoint = toCheckpoint(row);
    // A version bump by another replica mid-flight: stop writing with this runner's older code.
    if (!acceptNewer && checkpoint.version !== versionOf(projection)) {
      throw new StaleProjectionError(projection.name, versionOf(projection), checkpoint.version);
    }
    return checkpoint;
  }

  private async loadCheckpoint(projection: Projection): Promise<Checkpoint> {
    const [row] = await this.options.db.query<{ position: string | null; version: number }>(
      `SELECT position::text AS position, version FROM ${this.checkpointTable} WHERE name = $1`,
      [projection.name],
    );
    if (!row) throw new Error(`the checkpoint of projection "${projection.name}" is gone`);
    return toCheckpoint(row);
  }

  private async reached(target: GlobalPosition): Promise<boolean> {
    // A write waiting to read itself is usually answered by this runner's own progress; the database
    // (another replica's progress, events no projection handles) is asked only when that falls short.
    const followers = [...this.followers.values()];
    if (followers.every((follower) => follower.committed !== undefined && follower.committed >= target)) {
      return true;
    }
    const positions = await this.checkpoints();
    for (const { projection } of this.followers.values()) {
      if (!positions.has(projection.name)) return false;
      const position = positions.get(projection.name);
      if (position !== undefined && position >= target) continue;
      // Behind the target, but only events it does not handle may lie in between (the store filters
      // by type, so its checkpoint only ever stands on events it handles).
      const [next] = await this.options.events.readAll({
        ...(position !== undefined ? { after: position } : {}),
        eventTypes: projection.eventTypes,
        maxCount: 1,
      });
      if (next && next.position <= target) return false;
    }
    return true;
  }

  private nextProgress(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.progressListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.progressListeners.add(done);
    });
  }

  private notifyProgress(): void {
    for (const listener of [...this.progressListeners]) listener();
  }
}

export function versionOf(projection: Projection): number {
  return projection.version ?? 1;
}

/**
 * Creates the checkpoint table and the projection's row (nothing applied yet) unless they exist; in a
 * transaction that holds `lockSchemaSetup`. Shared with the shadow rebuild, which may be the first to
 * write a projection's checkpoint.
 */
export async function ensureCheckpoint(
  tx: SqlExecutor,
  schema: string,
  name: string,
  version: number,
): Promise<void> {
  const table = `"${schema}".projection_checkpoints`;
  await tx.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       name        text        PRIMARY KEY,
       position    numeric(40),
       version     integer     NOT NULL,
       updated_at  timestamptz NOT NULL DEFAULT now()
     )`,
  );
  await tx.query(
    `INSERT INTO ${table} (name, position, version) VALUES ($1, NULL, $2) ON CONFLICT (name) DO NOTHING`,
    [name, version],
  );
}

function toCheckpoint(row: { position: string | null; version: number }): Checkpoint {
  return {
    position: row.position === null ? undefined : BigInt(row.position),
    version: Number(row.version),
  };
}

/** A read of a table not created yet (a projection that never ran). */
export function isUndefinedTable(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '42P01';
}
