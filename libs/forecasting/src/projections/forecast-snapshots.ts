import { metaOf } from '@leadledger/eventsourcing';
import { timestampOf, type SqlExecutor } from '@leadledger/eventstore';
import type { Projection } from '@leadledger/projections';
import { runStatements, truncateTables } from '@leadledger/projections';
import { FORECAST_SNAPSHOT_TYPE, type ForecastSnapshotTakenData } from '../domain/forecast-snapshot';

/** One row per snapshot, period and currency. */
export const forecastSnapshotsProjection: Projection = {
  name: 'forecasting.snapshots',
  eventTypes: [FORECAST_SNAPSHOT_TYPE],
  init: runStatements([
    `CREATE TABLE IF NOT EXISTS analytics_forecast_snapshots (
       snapshot_id         uuid        NOT NULL,
       period              text        NOT NULL,
       taken_at            timestamptz NOT NULL,
       trigger             text        NOT NULL,
       currency            text        NOT NULL,
       closed_won          numeric     NOT NULL,
       commit_amount       numeric     NOT NULL,
       best_case           numeric     NOT NULL,
       pipeline            numeric     NOT NULL,
       weighted            numeric     NOT NULL,
       open_opportunities  integer     NOT NULL,
       won_opportunities   integer     NOT NULL,
       PRIMARY KEY (snapshot_id, currency)
     )`,
    'CREATE INDEX IF NOT EXISTS analytics_forecast_snapshots_period ON analytics_forecast_snapshots (period, taken_at)',
  ]),
  truncate: truncateTables(['analytics_forecast_snapshots']),
  async handle(events, tx) {
    for (const event of events) {
      const data = event.data as ForecastSnapshotTakenData;
      for (const figures of data.figures) {
        await tx.query(
          `INSERT INTO analytics_forecast_snapshots VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT DO NOTHING`,
          [
            event.id,
            data.period,
            data.takenAt ?? metaOf(event).occurredAt,
            data.trigger,
            figures.currency,
            figures.closedWon,
            figures.commit,
            figures.bestCase,
            figures.pipeline,
            figures.weighted,
            figures.openOpportunities,
            figures.wonOpportunities,
          ],
        );
      }
    }
  },
};

export interface SnapshotRow {
  readonly snapshotId: string;
  readonly takenAt: Date;
  readonly trigger: string;
  readonly currency: string;
  readonly closedWon: string;
  readonly commit: string;
  readonly bestCase: string;
  readonly pipeline: string;
  readonly weighted: string;
}

export async function snapshotsOf(db: SqlExecutor, schema: string, period: string): Promise<SnapshotRow[]> {
  const rows = await db.query<{
    snapshot_id: string;
    taken_at: Date | string;
    trigger: string;
    currency: string;
    closed_won: string;
    commit_amount: string;
    best_case: string;
    pipeline: string;
    weighted: string;
  }>(
    `SELECT snapshot_id::text AS snapshot_id, taken_at, trigger, currency, closed_won::text AS closed_won,
            commit_amount::text AS commit_amount, best_case::text AS best_case, pipeline::text AS pipeline,
            weighted::text AS weighted
       FROM "${schema}".analytics_forecast_snapshots WHERE period = $1 ORDER BY taken_at, currency`,
    [period],
  );
  return rows.map((row) => ({
    snapshotId: row.snapshot_id,
    takenAt: timestampOf(row.taken_at),
    trigger: row.trigger,
    currency: row.currency,
    closedWon: row.closed_won,
    commit: row.commit_amount,
    bestCase: row.best_case,
    pipeline: row.pipeline,
    weighted: row.weighted,
  }));
}
