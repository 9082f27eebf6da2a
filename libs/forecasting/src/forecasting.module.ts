import {
  loadPipelines,
  DEFAULT_PIPELINES_PATH,
  type Clock,
  type LoadedPipelines,
} from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import {
  CLOCK,
  EVENT_STORE,
  InvalidConfigurationError,
  READ_MODELS,
  ReadModelDatabase,
  ManagedProjections,
  SERVICE_ENVIRONMENT,
  provideProjections,
  provideSchedule,
} from '@leadledger/platform';
import { scheduledItemsProjection } from '@leadledger/projections';
import { Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AnalystAccess } from './analyst-sql/analyst-access';
import { ForecastingController } from './http/forecasting.controller';
import { ForecastingMetrics } from './forecasting-metrics';
import { ForecastingService } from './forecasting.service';
import { ANALYST_TABLES, analyticsProjection } from './projections/analytics';
import { forecastSnapshotsProjection } from './projections/forecast-snapshots';
import { currentSnapshotSlot, weeklySnapshots, takeWeeklySnapshot } from './schedules/weekly-snapshots';
import { FORECAST_PIPELINES, FORECASTING_PROJECTIONS, WEEKLY_SNAPSHOTS } from './tokens';

/** How long the first scheduled snapshot waits for the read models to catch up at start. */
const FIRST_SNAPSHOT_PATIENCE_MS = 60_000;
const CATCH_UP_POLL_MS = 1_000;

/**
 * Takes this week's scheduled snapshot at start when none was taken yet (the schedule then runs
 * itself), once the read models caught up: a snapshot of half-built tables would mislead backtesting.
 */
class FirstSnapshot implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ForecastSnapshots');
  private readonly stopping = new AbortController();

  constructor(
    private readonly forecasting: ForecastingService,
    private readonly projections: ManagedProjections,
    private readonly metrics: ForecastingMetrics,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    void this.takeWhenCaughtUp().catch((error: unknown) =>
      this.logger.warn(
        { error: String(error) },
        'first scheduled snapshot not taken; the next start tries again',
      ),
    );
  }

  onModuleDestroy(): void {
    this.stopping.abort();
  }

  private async takeWhenCaughtUp(): Promise<void> {
    const deadline = Date.now() + FIRST_SNAPSHOT_PATIENCE_MS;
    while (!this.stopping.signal.aborted && Date.now() < deadline) {
      const lags = await this.projections.lag(1);
      if (lags.every((lag) => lag.events === 0)) {
        if (await this.forecasting.hasScheduledSnapshot()) return;
        await takeWeeklySnapshot(this.forecasting, this.metrics, currentSnapshotSlot(this.clock.now()));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
    }
  }
}

const DEFAULT_ANALYTICS_SQL_PORT = 5433;

/** The embedded pipeline's SQL port for analysts: a port, `off`, or 5433 when unset. */
function analyticsSqlPort(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text) return DEFAULT_ANALYTICS_SQL_PORT;
  if (text === 'off') return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new InvalidConfigurationError(
      'ANALYTICS_SQL_PORT',
      `must be a port (0 to 65535) or off, got "${text}"`,
    );
  }
  return port;
}

/** The forecast and analyst read models over both lifecycles, and their query API. */
@Module({
  controllers: [ForecastingController],
  providers: [
    // PIPELINES names another file; a bad one stops the service at start, naming the rule.
    {
      provide: FORECAST_PIPELINES,
      inject: [SERVICE_ENVIRONMENT],
      useFactory: (env: NodeJS.ProcessEnv) => loadPipelines(env.PIPELINES || DEFAULT_PIPELINES_PATH),
    },
    provideProjections(FORECASTING_PROJECTIONS, 'forecasting', [
      analyticsProjection,
      forecastSnapshotsProjection,
      scheduledItemsProjection(weeklySnapshots),
    ]),
    {
      provide: ForecastingService,
      inject: [EVENT_STORE, CLOCK, FORECASTING_PROJECTIONS, FORECAST_PIPELINES],
      useFactory: (
        store: EventStore,
        clock: Clock,
        projections: ManagedProjections,
        pipelines: LoadedPipelines,
      ) => new ForecastingService(store, clock, projections.readModels, pipelines.config),
    },
    ForecastingMetrics,
    provideSchedule(WEEKLY_SNAPSHOTS, {
      scheduler: weeklySnapshots,
      tickSetting: 'SNAPSHOT_TICK_MS',
      defaultTickMs: 60_000,
      inject: [ForecastingService, ForecastingMetrics],
      handler: (forecasting: ForecastingService, metrics: ForecastingMetrics) => (item) =>
        takeWeeklySnapshot(forecasting, metrics, item.dueAt),
    }),
    {
      provide: AnalystAccess,
      inject: [READ_MODELS, SERVICE_ENVIRONMENT],
      useFactory: (readModels: ReadModelDatabase, env: NodeJS.ProcessEnv) =>
        new AnalystAccess(readModels, {
          port: analyticsSqlPort(env.ANALYTICS_SQL_PORT),
          role: env.ANALYST_ROLE || 'leadledger_analyst',
          tables: ANALYST_TABLES,
          ...(env.ANALYST_PASSWORD ? { password: env.ANALYST_PASSWORD } : {}),
        }),
    },
    {
      provide: FirstSnapshot,
      inject: [ForecastingService, FORECASTING_PROJECTIONS, ForecastingMetrics, CLOCK],
      useFactory: (
        forecasting: ForecastingService,
        projections: ManagedProjections,
        metrics: ForecastingMetrics,
        clock: Clock,
      ) => new FirstSnapshot(forecasting, projections, metrics, clock),
    },
  ],
  exports: [ForecastingService],
})
export class ForecastingModule {
  static readonly requestClasses = [];
}
