import type { ForecastCategory } from '@leadledger/contracts';
import { timestampOf, type SqlExecutor } from '@leadledger/eventstore';
import type { ForecastLine } from '../domain/forecast';
import type { Period } from '../domain/periods';

/*
 * What the query API reads from the analytics tables: rows, never aggregates computed in two places.
 * Aggregation is pure (domain/), so each figure is specified by hand-computed numbers.
 */

/** Open opportunities expected to close in the period, and those won in it. */
export async function forecastLines(
  db: SqlExecutor,
  schema: string,
  period: Period,
): Promise<ForecastLine[]> {
  const rows = await db.query<{
    status: 'open' | 'won';
    owner: string;
    pipeline: string;
    stage: string;
    forecast_category: ForecastCategory;
    probability: number;
    amount_minor: string | null;
    currency: string | null;
  }>(
    `SELECT status, owner, pipeline, stage, forecast_category, probability, amount_minor::text AS amount_minor, currency
       FROM "${schema}".analytics_opportunities
      WHERE (status = 'open' AND expected_close_date >= $1::date AND expected_close_date < $2::date)
         OR (status = 'won' AND closed_on >= $1::date AND closed_on < $2::date)`,
    [period.from, period.until],
  );
  return rows.map((row) => ({
    status: row.status,
    owner: row.owner,
    pipeline: row.pipeline,
    stage: row.stage,
    category: row.forecast_category,
    probability: Number(row.probability),
    ...(row.amount_minor !== null && row.currency !== null
      ? { amountMinor: Number(row.amount_minor), currency: row.currency }
      : {}),
  }));
}

/** An opportunity's version in force at some instant. */
export interface OpportunityVersion {
  readonly opportunityId: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly owner: string;
  readonly team?: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly probability: number;
  readonly forecastCategory: ForecastCategory;
  readonly amountMinor?: number;
  readonly currency?: string;
  readonly expectedCloseDate: string;
}

/** Every opportunity as it stood at `instant` (those opened later are absent). */
export async function versionsAt(
  db: SqlExecutor,
  schema: string,
  instant: Date,
): Promise<Map<string, OpportunityVersion>> {
  const rows = await db.query<{
    opportunity_id: string;
    status: 'open' | 'won' | 'lost';
    owner: string;
    team: string | null;
    pipeline: string;
    stage: string;
    probability: number;
    forecast_category: ForecastCategory;
    amount_minor: string | null;
    currency: string | null;
    expected_close_date: string;
  }>(
    `SELECT opportunity_id::text AS opportunity_id, status, owner, team, pipeline, stage, probability, forecast_category,
            amount_minor::text AS amount_minor, currency, expected_close_date::text AS expected_close_date
       FROM "${schema}".analytics_opportunity_history
      WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
      ORDER BY opportunity_id`,
    [instant.toISOString()],
  );
  return new Map(
    rows.map((row) => [
      row.opportunity_id,
      {
        opportunityId: row.opportunity_id,
        status: row.status,
        owner: row.owner,
        ...(row.team !== null ? { team: row.team } : {}),
        pipeline: row.pipeline,
        stage: row.stage,
        probability: Number(row.probability),
        forecastCategory: row.forecast_category,
        ...(row.amount_minor !== null && row.currency !== null
          ? { amountMinor: Number(row.amount_minor), currency: row.currency }
          : {}),
        expectedCloseDate: row.expected_close_date,
      },
    ]),
  );
}

/** Opportunities opened in (from, to]: what entered the pipeline. */
export async function openedBetween(
  db: SqlExecutor,
  schema: string,
  from: Date,
  to: Date,
): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>(
    `SELECT opportunity_id::text AS id FROM "${schema}".analytics_opportunities WHERE opened_at > $1 AND opened_at <= $2`,
    [from.toISOString(), to.toISOString()],
  );
  return new Set(rows.map(({ id }) => id));
}

export interface FunnelLead {
  readonly source: string;
  readonly sourceDetail?: string;
  readonly cohortMonth: string;
  readonly mql: boolean;
  readonly sql: boolean;
  readonly opportunity: boolean;
  readonly won: boolean;
}

