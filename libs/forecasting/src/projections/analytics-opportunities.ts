import type { EventHandlers } from '@leadledger/projections';
import type { SqlExecutor } from '@leadledger/eventstore';
import { metaOf, type RecordedEvent } from '@leadledger/eventsourcing';

// A lead erased before its opportunity opened: the opportunity keeps no name or account either.
const ERASED = 'EXISTS (SELECT 1 FROM analytics_leads WHERE lead_id = $2 AND erased_at IS NOT NULL)';

export const OPPORTUNITY_TABLES = [
  `CREATE TABLE IF NOT EXISTS analytics_opportunities (
     opportunity_id       uuid        PRIMARY KEY,
     lead_id              uuid,
     name                 text,
     account              text,
     owner                text        NOT NULL,
     team                 text,
     pipeline             text        NOT NULL,
     stage                text        NOT NULL,
     probability          integer     NOT NULL,
     forecast_category    text        NOT NULL,
     category_override    boolean     NOT NULL DEFAULT false,
     amount_minor         bigint,
     currency             text,
     expected_close_date  date        NOT NULL,
     status               text        NOT NULL,
     opened_at            timestamptz NOT NULL,
     stage_entered_at     timestamptz NOT NULL,
     closed_at            timestamptz,
     closed_on            date,
     loss_reason          text,
     competitor           text,
     close_date_pushes    integer     NOT NULL DEFAULT 0,
     days_slipped         integer     NOT NULL DEFAULT 0,
     reopens              integer     NOT NULL DEFAULT 0
   )`,
  'CREATE INDEX IF NOT EXISTS analytics_opportunities_close ON analytics_opportunities (status, expected_close_date)',
  'CREATE INDEX IF NOT EXISTS analytics_opportunities_lead ON analytics_opportunities (lead_id)',
  // One row per version of what the forecast reads; [valid_from, valid_to) with valid_to NULL for the
  // current one, so any instant's pipeline is a range lookup.
  `CREATE TABLE IF NOT EXISTS analytics_opportunity_history (
     opportunity_id       uuid        NOT NULL,
     revision             bigint      NOT NULL,
     valid_from           timestamptz NOT NULL,
     valid_to             timestamptz,
     status               text        NOT NULL,
     owner                text        NOT NULL,
     team                 text,
     pipeline             text        NOT NULL,
     stage                text        NOT NULL,
     probability          integer     NOT NULL,
     forecast_category    text        NOT NULL,
     amount_minor         bigint,
     currency             text,
     expected_close_date  date        NOT NULL,
     PRIMARY KEY (opportunity_id, revision)
   )`,
  'CREATE INDEX IF NOT EXISTS analytics_opportunity_history_range ON analytics_opportunity_history (valid_from, valid_to)',
  `CREATE TABLE IF NOT EXISTS analytics_stage_visits (
     opportunity_id  uuid        NOT NULL,
     visit           integer     NOT NULL,
     pipeline        text        NOT NULL,
     stage           text        NOT NULL,
     entered_at      timestamptz NOT NULL,
     left_at         timestamptz,
     left_to         text,
     PRIMARY KEY (opportunity_id, visit)
   )`,
  `CREATE TABLE IF NOT EXISTS analytics_close_date_changes (
     opportunity_id  uuid        NOT NULL,
     revision        bigint      NOT NULL,
     changed_at      timestamptz NOT NULL,
     from_date       date        NOT NULL,
     to_date         date        NOT NULL,
     days            integer     NOT NULL,
     PRIMARY KEY (opportunity_id, revision)
   )`,
];

export const OPPORTUNITY_TABLE_NAMES = [
  'analytics_opportunities',
  'analytics_opportunity_history',
  'analytics_stage_visits',
  'analytics_close_date_changes',
];

/**
 * Copies the opportunity's current row into the history as the version valid from the event's time,
 * ending the previous version there. Business times of one stream may step back (an import's past
 * history after a live event): a version never starts before the one it follows.
 */
async function recordVersion(tx: SqlExecutor, opportunityId: string, event: RecordedEvent): Promise<void> {
  // One statement: the sub-statements share a snapshot, so the UPDATE ends only the versions that
  // were there before and never the row the INSERT adds.
  await tx.query(
    `WITH since AS (
       SELECT greatest($3::timestamptz, coalesce(max(valid_from), $3::timestamptz)) AS at
         FROM analytics_opportunity_history WHERE opportunity_id = $1
     ), ended AS (
       UPDATE analytics_opportunity_history SET valid_to = (SELECT at FROM since)
        WHERE opportunity_id = $1 AND valid_to IS NULL
     )
     INSERT INTO analytics_opportunity_history
       (opportunity_id, revision, valid_from, valid_to, status, owner, team, pipeline, stage, probability,
        forecast_category, amount_minor, currency, expected_close_date)
     SELECT opportunity_id, $2, (SELECT at FROM since), NULL, status, owner, team, pipeline, stage, probability,
            forecast_category, amount_minor, currency, expected_close_date
       FROM analytics_opportunities WHERE opportunity_id = $1`,
    [opportunityId, event.revision.toString(), metaOf(event).occurredAt],
  );
}

