import { decimalOfMinor, type Clock, type PipelinesConfig } from '@leadledger/contracts';
import { deriveId, type EventStore, type GlobalPosition } from '@leadledger/eventsourcing';
import type { SqlExecutor } from '@leadledger/eventstore';
import {
  cycleTimesOf,
  funnelOf,
  handoffOf,
  lossReasonsOf,
  openPipelineOf,
  pipelineChangesOf,
  slippageOf,
  stageProbabilitiesOf,
  winRatesOf,
  type CycleTimeGrouping,
  type FunnelGrouping,
  type WinRateGrouping,
} from './domain/analytics';
import {
  forecastOf,
  minorOfDecimal,
  type Forecast,
  type ForecastGrouping,
  type ForecastLine,
} from './domain/forecast';
import {
  forecastingCodec,
  snapshotStreamId,
  type ForecastSnapshotTakenData,
} from './domain/forecast-snapshot';
import { monthOf, quarterOf, type Period } from './domain/periods';
import {
  closedOpportunities,
  forecastLines,
  funnelLeads,
  handoffs,
  openedBetween,
  slippage,
  stageVisits,
  versionsAt,
} from './projections/analytics-queries';
import { snapshotsOf } from './projections/forecast-snapshots';

export type ProbabilitySource = 'configured' | 'calibrated';

/** Where the read models are. */
export interface ReadModelsAt {
  readonly sql: SqlExecutor;
  readonly schema: string;
}

