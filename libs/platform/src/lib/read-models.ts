import type { EventStore, GlobalPosition } from '@leadledger/eventsourcing';
import { PgDriver, type EventStorage, type SqlDriver } from '@leadledger/eventstore';
import { LeadledgerMetrics } from '@leadledger/observability';
import type { Clock } from '@leadledger/contracts';
import {
  DueItemTicker,
  ProjectionRunner,
  type DueItemHandler,
  type DurableScheduler,
  type Projection,
} from '@leadledger/projections';
import {
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type Provider,
  type Type,
} from '@nestjs/common';
import { readWholeNumber, type PlatformConfig } from './platform-config';
import {
  CLOCK,
  EVENT_STORAGE,
  EVENT_STORE,
  PLATFORM_CONFIG,
  READ_MODELS,
  SERVICE_ENVIRONMENT,
} from './tokens';

/** Where a service's read models are: what its queries read and its projections write. */
export class ReadModelDatabase implements OnApplicationShutdown {
  constructor(
    readonly sql: SqlDriver,
    readonly schema: string,
    /** Closed at shutdown when opened for read models alone; the event store's own is closed with it. */
    private readonly owned: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.sql.close();
  }
}

export const readModelDatabaseProvider: Provider = {
  provide: READ_MODELS,
  inject: [PLATFORM_CONFIG, EVENT_STORAGE],
  useFactory: (config: PlatformConfig, storage: EventStorage): ReadModelDatabase => {
    const { url, schema } = config.readModels;
    if (url) return new ReadModelDatabase(new PgDriver({ connectionString: url, max: 10 }), schema, true);
    if (!storage.sql) {
      // Configuration refuses this combination at start; kept as a guard against a new adapter.
      throw new Error(`the ${storage.kind} event store has no database for read models: set READ_MODELS_URL`);
    }
    return new ReadModelDatabase(storage.sql, schema, false);
  },
};

/**
 * A feature module's projections, run for as long as the application: started at bootstrap (after
 * the store is open), stopped before the store closes. Each module runs its own, so a service waits
 * only for its own read models when it reads its own writes (`waitFor`).
 */
export class ManagedProjections implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private destroyed = false;

  constructor(
    readonly runner: ProjectionRunner,
    readonly readModels: ReadModelDatabase,
    name: string,
    private readonly store?: Pick<EventStore, 'readAll'>,
    private readonly projections: readonly Projection[] = [],
  ) {
    this.logger = new Logger(`Projections:${name}`);
  }

  /**
   * How far each projection is behind the store: events not applied yet, counted up to `countUpTo`
   * (1 answers "anything pending?" for the price of one row), and the oldest one's age.
   */
  async lag(countUpTo = LAG_COUNT_LIMIT): Promise<{ projection: string; events: number; seconds: number }[]> {
    const store = this.store;
    if (!store) return [];
    const checkpoints = await this.runner.checkpoints();
    return Promise.all(
      this.projections.map(async (projection) => {
        const position = checkpoints.get(projection.name);
        const pending = await store.readAll({
          ...(position !== undefined ? { after: position } : {}),
          eventTypes: projection.eventTypes,
          maxCount: countUpTo,
        });
        const oldest = pending[0]?.recordedAt;
        return {
          projection: projection.name,
          events: pending.length,
          seconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0,
        };
      }),
    );
  }

  /** Before the server listens: every read model's tables exist by the first request. */
  async onApplicationBootstrap(): Promise<void> {
    await this.runner.prepare();
    // Another module's failed start may have closed the application meanwhile: a runner started
    // now would follow a closed store forever and keep the process alive.
    if (this.destroyed) return;
    this.runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await this.runner.stop();
    this.logger.log('stopped');
  }

  /** Until the read models include `position` (an append's), or `timeoutMs` passed: read your own writes. */
  waitFor(position: GlobalPosition | undefined, timeoutMs = READ_YOUR_WRITES_TIMEOUT_MS): Promise<boolean> {
    if (position === undefined) return Promise.resolve(true);
    return this.runner.waitFor(position, timeoutMs);
  }

  report(projection: string, error: unknown, delayMs: number): void {
    this.logger.warn({ projection, error: String(error), retryInMs: delayMs }, 'projection failed; retrying');
  }
}

/**
 * A write answered before its read model caught up would make the next GET miss it; waiting longer
 * than this would make a stalled projection stall the writes too, so the write answers anyway.
 */
const READ_YOUR_WRITES_TIMEOUT_MS = 5_000;

const LIVE_BATCH_WAIT_MS = 2;

/** Lag is counted by reading what is pending: bounded, so a far-behind projection costs one page. */
const LAG_COUNT_LIMIT = 1_000;