/** Ends the open stage visit (`left_to`: the stage it went to, or `won` / `lost`) and starts the next. */
async function leaveStage(
  tx: SqlExecutor,
  opportunityId: string,
  event: RecordedEvent,
  leftTo: string,
  nextStage?: string,
): Promise<void> {
  const at = metaOf(event).occurredAt;
  await tx.query(
    `UPDATE analytics_stage_visits SET left_at = greatest($2::timestamptz, entered_at), left_to = $3
      WHERE opportunity_id = $1 AND left_at IS NULL`,
    [opportunityId, at, leftTo],
  );
  if (nextStage !== undefined) await enterStage(tx, opportunityId, at, nextStage);
}

async function enterStage(tx: SqlExecutor, opportunityId: string, at: string, stage: string): Promise<void> {
  await tx.query(
    `INSERT INTO analytics_stage_visits (opportunity_id, visit, pipeline, stage, entered_at)
     SELECT $1, coalesce((SELECT max(visit) FROM analytics_stage_visits WHERE opportunity_id = $1), 0) + 1,
            pipeline, $3, $2
       FROM analytics_opportunities WHERE opportunity_id = $1`,
    [opportunityId, at, stage],
  );
}

/** The lead's funnel reaches `won` with its opportunity, and leaves it again when that reopens. */
async function markLead(
  tx: SqlExecutor,
  opportunityId: string,
  outcome: 'won' | 'lost' | 'open',
  at: string,
) {
  await tx.query(
    `UPDATE analytics_leads SET
        won_at = CASE WHEN $2 = 'won' THEN $3::timestamptz ELSE NULL END,
        current_stage = CASE WHEN $2 = 'open' THEN 'opportunity' ELSE $2 END,
        highest_stage = CASE WHEN $2 = 'won' THEN 'won'
                             WHEN highest_stage = 'won' THEN 'opportunity' ELSE highest_stage END
      WHERE opportunity_id = $1`,
    [opportunityId, outcome, at],
  );
}

/**
 * Opportunities as the forecast reads them: the current row, every version of it (as-of queries),
 * each stage visit (cycle times, calibration) and each close-date change (slippage). Money stays in
 * exact minor units.
 */
