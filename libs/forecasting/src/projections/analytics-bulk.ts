import { eventTypeOf, type LeadCapturedData, type LeadScoredData } from '@leadledger/contracts';
import { metaOf, type RecordedEvent } from '@leadledger/eventsourcing';
import type { SqlExecutor } from '@leadledger/eventstore';

/*
 * The events that come by the thousand (a batch of leads, their scores, their engagement) written
 * set-based: one statement for a run of them instead of one per event. The rest of the analytics
 * handlers stay one event at a time; they are rare, and clearer so.
 */

type BulkHandler = (events: readonly RecordedEvent[], tx: SqlExecutor) => Promise<void>;

const captured: BulkHandler = async (events, tx) => {
  const rows = events.map((event) => {
    const data = event.data as LeadCapturedData;
    return {
      lead_id: data.leadId,
      source: data.source,
      source_detail: data.sourceDetail ?? null,
      utm_source: data.utm?.source ?? null,
      utm_medium: data.utm?.medium ?? null,
      utm_campaign: data.utm?.campaign ?? null,
      captured_at: metaOf(event).occurredAt,
      company_name: data.company?.name ?? null,
      company_size: data.company?.size ?? null,
      industry: data.company?.industry ?? null,
      country: data.company?.country ?? null,
    };
  });
  await tx.query(
    `INSERT INTO analytics_leads (lead_id, source, source_detail, utm_source, utm_medium, utm_campaign,
                                  cohort_month, captured_at, company_name, company_size, industry, country,
                                  current_stage, highest_stage)
     SELECT lead_id, source, source_detail, utm_source, utm_medium, utm_campaign,
            to_char(captured_at AT TIME ZONE 'UTC', 'YYYY-MM'), captured_at, company_name, company_size, industry,
            country, 'lead', 'lead'
       FROM jsonb_to_recordset($1::jsonb) AS given(lead_id uuid, source text, source_detail text, utm_source text,
            utm_medium text, utm_campaign text, captured_at timestamptz, company_name text, company_size integer,
            industry text, country text)
     ON CONFLICT (lead_id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
};

const scored: BulkHandler = async (events, tx) => {
  // The last score of each lead in the run: an UPDATE ... FROM would pick any of several.
  const latest = new Map<string, LeadScoredData>();
  for (const event of events) {
    const data = event.data as LeadScoredData;
    latest.set(data.leadId, data);
  }
  const rows = [...latest.values()].map(({ leadId, fit, engagement, total }) => ({
    lead_id: leadId,
    fit,
    engagement,
    score: total,
  }));
  await tx.query(
    `UPDATE analytics_leads SET fit = given.fit, engagement = given.engagement, score = given.score
       FROM jsonb_to_recordset($1::jsonb) AS given(lead_id uuid, fit integer, engagement integer, score integer)
      WHERE analytics_leads.lead_id = given.lead_id`,
    [JSON.stringify(rows)],
  );
};

const engaged: BulkHandler = async (events, tx) => {
  const counts = new Map<string, number>();
  for (const event of events) {
    const leadId = (event.data as { leadId: string }).leadId;
    counts.set(leadId, (counts.get(leadId) ?? 0) + 1);
  }
  const rows = [...counts].map(([lead_id, engagements]) => ({ lead_id, engagements }));
  await tx.query(
    `UPDATE analytics_leads SET engagements = analytics_leads.engagements + given.engagements
       FROM jsonb_to_recordset($1::jsonb) AS given(lead_id uuid, engagements integer)
      WHERE analytics_leads.lead_id = given.lead_id`,
    [JSON.stringify(rows)],
  );
};

export const BULK_HANDLERS: ReadonlyMap<string, BulkHandler> = new Map([
  [eventTypeOf('LeadCaptured'), captured],
  [eventTypeOf('LeadScored'), scored],
  [eventTypeOf('LeadEngagementRecorded'), engaged],
]);
