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
  ManagedProjections,
  SERVICE_ENVIRONMENT,
  provideProjections,
  provideSchedule,
} from '@leadledger/platform';
import { scheduledItemsProjection } from '@leadledger/projections';
import { Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ForecastingController } from './http/forecasting.controller';
import { ForecastingMetrics } from './forecasting-metrics';
import { ForecastingService } from './forecasting.service';
import { analyticsProjection } from './projections/analytics';
import { forecastSnapshotsProjection } from './projections/forecast-snapshots';
import { currentSnapshotSlot, weeklySnapshots, takeWeeklySnapshot } from './schedules/weekly-snapshots';
import { FORECAST_PIPELINES, FORECASTING_PROJECTIONS, WEEKLY_SNAPSHOTS } from './tokens';

/** How long the first scheduled snapshot waits for the read models to catch up at start. */
const FIRST_SNAPSHOT_PATIENCE_MS = 60_000;

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
      const lags = await this.projections.lag();
      if (lags.every((lag) => lag.events === 0)) {
        if (await this.forecasting.hasScheduledSnapshot()) return;
        await takeWeeklySnapshot(this.forecasting, this.metrics, currentSnapshotSlot(this.clock.now()));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
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
