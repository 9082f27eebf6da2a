import { ProjectionSpecification } from '@leadledger/projections/testing';
import { leadViewProjection } from './lead-view';

const leadId = '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01';
const captured = {
  type: 'LeadCaptured',
  data: {
    leadId,
    source: 'web_form',
    contact: { email: 'ana@acme.io', firstName: 'Ana' },
    company: { name: 'Acme', size: 250, country: 'DE' },
  },
  metadata: { occurredAt: '2026-11-02T09:00:00+01:00' },
};
const engaged = (occurredAt: string, engagementId: string) => ({
  type: 'LeadEngagementRecorded',
  data: { leadId, activity: 'webinar_attended', engagementId },
  metadata: { occurredAt },
});

describe('lead views projection', () => {
  it('shows the lead as its decider folds it, with the business times of its capture and latest engagement', async () => {
    await ProjectionSpecification.for(leadViewProjection)
      .given(
        captured,
        engaged('2026-11-03T10:00:00+02:00', 'zoom-2'),
        // Later as text, earlier as an instant: the view must not be fooled by the offset.
        engaged('2026-11-03T09:30:00+00:00', 'zoom-1'),
        {
          type: 'LeadScored',
          data: { leadId, fit: 45, engagement: 35, total: 80, breakdown: [], modelVersion: 'm-1' },
        },
        { type: 'LeadMarketingQualified', data: { leadId, fit: 45, engagement: 35, modelVersion: 'm-1' } },
      )
      .thenRows(
        `SELECT id::text AS id, revision::int AS revision, state->'lead'->>'stage' AS stage,
                (state->'lead'->>'engagementCount')::int AS engagements,
                state->'lead'->'engagementIds' AS "engagementIds",
                state->>'capturedAt' AS "capturedAt", state->>'lastEngagementAt' AS "lastEngagementAt",
                state->'lead'->'score'->>'total' AS total
           FROM lead_views`,
        [
          {
            id: leadId,
            revision: 4,
            stage: 'marketing_qualified',
            engagements: 2,
            engagementIds: ['zoom-2', 'zoom-1'],
            capturedAt: '2026-11-02T09:00:00+01:00',
            lastEngagementAt: '2026-11-03T09:30:00+00:00',
            total: '80',
          },
        ],
      );
  });

  it('keeps no personal data once the lead is erased, and keeps its stage', async () => {
    await ProjectionSpecification.for(leadViewProjection)
      .given(captured, { type: 'LeadErased', data: { leadId, reason: 'GDPR request' } })
      .thenRows(
        `SELECT state->'lead'->>'stage' AS stage, state->'lead'->'contact' AS contact,
                state->'lead'->'company' AS company
           FROM lead_views`,
        [{ stage: 'erased', contact: {}, company: null }],
      );
  });

  it('shows no lead for a stream whose capture it has not seen', async () => {
    await ProjectionSpecification.for(leadViewProjection)
      .given({ type: 'LeadEngagementRecorded', data: { leadId, activity: 'page_view' } })
      .thenRows(`SELECT state->'lead' AS lead FROM lead_views`, [{ lead: null }]);
  });
});
