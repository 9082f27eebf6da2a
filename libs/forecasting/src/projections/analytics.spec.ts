import { describe, it } from '@jest/globals';
import { ProjectionSpecification } from '@leadledger/projections/testing';
import { analyticsProjection } from './analytics';

const leadId = '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01';
const opportunityId = '0b6a4d1e-2f0c-4b8e-9a57-6c1d2e3f4a05';
const at = (occurredAt: string) => ({ metadata: { occurredAt } });
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

const captured = {
  type: 'LeadCaptured',
  data: {
    leadId,
    source: 'web_form',
    sourceDetail: 'contact-us',
    utm: { source: 'google', medium: 'cpc', campaign: 'q4' },
    contact: { email: 'ana@kunde.example', firstName: 'Ana' },
    company: { name: 'Kunde GmbH', size: 250, industry: 'software', country: 'DE' },
  },
  ...at('2026-10-05T09:00:00Z'),
};
const converted = [
  {
    type: 'LeadScored',
    data: { leadId, fit: 40, engagement: 30, total: 70, breakdown: [], modelVersion: 'm1' },
  },
  {
    type: 'LeadMarketingQualified',
    data: { leadId, fit: 40, engagement: 30, modelVersion: 'm1' },
    ...at('2026-10-06T10:00:00Z'),
  },
  {
    type: 'LeadAssignedToSales',
    data: { leadId, owner: 'ana@acme.example', team: 'dach-enterprise', slaDueAt: '2026-10-06T16:00:00Z' },
    ...at('2026-10-06T12:00:00Z'),
  },
  {
    type: 'LeadHandoffSlaBreached',
    data: { leadId, owner: 'ana@acme.example', team: 'dach-enterprise', slaDueAt: '2026-10-06T16:00:00Z' },
    ...at('2026-10-06T16:00:00Z'),
  },
  { type: 'LeadAcceptedBySales', data: { leadId, owner: 'ana@acme.example' }, ...at('2026-10-07T09:00:00Z') },
  {
    type: 'LeadQualified',
    data: { leadId, framework: 'bant', criteriaMet: ['budget', 'authority', 'need'] },
    ...at('2026-10-08T09:00:00Z'),
  },
  {
    type: 'LeadConvertedToOpportunity',
    data: {
      leadId,
      opportunityId,
      owner: 'ana@acme.example',
      team: 'dach-enterprise',
      framework: 'bant',
      evidence: [],
    },
    ...at('2026-10-08T10:00:00Z'),
  },
];
const opened = {
  type: 'OpportunityOpened',
  data: {
    opportunityId,
    leadId,
    name: 'Kunde GmbH - New business',
    account: 'Kunde GmbH',
    owner: 'ana@acme.example',
    team: 'dach-enterprise',
    pipeline: 'new-business',
    stage: 'discovery',
    probability: 10,
    amount: eur(10_000_000),
    expectedCloseDate: '2026-12-15',
    forecastCategory: 'pipeline',
  },
  ...at('2026-10-08T10:00:00Z'),
};
const worked = [
  {
    type: 'OpportunityStageChanged',
    data: {
      opportunityId,
      from: 'discovery',
      to: 'proposal',
      probability: 50,
      forecastCategory: 'best_case',
    },
    ...at('2026-10-20T10:00:00Z'),
  },
  {
    type: 'OpportunityCloseDateChanged',
    data: { opportunityId, from: '2026-12-15', to: '2027-01-10' },
    ...at('2026-11-01T10:00:00Z'),
  },
  {
    type: 'OpportunityWon',
    data: { opportunityId, amount: eur(9_500_000), closedOn: '2026-11-20' },
    ...at('2026-11-20T15:00:00Z'),
  },
];
const erased = {
  type: 'LeadErased',
  data: { leadId, reason: 'gdpr request' },
  ...at('2026-11-25T08:00:00Z'),
};

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS ${column}`;

describe('the analytics read models', () => {
  it("keep a lead's source, cohort, milestones, owner and score, and reach won with its opportunity", async () => {
    await ProjectionSpecification.for(analyticsProjection)
      .given(
        captured,
        {
          type: 'LeadEngagementRecorded',
          data: { leadId, activity: 'webinar_attended', engagementId: 'w-1' },
        },
        { type: 'LeadEngagementRecorded', data: { leadId, activity: 'demo_requested', engagementId: 'd-1' } },
        ...converted,
        {
          type: 'LeadScored',
          data: { leadId, fit: 40, engagement: 35, total: 75, breakdown: [], modelVersion: 'm1' },
        },
        opened,
        ...worked,
      )
      .thenRows(
        `SELECT engagements, source, source_detail, utm_campaign, cohort_month, company_name, country, current_stage, highest_stage,
                ${utc('mql_at')}, ${utc('first_assigned_at')}, ${utc('answered_at')}, ${utc('sql_at')},
                ${utc('opportunity_at')}, ${utc('won_at')}, sla_breaches, owner, score, opportunity_id::text AS opportunity_id
           FROM analytics_leads`,
        [
          {
            engagements: 2,
            source: 'web_form',
            source_detail: 'contact-us',
            utm_campaign: 'q4',
            cohort_month: '2026-10',
            company_name: 'Kunde GmbH',
            country: 'DE',
            current_stage: 'won',
            highest_stage: 'won',
            mql_at: '2026-10-06T10:00',
            first_assigned_at: '2026-10-06T12:00',
            answered_at: '2026-10-07T09:00',
            sql_at: '2026-10-07T09:00',
            opportunity_at: '2026-10-08T10:00',
            won_at: '2026-11-20T15:00',
            sla_breaches: 1,
            owner: 'ana@acme.example',
            score: 75,
            opportunity_id: opportunityId,
          },
        ],
      );
  });

  it("keep every version of an opportunity with the range it was in force, so any instant's pipeline can be read", async () => {
    await ProjectionSpecification.for(analyticsProjection)
      .given(captured, ...converted, opened, ...worked)
      .thenRows(
        `SELECT revision::int AS revision, ${utc('valid_from')}, ${utc('valid_to')}, status, stage, probability,
                forecast_category, amount_minor::text AS amount, expected_close_date::text AS close
           FROM analytics_opportunity_history ORDER BY revision`,
        [
          {
            revision: 0,
            valid_from: '2026-10-08T10:00',
            valid_to: '2026-10-20T10:00',
            status: 'open',
            stage: 'discovery',
            probability: 10,
            forecast_category: 'pipeline',
            amount: '10000000',
            close: '2026-12-15',
          },
          {
            revision: 1,
            valid_from: '2026-10-20T10:00',
            valid_to: '2026-11-01T10:00',
            status: 'open',
            stage: 'proposal',
            probability: 50,
            forecast_category: 'best_case',
            amount: '10000000',
            close: '2026-12-15',
          },
          {
            revision: 2,
            valid_from: '2026-11-01T10:00',
            valid_to: '2026-11-20T15:00',
            status: 'open',
            stage: 'proposal',
            probability: 50,
            forecast_category: 'best_case',
            amount: '10000000',
            close: '2027-01-10',
          },
          {
            revision: 3,
            valid_from: '2026-11-20T15:00',
            valid_to: null,
            status: 'won',
            stage: 'proposal',
            probability: 100,
            forecast_category: 'closed',
            amount: '9500000',
            close: '2027-01-10',
          },
        ],
      );
  });

  it('keep stage visits, close-date pushes and the current opportunity', async () => {
    const spec = ProjectionSpecification.for(analyticsProjection).given(
      captured,
      ...converted,
      opened,
      ...worked,
    );
    await spec.thenRows(
      `SELECT visit, stage, ${utc('entered_at')}, ${utc('left_at')}, left_to FROM analytics_stage_visits ORDER BY visit`,
      [
        {
          visit: 1,
          stage: 'discovery',
          entered_at: '2026-10-08T10:00',
          left_at: '2026-10-20T10:00',
          left_to: 'proposal',
        },
        {
          visit: 2,
          stage: 'proposal',
          entered_at: '2026-10-20T10:00',
          left_at: '2026-11-20T15:00',
          left_to: 'won',
        },
      ],
    );
    await spec.thenRows(
      'SELECT from_date::text AS from_date, to_date::text AS to_date, days FROM analytics_close_date_changes',
      [{ from_date: '2026-12-15', to_date: '2027-01-10', days: 26 }],
    );
    await spec.thenRows(
      `SELECT status, amount_minor::text AS amount, closed_on::text AS closed_on, close_date_pushes, days_slipped, name
         FROM analytics_opportunities`,
      [
        {
          status: 'won',
          amount: '9500000',
          closed_on: '2026-11-20',
          close_date_pushes: 1,
          days_slipped: 26,
          name: 'Kunde GmbH - New business',
        },
      ],
    );
  });

  it("count a deal imported from a CRM that names the lead, and its win, in that lead's funnel", async () => {
    const imported = { ...opened, data: { ...opened.data }, ...at('2026-10-10T09:00:00Z') };
    await ProjectionSpecification.for(analyticsProjection)
      .given(captured, imported, {
        type: 'OpportunityWon',
        data: { opportunityId, amount: eur(9_000_000), closedOn: '2026-10-30' },
        ...at('2026-10-30T12:00:00Z'),
      })
      .thenRows(
        `SELECT opportunity_id::text AS opportunity_id, ${utc('opportunity_at')}, ${utc('won_at')}, current_stage,
                highest_stage, mql_at
           FROM analytics_leads`,
        [
          {
            opportunity_id: opportunityId,
            opportunity_at: '2026-10-10T09:00',
            won_at: '2026-10-30T12:00',
            current_stage: 'won',
            highest_stage: 'won',
            mql_at: null,
          },
        ],
      );
  });

  it('take a reopened win out of the funnel again', async () => {
    await ProjectionSpecification.for(analyticsProjection)
      .given(captured, ...converted, opened, ...worked, {
        type: 'OpportunityReopened',
        data: {
          opportunityId,
          stage: 'negotiation',
          probability: 80,
          forecastCategory: 'commit',
          reason: 'contract not signed',
        },
        ...at('2026-11-22T09:00:00Z'),
      })
      .thenRows(
        `SELECT l.current_stage, l.highest_stage, l.won_at, o.status, o.stage, o.reopens
           FROM analytics_leads l JOIN analytics_opportunities o USING (opportunity_id)`,
        [
          {
            current_stage: 'opportunity',
            highest_stage: 'opportunity',
            won_at: null,
            status: 'open',
            stage: 'negotiation',
            reopens: 1,
          },
        ],
      );
  });

  it("drop an erased lead's identifying fields everywhere and keep its counts, also for an opportunity opened after", async () => {
    const spec = ProjectionSpecification.for(analyticsProjection).given(
      captured,
      ...converted,
      erased,
      opened,
    );
    await spec.thenRows(
      `SELECT company_name, ${utc('erased_at')}, highest_stage, sla_breaches FROM analytics_leads`,
      [{ company_name: null, erased_at: '2026-11-25T08:00', highest_stage: 'opportunity', sla_breaches: 1 }],
    );
    await spec.thenRows('SELECT name, account, owner FROM analytics_opportunities', [
      { name: null, account: null, owner: 'ana@acme.example' },
    ]);
    await ProjectionSpecification.for(analyticsProjection)
      .given(captured, ...converted, opened, erased)
      .thenRows('SELECT name, account FROM analytics_opportunities', [{ name: null, account: null }]);
  });
});
