import type { RecordedEvent } from '@leadledger/eventsourcing';
import { projectionOf, type Projection } from '@leadledger/projections';
import { BULK_HANDLERS } from './analytics-bulk';
import { LEAD_HANDLERS, LEAD_TABLES } from './analytics-leads';
import { OPPORTUNITY_HANDLERS, OPPORTUNITY_TABLE_NAMES, OPPORTUNITY_TABLES } from './analytics-opportunities';

/**
 * Leads and opportunities in one projection: the funnel's `won` comes from the opportunity stream and
 * an erasure from the lead stream reaches the opportunity rows, so both must apply in the store's one
 * global order, and a rebuild must redo them together.
 */
const oneByOne = projectionOf({
  name: 'forecasting.analytics',
  tables: [...LEAD_TABLES, ...OPPORTUNITY_TABLES],
  truncates: ['analytics_leads', ...OPPORTUNITY_TABLE_NAMES],
  on: { ...LEAD_HANDLERS, ...OPPORTUNITY_HANDLERS },
});

export const analyticsProjection: Projection = {
  ...oneByOne,
  eventTypes: [...oneByOne.eventTypes, ...BULK_HANDLERS.keys()],
  // Runs of the frequent events go set-based (analytics-bulk.ts), in order with everything else.
  async handle(events, tx) {
    let run: RecordedEvent[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      await (BULK_HANDLERS.get(run[0].type) as NonNullable<ReturnType<typeof BULK_HANDLERS.get>>)(run, tx);
      run = [];
    };
    for (const event of events) {
      if (BULK_HANDLERS.has(event.type)) {
        if (run.length > 0 && run[0].type !== event.type) await flush();
        run.push(event);
        continue;
      }
      await flush();
      await oneByOne.handle([event], tx);
    }
    await flush();
  },
};

/** Every table made for analysts: what their SQL role may read, and nothing else of the read schema. */
export const ANALYST_TABLES: readonly string[] = [
  'analytics_leads',
  ...OPPORTUNITY_TABLE_NAMES,
  'analytics_forecast_snapshots',
];
