import { DateTime } from 'luxon';
import type { DurableScheduler } from '@leadledger/projections';
import { FORECAST_SNAPSHOT_TYPE, type ForecastSnapshotTakenData } from '../domain/forecast-snapshot';
import type { ForecastingMetrics } from '../forecasting-metrics';
import type { ForecastingService } from '../forecasting.service';

/** Monday 06:00 UTC after the instant: the week's snapshot, before the Monday pipeline review. */
export function nextSnapshotDue(after: Date): Date {
  return DateTime.fromJSDate(currentSnapshotSlot(after), { zone: 'utc' }).plus({ weeks: 1 }).toJSDate();
}

/**
 * Each scheduled snapshot schedules the next one, so the schedule lives in the store like everything
 * else and survives restarts; the service takes the first at start when there is none.
 */
export const weeklySnapshots: DurableScheduler = {
  name: 'forecasting.weekly-snapshots',
  eventTypes: [FORECAST_SNAPSHOT_TYPE],
  dueItemsOf(event) {
    const data = event.data as ForecastSnapshotTakenData;
    if (data.trigger !== 'scheduled') return [];
    return [{ key: 'weekly', dueAt: nextSnapshotDue(new Date(data.takenAt)) }];
  },
};

/** The latest Monday 06:00 UTC at or before the instant: the slot a snapshot taken now belongs to. */
export function currentSnapshotSlot(now: Date): Date {
  const at = DateTime.fromJSDate(now, { zone: 'utc' });
  const slot = at.startOf('week').set({ hour: 6 });
  return (slot <= at ? slot : slot.minus({ weeks: 1 })).toJSDate();
}

/**
 * The scheduled snapshot of one slot: the event ids derive from the slot, so a repeated firing, or a
 * second replica firing it too, records it once.
 */
export async function takeWeeklySnapshot(
  forecasting: Pick<ForecastingService, 'takeSnapshot'>,
  metrics: Pick<ForecastingMetrics, 'recordSnapshot'>,
  slot: Date,
): Promise<void> {
  await forecasting.takeSnapshot('scheduled', slot.toISOString());
  metrics.recordSnapshot('scheduled');
}
