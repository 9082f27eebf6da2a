import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/*
 * The JSON answers of the forecasting routes, as OpenAPI schemas: the document says what each route
 * returns, and the OpenAPI spec of the pipeline holds real answers against them.
 */

const text: SchemaObject = { type: 'string' };
const decimal: SchemaObject = {
  type: 'string',
  pattern: '^-?\\d+(\\.\\d+)?$',
  description: 'Exact decimal in the currency',
};
const count: SchemaObject = { type: 'integer', minimum: 0 };
const number: SchemaObject = { type: 'number' };
const instant: SchemaObject = { type: 'string', format: 'date-time' };
const list = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
const object = (
  properties: Record<string, SchemaObject>,
  optional: readonly string[] = [],
): SchemaObject => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((name) => !optional.includes(name)),
});

const rate = object({ numerator: count, denominator: count, rate: number }, ['rate']);
const durations = object({ count, medianDays: number, p90Days: number }, ['medianDays', 'p90Days']);
const amounts = list(object({ currency: text, amount: decimal }));
const figures = {
  closedWon: decimal,
  commit: decimal,
  bestCase: decimal,
  pipeline: decimal,
  weighted: decimal,
  openOpportunities: count,
  wonOpportunities: count,
};
const opportunityVersion = object(
  {
    opportunityId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['open', 'won', 'lost'] },
    owner: text,
    team: text,
    pipeline: text,
    stage: text,
    probability: count,
    forecastCategory: text,
    amountMinor: count,
    currency: text,
    expectedCloseDate: { type: 'string', format: 'date' },
  },
  ['team', 'amountMinor', 'currency'],
);
const funnelGroup = object({
  key: text,
  counts: object({ leads: count, mql: count, sql: count, opportunity: count, won: count }),
  conversion: object({
    leadToMql: rate,
    mqlToSql: rate,
    sqlToOpportunity: rate,
    opportunityToWon: rate,
    leadToWon: rate,
  }),
});
const handoffSummary = {
  mqls: count,
  waitingForRep: durations,
  repTook: durations,
  unanswered: count,
  slaBreaches: count,
  leadsBreached: count,
};

export const FORECAST_SCHEMA = object({
  period: text,
  from: { type: 'string', format: 'date' },
  until: { type: 'string', format: 'date', description: 'Exclusive' },
  probabilities: { type: 'string', enum: ['configured', 'calibrated'] },
  currencies: list(
    object({ currency: text, total: object(figures), groups: list(object({ key: text, ...figures })) }, [
      'groups',
    ]),
  ),
  withoutAmount: count,
});

export const SNAPSHOTS_SCHEMA = object({
  snapshots: list(
    object({
      period: text,
      takenAt: instant,
      trigger: { type: 'string', enum: ['scheduled', 'on_demand'] },
      figures: list(object({ currency: text, ...figures })),
    }),
  ),
});

export const ACCURACY_SCHEMA = object({
  period: text,
  closed: { type: 'boolean' },
  actual: list(object({ currency: text, closedWon: decimal })),
  snapshots: list(
    object({
      snapshotId: { type: 'string', format: 'uuid' },
      takenAt: instant,
      trigger: text,
      currency: text,
      weightedForecast: decimal,
      commitForecast: decimal,
      actualClosedWon: decimal,
      weightedError: decimal,
      commitError: decimal,
    }),
  ),
});

export const PIPELINE_SCHEMA = object({
  asOf: instant,
  opportunities: list(opportunityVersion),
  totals: list(object({ currency: text, opportunities: count, amount: decimal, weighted: decimal })),
  withoutAmount: count,
});

export const PIPELINE_CHANGES_SCHEMA = object({
  from: instant,
  to: instant,
  changes: list(
    object(
      {
        opportunityId: { type: 'string', format: 'uuid' },
        kinds: list(text),
        before: opportunityVersion,
        after: opportunityVersion,
      },
      ['before'],
    ),
  ),
  totals: list(object({ kind: text, count, amounts })),
});

export const FUNNEL_SCHEMA = object(
  { from: instant, to: instant, total: funnelGroup, groups: list(funnelGroup) },
  ['groups'],
);

export const CYCLE_TIME_SCHEMA = object({
  groupBy: { type: 'string', enum: ['stage', 'owner'] },
  rows: list(
    object({ owner: text, pipeline: text, stage: text, count, medianDays: number, p90Days: number }, [
      'owner',
      'medianDays',
      'p90Days',
    ]),
  ),
});

export const WIN_RATE_SCHEMA = object(
  { total: rate, groups: list(object({ key: text, won: count, lost: count, winRate: rate })) },
  ['groups'],
);

export const LOSS_REASONS_SCHEMA = object({
  lost: count,
  reasons: list(
    object({ reason: text, count, share: rate, amounts, competitors: list(object({ name: text, count })) }),
  ),
});

export const SLIPPAGE_SCHEMA = object(
  {
    opportunities: count,
    pushed: count,
    pushes: count,
    pushesPerOpportunity: number,
    daysSlipped: durations,
    overdue: count,
    mostPushed: list(
      object({
        opportunityId: { type: 'string', format: 'uuid' },
        owner: text,
        pushes: count,
        daysSlipped: count,
      }),
    ),
  },
  ['pushesPerOpportunity'],
);

export const HANDOFF_SCHEMA = object({
  total: object(handoffSummary),
  teams: list(object({ team: text, ...handoffSummary })),
});

export const STAGE_PROBABILITIES_SCHEMA = object({
  stages: list(
    object(
      {
        pipeline: text,
        stage: text,
        configured: count,
        passedThrough: count,
        won: count,
        lost: count,
        open: count,
        observed: number,
        interval95: object({ low: number, high: number }),
        calibrated: number,
      },
      ['observed', 'interval95'],
    ),
  ),
});