/** Leads captured in [from, to), with the milestones each reached. */
export async function funnelLeads(
  db: SqlExecutor,
  schema: string,
  from: Date,
  to: Date,
): Promise<FunnelLead[]> {
  const rows = await db.query<{
    source: string;
    source_detail: string | null;
    cohort_month: string;
    mql: boolean;
    sql: boolean;
    opportunity: boolean;
    won: boolean;
  }>(
    `SELECT source, source_detail, cohort_month, mql_at IS NOT NULL AS mql, sql_at IS NOT NULL AS sql,
            opportunity_at IS NOT NULL AS opportunity, won_at IS NOT NULL AS won
       FROM "${schema}".analytics_leads WHERE captured_at >= $1 AND captured_at < $2`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((row) => ({
    source: row.source,
    ...(row.source_detail !== null ? { sourceDetail: row.source_detail } : {}),
    cohortMonth: row.cohort_month,
    mql: row.mql,
    sql: row.sql,
    opportunity: row.opportunity,
    won: row.won,
  }));
}

export interface StageVisit {
  readonly opportunityId: string;
  readonly owner: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly enteredAt: Date;
  readonly leftAt?: Date;
  readonly leftTo?: string;
  readonly status: 'open' | 'won' | 'lost';
}

export async function stageVisits(db: SqlExecutor, schema: string): Promise<StageVisit[]> {
  const rows = await db.query<{
    opportunity_id: string;
    owner: string;
    pipeline: string;
    stage: string;
    entered_at: Date | string;
    left_at: Date | string | null;
    left_to: string | null;
    status: 'open' | 'won' | 'lost';
  }>(
    `SELECT v.opportunity_id::text AS opportunity_id, o.owner, v.pipeline, v.stage, v.entered_at, v.left_at, v.left_to, o.status
       FROM "${schema}".analytics_stage_visits v
       JOIN "${schema}".analytics_opportunities o USING (opportunity_id)
      ORDER BY v.opportunity_id, v.visit`,
  );
  return rows.map((row) => ({
    opportunityId: row.opportunity_id,
    owner: row.owner,
    pipeline: row.pipeline,
    stage: row.stage,
    enteredAt: timestampOf(row.entered_at),
    ...(row.left_at !== null ? { leftAt: timestampOf(row.left_at) } : {}),
    ...(row.left_to !== null ? { leftTo: row.left_to } : {}),
    status: row.status,
  }));
}

export interface ClosedOpportunity {
  readonly opportunityId: string;
  readonly status: 'won' | 'lost';
  readonly owner: string;
  readonly pipeline: string;
  /** The lead's source; `crm_import` for one opened by an import with no lead of ours. */
  readonly source: string;
  readonly openedAt: Date;
  readonly closedAt: Date;
  readonly lossReason?: string;
  readonly competitor?: string;
  readonly amountMinor?: number;
  readonly currency?: string;
}

export async function closedOpportunities(db: SqlExecutor, schema: string): Promise<ClosedOpportunity[]> {
  const rows = await db.query<{
    opportunity_id: string;
    status: 'won' | 'lost';
    owner: string;
    pipeline: string;
    source: string | null;
    opened_at: Date | string;
    closed_at: Date | string;
    loss_reason: string | null;
    competitor: string | null;
    amount_minor: string | null;
    currency: string | null;
  }>(
    `SELECT o.opportunity_id::text AS opportunity_id, o.status, o.owner, o.pipeline, l.source, o.opened_at, o.closed_at,
            o.loss_reason, o.competitor, o.amount_minor::text AS amount_minor, o.currency
       FROM "${schema}".analytics_opportunities o
       LEFT JOIN "${schema}".analytics_leads l ON l.lead_id = o.lead_id
      WHERE o.status IN ('won', 'lost')
      ORDER BY o.opportunity_id`,
  );
  return rows.map((row) => ({
    opportunityId: row.opportunity_id,
    status: row.status,
    owner: row.owner,
    pipeline: row.pipeline,
    source: row.source ?? 'crm_import',
    openedAt: timestampOf(row.opened_at),
    closedAt: timestampOf(row.closed_at),
    ...(row.loss_reason !== null ? { lossReason: row.loss_reason } : {}),
    ...(row.competitor !== null ? { competitor: row.competitor } : {}),
    ...(row.amount_minor !== null && row.currency !== null
      ? { amountMinor: Number(row.amount_minor), currency: row.currency }
      : {}),
  }));
}

export interface SlippingOpportunity {
  readonly opportunityId: string;
  readonly owner: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly pushes: number;
  readonly daysSlipped: number;
  readonly expectedCloseDate: string;
}

export async function slippage(db: SqlExecutor, schema: string): Promise<SlippingOpportunity[]> {
  const rows = await db.query<{
    opportunity_id: string;
    owner: string;
    status: 'open' | 'won' | 'lost';
    close_date_pushes: number;
    days_slipped: number;
    expected_close_date: string;
  }>(
    `SELECT opportunity_id::text AS opportunity_id, owner, status, close_date_pushes, days_slipped,
            expected_close_date::text AS expected_close_date
       FROM "${schema}".analytics_opportunities ORDER BY opportunity_id`,
  );
  return rows.map((row) => ({
    opportunityId: row.opportunity_id,
    owner: row.owner,
    status: row.status,
    pushes: Number(row.close_date_pushes),
    daysSlipped: Number(row.days_slipped),
    expectedCloseDate: row.expected_close_date,
  }));
}

export interface Handoff {
  readonly team?: string;
  readonly mqlAt: Date;
  readonly firstAssignedAt?: Date;
  readonly answeredAt?: Date;
  readonly slaBreaches: number;
}

export async function handoffs(db: SqlExecutor, schema: string): Promise<Handoff[]> {
  const rows = await db.query<{
    team: string | null;
    mql_at: Date | string;
    first_assigned_at: Date | string | null;
    answered_at: Date | string | null;
    sla_breaches: number;
  }>(
    `SELECT team, mql_at, first_assigned_at, answered_at, sla_breaches
       FROM "${schema}".analytics_leads WHERE mql_at IS NOT NULL ORDER BY lead_id`,
  );
  return rows.map((row) => ({
    ...(row.team !== null ? { team: row.team } : {}),
    mqlAt: timestampOf(row.mql_at),
    ...(row.first_assigned_at !== null ? { firstAssignedAt: timestampOf(row.first_assigned_at) } : {}),
    ...(row.answered_at !== null ? { answeredAt: timestampOf(row.answered_at) } : {}),
    slaBreaches: Number(row.sla_breaches),
  }));
}
