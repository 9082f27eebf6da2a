import { Instant, NestedList, Text } from '@leadledger/contracts';
import { internalCodec } from '@leadledger/eventsourcing';
import { IsIn, IsInt, Matches, Min } from 'class-validator';

const DECIMAL = /^\d{1,20}(\.\d{1,4})?$/;

export class SnapshotFigures {
  @Matches(/^[A-Z]{3}$/) readonly currency!: string;
  @Matches(DECIMAL) readonly closedWon!: string;
  @Matches(DECIMAL) readonly commit!: string;
  @Matches(DECIMAL) readonly bestCase!: string;
  @Matches(DECIMAL) readonly pipeline!: string;
  @Matches(DECIMAL) readonly weighted!: string;
  @IsInt() @Min(0) readonly openOpportunities!: number;
  @IsInt() @Min(0) readonly wonOpportunities!: number;
}

export const SNAPSHOT_TRIGGERS = ['scheduled', 'on_demand'] as const;

/** The forecast of one period as it stood when taken: what backtesting compares with what was won. */
export class ForecastSnapshotTakenData {
  @Text(20) readonly period!: string;
  @Instant() readonly takenAt!: string;
  @IsIn(SNAPSHOT_TRIGGERS) readonly trigger!: (typeof SNAPSHOT_TRIGGERS)[number];
  @NestedList(() => SnapshotFigures, 50) readonly figures!: SnapshotFigures[];
}

/**
 * Snapshots are events, not rows: a rebuild of the read models reproduces them, and what the forecast
 * said last quarter cannot be recomputed from anything else once opportunities moved on.
 */
export const forecastingCodec = internalCodec({
  ForecastSnapshotTaken: {
    type: 'leadledger.internal.forecast-snapshot-taken',
    dataClass: ForecastSnapshotTakenData,
  },
});

export const FORECAST_SNAPSHOT_TYPE = 'leadledger.internal.forecast-snapshot-taken';

export const snapshotStreamId = (period: string): string => `forecast-snapshots-${period}`;
