import { describe, it } from '@jest/globals';
import { ProjectionSpecification } from '@leadledger/projections/testing';
import { ERASED_NAME, opportunitiesProjection } from './opportunities';

const leadId = '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01';
const opportunityId = '0b6a4d1e-2f0c-4b8e-9a57-6c1d2e3f4a05';
const otherOpportunityId = '1c7b5e2f-3a1d-4c9f-8b68-7d2e3f4a5b16';

const opened = (id: string, lead?: string) => ({
  type: 'OpportunityOpened',
  data: {
    opportunityId: id,
    ...(lead ? { leadId: lead } : {}),
    name: 'Kunde GmbH - New business',
    account: 'Kunde GmbH',
    owner: 'ana@acme.example',
    pipeline: 'new-business',
    stage: 'discovery',
    probability: 10,
    expectedCloseDate: '2027-03-31',
    forecastCategory: 'pipeline',
  },
});
const erased = { type: 'LeadErased', data: { leadId, reason: 'gdpr request' } };
const names = `SELECT id::text AS id, state->'opportunity'->>'name' AS name, state->'opportunity'->>'account' AS account
                 FROM opportunities ORDER BY id`;

describe('the opportunities read model', () => {
  it("drops an erased lead's company from its opportunity, and from one opened after the erasure", async () => {
    await ProjectionSpecification.for(opportunitiesProjection)
      .given(opened(opportunityId, leadId), erased, opened(otherOpportunityId))
      .thenRows(names, [
        { id: opportunityId, name: ERASED_NAME, account: null },
        { id: otherOpportunityId, name: 'Kunde GmbH - New business', account: 'Kunde GmbH' },
      ]);
    await ProjectionSpecification.for(opportunitiesProjection)
      .given(erased, opened(opportunityId, leadId), {
        type: 'OpportunityStageChanged',
        data: { opportunityId, from: 'discovery', to: 'proposal', probability: 50 },
      })
      .thenRows(names, [{ id: opportunityId, name: ERASED_NAME, account: null }]);
  });
});