/** Providers that run `projections` as `token` (a ManagedProjections), with logs and metrics. */
export function provideProjections(
  token: symbol,
  name: string,
  projections: readonly Projection[],
): Provider {
  return {
    provide: token,
    inject: [EVENT_STORE, READ_MODELS, LeadledgerMetrics],
    useFactory: (store: EventStore, readModels: ReadModelDatabase, metrics: LeadledgerMetrics) => {
      const position = metrics.gauge(
        'leadledger_projection_position',
        'Global event store position up to which a projection has applied events.',
        ['projection'],
      );
      const applied = metrics.counter(
        'leadledger_projection_events_total',
        'Events a projection applied to its read model.',
        ['projection'],
      );
      const failures = metrics.counter(
        'leadledger_projection_failures_total',
        'Batches a projection failed to apply and will retry.',
        ['projection'],
      );
      let managed: ManagedProjections | undefined = undefined;
      const lagging = lagSourcesOf(metrics);
      const named = projections.map(({ name }) => ({ projection: name }));
      metrics.initialiseCounter(applied, named);
      metrics.initialiseCounter(failures, named);
      const runner = new ProjectionRunner({
        events: store,
        db: readModels.sql,
        schema: readModels.schema,
        projections,
        // A write waits for its read model: a live event should not wait long for company. Catching
        // up, batches still fill, since a page of events arrives before a 2 ms timer fires.
        batchWaitMs: LIVE_BATCH_WAIT_MS,
        observer: {
          onApplied: (projection, batch) => {
            position.set({ projection }, Number(batch.position));
            applied.inc({ projection }, batch.events);
          },
          onFailure: (projection, error, _attempt, delayMs) => {
            failures.inc({ projection });
            managed?.report(projection, error, delayMs);
          },
        },
      });
      managed = new ManagedProjections(runner, readModels, name, store, projections);
      lagging.add(managed);
      return managed;
    },
  };
}

const lagSources = new WeakMap<LeadledgerMetrics, Set<ManagedProjections>>();

/**
 * The lag gauges are registered once per registry and read every module's projections: a gauge
 * registered again under its name keeps the first module's `collect` only. Read at scrape time
 * from the store and the checkpoints, so they are right after a restart and for another replica.
 */
function lagSourcesOf(metrics: LeadledgerMetrics): Set<ManagedProjections> {
  const known = lagSources.get(metrics);
  if (known) return known;
  const sources = new Set<ManagedProjections>();
  lagSources.set(metrics, sources);
  const lags = async () =>
    (await Promise.all([...sources].map((managed) => managed.lag().catch(() => [])))).flat();
  metrics.gauge(
    'leadledger_projection_lag_events',
    `Events a projection handles that it has not applied yet (counted up to ${LAG_COUNT_LIMIT}).`,
    ['projection'],
    async (gauge) => {
      for (const lag of await lags()) gauge.set({ projection: lag.projection }, lag.events);
    },
  );
  metrics.gauge(
    'leadledger_projection_lag_seconds',
    'Age of the oldest event a projection handles and has not applied yet; 0 when caught up.',
    ['projection'],
    async (gauge) => {
      for (const lag of await lags()) gauge.set({ projection: lag.projection }, lag.seconds);
    },
  );
  return sources;
}

/**
 * A DurableScheduler's ticker, run for as long as the application: its due items are kept by the
 * scheduler's projection (run by the module's ManagedProjections), and this fires them.
 */
export class ManagedTicker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly stopping = new AbortController();
  private running?: Promise<void>;

  constructor(
    readonly ticker: DueItemTicker,
    private readonly tickMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.ticker.run(this.stopping.signal, this.tickMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }
}

export interface ScheduleOptions {
  readonly scheduler: DurableScheduler;
  /** The setting naming the tick interval in milliseconds, e.g. DECAY_TICK_MS. */
  readonly tickSetting: string;
  readonly defaultTickMs: number;
  /** Tokens the handler needs, given to `handler` in order. */
  readonly inject: readonly (symbol | Type)[];
  readonly handler: (...dependencies: never[]) => DueItemHandler;
}

/** Provides a ManagedTicker as `token` for a scheduler whose projection the module runs. */
export function provideSchedule(token: symbol, options: ScheduleOptions): Provider {
  return {
    provide: token,
    inject: [READ_MODELS, CLOCK, SERVICE_ENVIRONMENT, ...options.inject],
    useFactory: (
      readModels: ReadModelDatabase,
      clock: Clock,
      env: NodeJS.ProcessEnv,
      ...dependencies: never[]
    ) => {
      const logger = new Logger(`Schedule:${options.scheduler.name}`);
      const tickMs = readWholeNumber(options.tickSetting, env[options.tickSetting], {
        min: 100,
        fallback: options.defaultTickMs,
      });
      const ticker = new DueItemTicker({
        db: readModels.sql,
        schema: readModels.schema,
        scheduler: options.scheduler,
        clock,
        handler: options.handler(...dependencies),
        observer: {
          onHandlerFailed: (item, error, retryInMs) =>
            logger.warn({ key: item.key, error: String(error), retryInMs }, 'due item failed; retrying'),
          onTickFailed: (error) => logger.warn({ error: String(error) }, 'tick failed; ticking on'),
        },
      });
      return new ManagedTicker(ticker, tickMs);
    },
  };
}