/** The questions sales leadership asks, answered from the analytics read models. */
export class ForecastingService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly readModels: ReadModelsAt,
    readonly pipelines: PipelinesConfig,
  ) {}

  async forecast(
    period: Period,
    options: { groupBy?: ForecastGrouping; probabilities?: ProbabilitySource } = {},
  ): Promise<Forecast> {
    const lines = await forecastLines(this.readModels.sql, this.readModels.schema, period);
    if (options.probabilities !== 'calibrated') return forecastOf(lines, { groupBy: options.groupBy });
    const calibrated = new Map(
      (await this.stageProbabilities()).map((row) => [`${row.pipeline}\u0000${row.stage}`, row.calibrated]),
    );
    return forecastOf(lines, {
      groupBy: options.groupBy,
      probabilityOf: (line: ForecastLine) =>
        calibrated.get(`${line.pipeline}\u0000${line.stage}`) ?? line.probability,
    });
  }

  async pipelineAsOf(instant: Date) {
    return openPipelineOf(await versionsAt(this.readModels.sql, this.readModels.schema, instant));
  }

  async pipelineChanges(from: Date, to: Date) {
    const { sql, schema } = this.readModels;
    const [before, after, opened] = await Promise.all([
      versionsAt(sql, schema, from),
      versionsAt(sql, schema, to),
      openedBetween(sql, schema, from, to),
    ]);
    return pipelineChangesOf(before, after, opened, this.pipelines);
  }

  async funnel(from: Date, to: Date, groupBy?: FunnelGrouping) {
    return funnelOf(await funnelLeads(this.readModels.sql, this.readModels.schema, from, to), groupBy);
  }

  async cycleTimes(groupBy: CycleTimeGrouping) {
    const { sql, schema } = this.readModels;
    return cycleTimesOf(await stageVisits(sql, schema), await closedOpportunities(sql, schema), groupBy);
  }

  async winRates(groupBy?: WinRateGrouping) {
    return winRatesOf(await closedOpportunities(this.readModels.sql, this.readModels.schema), groupBy);
  }

  async lossReasons() {
    return lossReasonsOf(await closedOpportunities(this.readModels.sql, this.readModels.schema));
  }

  async slippage() {
    const today = this.clock.now().toISOString().slice(0, 10);
    return slippageOf(await slippage(this.readModels.sql, this.readModels.schema), today);
  }

  async handoff() {
    return handoffOf(await handoffs(this.readModels.sql, this.readModels.schema));
  }

  async stageProbabilities() {
    return stageProbabilitiesOf(
      await stageVisits(this.readModels.sql, this.readModels.schema),
      this.pipelines,
    );
  }

  /**
   * Records the forecast of this quarter and this month (or of `periods`) as it stands. The event id
   * derives from `key` (the scheduled due time, or the caller's request), so a repeated firing or a
   * retried request records one snapshot, not two.
   */
  async takeSnapshot(
    trigger: ForecastSnapshotTakenData['trigger'],
    key: string,
    options: { at?: Date; periods?: readonly Period[] } = {},
  ): Promise<{ snapshots: ForecastSnapshotTakenData[]; position?: GlobalPosition }> {
    const at = options.at ?? this.clock.now();
    const periods = options.periods ?? [quarterOf(at), monthOf(at)];
    const snapshots: ForecastSnapshotTakenData[] = [];
    let position: GlobalPosition | undefined;
    for (const period of periods) {
      const forecast = await this.forecast(period);
      const data: ForecastSnapshotTakenData = {
        period: period.label,
        takenAt: at.toISOString(),
        trigger,
        figures: forecast.currencies.map(({ currency, total }) => ({ currency, ...total })),
      };
      const encoded = forecastingCodec.encode({ type: 'ForecastSnapshotTaken', data });
      const appended = await this.store.append(
        snapshotStreamId(period.label),
        [
          {
            id: deriveId('forecast-snapshot', `${trigger}|${key}|${period.label}`),
            ...encoded,
            metadata: { occurredAt: at.toISOString() },
          },
        ],
        { expectedRevision: 'any' },
      );
      position = appended.position;
      snapshots.push(data);
    }
    return { snapshots, ...(position !== undefined ? { position } : {}) };
  }

  /** Whether any scheduled snapshot was ever taken: the first is taken at start. */
  async hasScheduledSnapshot(): Promise<boolean> {
    const [row] = await this.readModels.sql.query<{ taken: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM "${this.readModels.schema}".analytics_forecast_snapshots WHERE trigger = 'scheduled') AS taken`,
    );
    return Boolean(row?.taken);
  }

  /**
   * Each snapshot of the period beside what was actually won in it (so far, while it runs): the
   * weighted forecast (closed won then + weighted open) and commit forecast (closed won then + commit)
   * with their errors.
   */
  async accuracy(period: Period) {
    const { sql, schema } = this.readModels;
    const [snapshots, actual] = await Promise.all([
      snapshotsOf(sql, schema, period.label),
      this.forecast(period),
    ]);
    const wonBy = new Map(actual.currencies.map((c) => [c.currency, c.total.closedWon]));
    return {
      period: period.label,
      closed: this.clock.now().toISOString().slice(0, 10) >= period.until,
      actual: actual.currencies.map((c) => ({ currency: c.currency, closedWon: c.total.closedWon })),
      snapshots: snapshots.map((snapshot) => {
        const won = minorOfDecimal(wonBy.get(snapshot.currency) ?? decimalOfMinor(0n, snapshot.currency));
        const weightedForecast = minorOfDecimal(snapshot.closedWon) + minorOfDecimal(snapshot.weighted);
        const commitForecast = minorOfDecimal(snapshot.closedWon) + minorOfDecimal(snapshot.commit);
        return {
          snapshotId: snapshot.snapshotId,
          takenAt: snapshot.takenAt.toISOString(),
          trigger: snapshot.trigger,
          currency: snapshot.currency,
          weightedForecast: decimalOfMinor(weightedForecast, snapshot.currency),
          commitForecast: decimalOfMinor(commitForecast, snapshot.currency),
          actualClosedWon: decimalOfMinor(won, snapshot.currency),
          weightedError: decimalOfSigned(won - weightedForecast, snapshot.currency),
          commitError: decimalOfSigned(won - commitForecast, snapshot.currency),
        };
      }),
    };
  }
}

/** Actual minus forecast: negative when the forecast was too high. */
function decimalOfSigned(minor: bigint, currency: string): string {
  return minor < 0n ? `-${decimalOfMinor(-minor, currency)}` : decimalOfMinor(minor, currency);
}