export const OPPORTUNITY_HANDLERS: EventHandlers = {
  OpportunityOpened: async (data, event, tx) => {
    const at = metaOf(event).occurredAt;
    const inserted = await tx.query(
      `INSERT INTO analytics_opportunities
         (opportunity_id, lead_id, name, account, owner, team, pipeline, stage, probability, forecast_category,
          amount_minor, currency, expected_close_date, status, opened_at, stage_entered_at)
       VALUES ($1, $2, CASE WHEN ${ERASED} THEN NULL ELSE $3 END, CASE WHEN ${ERASED} THEN NULL ELSE $4 END,
               $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $14)
       ON CONFLICT (opportunity_id) DO NOTHING
       RETURNING opportunity_id`,
      [
        data.opportunityId,
        data.leadId ?? null,
        data.name,
        data.account ?? null,
        data.owner,
        data.team ?? null,
        data.pipeline,
        data.stage,
        data.probability,
        data.forecastCategory,
        data.amount?.amountMinor ?? null,
        data.amount?.currency ?? null,
        data.expectedCloseDate,
        at,
      ],
    );
    if (inserted.length === 0) return;
    await enterStage(tx, data.opportunityId, at, data.stage);
    await recordVersion(tx, data.opportunityId, event);
    // A converted lead names its opportunity already; a CRM import that names a lead links it here,
    // so the lead's funnel counts the deal and its outcome.
    if (data.leadId) {
      await tx.query(
        `UPDATE analytics_leads
            SET opportunity_id = coalesce(opportunity_id, $2), opportunity_at = coalesce(opportunity_at, $3),
                current_stage = CASE WHEN opportunity_id IS NULL THEN 'opportunity' ELSE current_stage END,
                highest_stage = CASE WHEN highest_stage IN ('lead', 'mql', 'sql') THEN 'opportunity' ELSE highest_stage END
          WHERE lead_id = $1`,
        [data.leadId, data.opportunityId, at],
      );
    }
  },
  OpportunityStageChanged: async (data, event, tx) => {
    await leaveStage(tx, data.opportunityId, event, data.to, data.to);
    await tx.query(
      `UPDATE analytics_opportunities SET stage = $2, probability = $3,
              forecast_category = coalesce($4, forecast_category), stage_entered_at = $5
        WHERE opportunity_id = $1`,
      [
        data.opportunityId,
        data.to,
        data.probability,
        data.forecastCategory ?? null,
        metaOf(event).occurredAt,
      ],
    );
    await recordVersion(tx, data.opportunityId, event);
  },
  OpportunityAmountChanged: async (data, event, tx) => {
    await tx.query(
      'UPDATE analytics_opportunities SET amount_minor = $2, currency = $3 WHERE opportunity_id = $1',
      [data.opportunityId, data.to.amountMinor, data.to.currency],
    );
    await recordVersion(tx, data.opportunityId, event);
  },
  OpportunityCloseDateChanged: async (data, event, tx) => {
    await tx.query(
      `INSERT INTO analytics_close_date_changes (opportunity_id, revision, changed_at, from_date, to_date, days)
       VALUES ($1, $2, $3, $4, $5, $5::date - $4::date) ON CONFLICT DO NOTHING`,
      [data.opportunityId, event.revision.toString(), metaOf(event).occurredAt, data.from, data.to],
    );
    await tx.query(
      `UPDATE analytics_opportunities SET expected_close_date = $3,
              close_date_pushes = close_date_pushes + CASE WHEN $3::date > $2::date THEN 1 ELSE 0 END,
              days_slipped = days_slipped + greatest($3::date - $2::date, 0)
        WHERE opportunity_id = $1`,
      [data.opportunityId, data.from, data.to],
    );
    await recordVersion(tx, data.opportunityId, event);
  },
  OpportunityForecastCategoryChanged: async (data, event, tx) => {
    await tx.query(
      'UPDATE analytics_opportunities SET forecast_category = $2, category_override = $3 WHERE opportunity_id = $1',
      [data.opportunityId, data.to, data.override ?? false],
    );
    await recordVersion(tx, data.opportunityId, event);
  },
  OpportunityOwnerChanged: async (data, event, tx) => {
    await tx.query(
      'UPDATE analytics_opportunities SET owner = $2, team = coalesce($3, team) WHERE opportunity_id = $1',
      [data.opportunityId, data.to, data.team ?? null],
    );
    await recordVersion(tx, data.opportunityId, event);
  },
  OpportunityWon: async (data, event, tx) => {
    const at = metaOf(event).occurredAt;
    await leaveStage(tx, data.opportunityId, event, 'won');
    await tx.query(
      `UPDATE analytics_opportunities SET status = 'won', probability = 100, forecast_category = 'closed',
              amount_minor = $2, currency = $3, closed_at = $4, closed_on = $5, loss_reason = NULL, competitor = NULL
        WHERE opportunity_id = $1`,
      [data.opportunityId, data.amount.amountMinor, data.amount.currency, at, data.closedOn],
    );
    await recordVersion(tx, data.opportunityId, event);
    await markLead(tx, data.opportunityId, 'won', at);
  },
  OpportunityLost: async (data, event, tx) => {
    const at = metaOf(event).occurredAt;
    await leaveStage(tx, data.opportunityId, event, 'lost');
    await tx.query(
      `UPDATE analytics_opportunities SET status = 'lost', probability = 0, forecast_category = 'omitted',
              closed_at = $2, closed_on = $3, loss_reason = $4, competitor = $5
        WHERE opportunity_id = $1`,
      [data.opportunityId, at, data.closedOn, data.reason, data.competitor ?? null],
    );
    await recordVersion(tx, data.opportunityId, event);
    await markLead(tx, data.opportunityId, 'lost', at);
  },
  OpportunityReopened: async (data, event, tx) => {
    const at = metaOf(event).occurredAt;
    await tx.query(
      `UPDATE analytics_opportunities SET status = 'open', stage = $2, probability = $3, forecast_category = $4,
              category_override = false, closed_at = NULL, closed_on = NULL, loss_reason = NULL, competitor = NULL,
              stage_entered_at = $5, reopens = reopens + 1
        WHERE opportunity_id = $1`,
      [data.opportunityId, data.stage, data.probability, data.forecastCategory, at],
    );
    await enterStage(tx, data.opportunityId, at, data.stage);
    await recordVersion(tx, data.opportunityId, event);
    await markLead(tx, data.opportunityId, 'open', at);
  },
};
