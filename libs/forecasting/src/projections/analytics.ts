import { projectionOf } from '@leadledger/projections';
import { LEAD_HANDLERS, LEAD_TABLES } from './analytics-leads';
import { OPPORTUNITY_HANDLERS, OPPORTUNITY_TABLE_NAMES, OPPORTUNITY_TABLES } from './analytics-opportunities';

/**
 * Leads and opportunities in one projection: the funnel's `won` comes from the opportunity stream and
 * an erasure from the lead stream reaches the opportunity rows, so both must apply in the store's one
 * global order, and a rebuild must redo them together.
 */
export const analyticsProjection = projectionOf({
  name: 'forecasting.analytics',
  tables: [...LEAD_TABLES, ...OPPORTUNITY_TABLES],
  truncates: ['analytics_leads', ...OPPORTUNITY_TABLE_NAMES],
  on: { ...LEAD_HANDLERS, ...OPPORTUNITY_HANDLERS },
});

/** Every table made for analysts: what their SQL role may read, and nothing else of the read schema. */
export const ANALYST_TABLES: readonly string[] = [
  'analytics_leads',
  ...OPPORTUNITY_TABLE_NAMES,
  'analytics_forecast_snapshots',
];
