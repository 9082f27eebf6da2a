import { metaOf } from '@leadledger/eventsourcing';
import type { EventHandlers } from '@leadledger/projections';

/** The funnel's stages in order; `highest_stage` never goes back, `current_stage` does. */
export const FUNNEL_STAGES = ['lead', 'mql', 'sql', 'opportunity', 'won'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

const RANK = `array_position(ARRAY['lead','mql','sql','opportunity','won']::text[], $2)`;

/** Moves `current_stage`, and `highest_stage` only forward. */
const reach = (milestone: string) => `
  UPDATE analytics_leads
     SET ${milestone} = coalesce(${milestone}, $3::timestamptz),
         current_stage = $2,
         highest_stage = CASE WHEN ${RANK} > array_position(ARRAY['lead','mql','sql','opportunity','won']::text[], highest_stage)
                              THEN $2 ELSE highest_stage END
   WHERE lead_id = $1`;

/**
 * One row per lead for analysts: where it came from, when it reached each milestone (the first time),
 * where it stands, who owns it, and its score; no contact data. `company_name` is the one identifying
 * field, cleared by `LeadErased` (with `erased_at` set), which keeps the row and so every count.
 * Times are business times (`occurredAt`), so imported history lands in the right cohort.
 */
export const LEAD_TABLES = [
  `CREATE TABLE IF NOT EXISTS analytics_leads (
       lead_id            uuid        PRIMARY KEY,
       source             text        NOT NULL,
       source_detail      text,
       utm_source         text,
       utm_medium         text,
       utm_campaign       text,
       cohort_month       text        NOT NULL,
       captured_at        timestamptz NOT NULL,
       company_name       text,
       company_size       integer,
       industry           text,
       country            text,
       current_stage      text        NOT NULL,
       highest_stage      text        NOT NULL,
       mql_at             timestamptz,
       first_assigned_at  timestamptz,
       answered_at        timestamptz,
       sql_at             timestamptz,
       qualified_at       timestamptz,
       opportunity_at     timestamptz,
       won_at             timestamptz,
       disqualified_at    timestamptz,
       rejections         integer     NOT NULL DEFAULT 0,
       recycles           integer     NOT NULL DEFAULT 0,
       sla_breaches       integer     NOT NULL DEFAULT 0,
       owner              text,
       team               text,
       opportunity_id     uuid,
       fit                integer,
       engagement         integer,
       score              integer,
       engagements        integer     NOT NULL DEFAULT 0,
       erased_at          timestamptz
     )`,
  'CREATE INDEX IF NOT EXISTS analytics_leads_cohort ON analytics_leads (cohort_month, source)',
  'CREATE INDEX IF NOT EXISTS analytics_leads_opportunity ON analytics_leads (opportunity_id)',
];

export const LEAD_HANDLERS: EventHandlers = {
  LeadDetailsUpdated: async (data, _event, tx) => {
    const changed = new Set(data.changedFields);
    const set = (field: string, column: string, value: unknown) =>
      changed.has(field as never)
        ? tx.query(`UPDATE analytics_leads SET ${column} = $2 WHERE lead_id = $1 AND erased_at IS NULL`, [
            data.leadId,
            value ?? null,
          ])
        : undefined;
    await set('company.name', 'company_name', data.company?.name);
    await set('company.size', 'company_size', data.company?.size);
    await set('company.industry', 'industry', data.company?.industry);
    await set('company.country', 'country', data.company?.country);
  },
  LeadMarketingQualified: (data, event, tx) =>
    tx.query(reach('mql_at'), [data.leadId, 'mql', metaOf(event).occurredAt]),
  LeadDisqualified: (data, event, tx) =>
    tx.query(
      `UPDATE analytics_leads SET disqualified_at = coalesce(disqualified_at, $2), current_stage = 'disqualified'
          WHERE lead_id = $1`,
      [data.leadId, metaOf(event).occurredAt],
    ),
  LeadAssignedToSales: (data, event, tx) =>
    tx.query(
      `UPDATE analytics_leads SET first_assigned_at = coalesce(first_assigned_at, $2), owner = $3, team = $4
          WHERE lead_id = $1`,
      [data.leadId, metaOf(event).occurredAt, data.owner, data.team],
    ),
  LeadReassigned: (data, _event, tx) =>
    tx.query('UPDATE analytics_leads SET owner = $2, team = $3 WHERE lead_id = $1', [
      data.leadId,
      data.to,
      data.team,
    ]),
  LeadHandoffSlaBreached: (data, _event, tx) =>
    tx.query('UPDATE analytics_leads SET sla_breaches = sla_breaches + 1 WHERE lead_id = $1', [data.leadId]),
  LeadAcceptedBySales: async (data, event, tx) => {
    const at = metaOf(event).occurredAt;
    await tx.query('UPDATE analytics_leads SET answered_at = coalesce(answered_at, $2) WHERE lead_id = $1', [
      data.leadId,
      at,
    ]);
    await tx.query(reach('sql_at'), [data.leadId, 'sql', at]);
  },
  LeadRejectedBySales: (data, event, tx) =>
    tx.query(
      `UPDATE analytics_leads SET answered_at = coalesce(answered_at, $2), rejections = rejections + 1,
                current_stage = 'rejected'
          WHERE lead_id = $1`,
      [data.leadId, metaOf(event).occurredAt],
    ),
  LeadRecycled: (data, _event, tx) =>
    tx.query(
      `UPDATE analytics_leads SET recycles = recycles + 1, current_stage = 'recycled' WHERE lead_id = $1`,
      [data.leadId],
    ),
  LeadQualified: (data, event, tx) =>
    tx.query('UPDATE analytics_leads SET qualified_at = coalesce(qualified_at, $2) WHERE lead_id = $1', [
      data.leadId,
      metaOf(event).occurredAt,
    ]),
  LeadConvertedToOpportunity: async (data, event, tx) => {
    await tx.query('UPDATE analytics_leads SET opportunity_id = $2 WHERE lead_id = $1', [
      data.leadId,
      data.opportunityId,
    ]);
    await tx.query(reach('opportunity_at'), [data.leadId, 'opportunity', metaOf(event).occurredAt]);
  },
  LeadErased: async (data, event, tx) => {
    await tx.query(
      `UPDATE analytics_leads SET company_name = NULL, erased_at = coalesce(erased_at, $2) WHERE lead_id = $1`,
      [data.leadId, metaOf(event).occurredAt],
    );
    await tx.query('UPDATE analytics_opportunities SET name = NULL, account = NULL WHERE lead_id = $1', [
      data.leadId,
    ]);
  },
};
