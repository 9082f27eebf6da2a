import type { LeadEvent } from '@leadledger/contracts';
import { DeciderSpecification } from '@leadledger/eventsourcing/testing';
import {
  MAX_ENGAGEMENTS_PER_LEAD,
  evolve,
  initialLeadState,
  leadDecider,
  type LeadState,
} from './lead.decider';
import type { NormalizedSubmission } from './lead-submission';

const leadId = '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01';

const submission: NormalizedSubmission = {
  source: 'web_form',
  sourceDetail: 'contact-us',
  utm: { source: 'google', campaign: 'q4-brand' },
  contact: { email: 'ana@acme.io', firstName: 'Ana', jobTitle: 'VP Sales' },
  company: { name: 'Acme', size: 250, country: 'DE' },
};

const captured: LeadEvent = { type: 'LeadCaptured', data: { leadId, ...submission } };

const { given } = DeciderSpecification.for(leadDecider);

describe('lead decider', () => {
  describe('SubmitLead', () => {
    it('captures a new lead', () => {
      given()
        .when({ type: 'SubmitLead', leadId, submission })
        .then([{ type: 'LeadCaptured', data: { leadId, ...submission } }]);
    });

    it('captures a lead known only by its phone, or only by a source system id', () => {
      const byPhone = { source: 'event' as const, contact: { phone: '+49 30 1234567' } };
      const byExternal = {
        source: 'import' as const,
        contact: {},
        externalRef: { system: 'hubspot', id: '51234' },
      };

      given()
        .when({ type: 'SubmitLead', leadId, submission: byPhone })
        .then([{ type: 'LeadCaptured', data: { leadId, ...byPhone } }]);
      given()
        .when({ type: 'SubmitLead', leadId, submission: byExternal })
        .then([{ type: 'LeadCaptured', data: { leadId, ...byExternal } }]);
    });

    it('refuses a lead with no handle to reach or match it by', () => {
      given()
        .when({ type: 'SubmitLead', leadId, submission: { source: 'event', contact: { firstName: 'Bo' } } })
        .thenThrows('invalid', /email, a phone, or a source system/);
    });

    it('recognizes a repeat submission that brings nothing new as a duplicate: no event', () => {
      given(captured).when({ type: 'SubmitLead', leadId, submission }).thenNothingHappened();
    });

    it('updates only the fields a repeat submission changes, keeping the ones it leaves out', () => {
      given(captured)
        .when({
          type: 'SubmitLead',
          leadId,
          submission: {
            source: 'newsletter',
            contact: { email: 'ana@acme.io', jobTitle: 'CRO', phone: '+49 30 1' },
            company: { size: 400 },
          },
        })
        .then([
          {
            type: 'LeadDetailsUpdated',
            data: {
              leadId,
              contact: { phone: '+49 30 1', jobTitle: 'CRO' },
              company: { size: 400 },
              changedFields: ['contact.phone', 'contact.jobTitle', 'company.size'],
            },
          },
        ]);
    });

    it('clears text kept as given once a submission brings the value it stood for', () => {
      const keptAsGiven: LeadEvent = {
        type: 'LeadCaptured',
        data: {
          leadId,
          source: 'event',
          contact: { email: 'ana@acme.io', fullName: 'Cher' },
          company: { countryAsGiven: 'Asia/Pacific Region', size: 51, sizeAsGiven: '51-200' },
        },
      };

      given(keptAsGiven)
        .when({
          type: 'SubmitLead',
          leadId,
          submission: {
            source: 'web_form',
            contact: { email: 'ana@acme.io', firstName: 'Cher', lastName: 'Sarkisian' },
            company: { country: 'SG', size: 120 },
          },
        })
        .then([
          {
            type: 'LeadDetailsUpdated',
            data: {
              leadId,
              contact: { firstName: 'Cher', lastName: 'Sarkisian' },
              company: { size: 120, country: 'SG' },
              changedFields: [
                'contact.firstName',
                'contact.lastName',
                'company.size',
                'company.country',
                'company.countryAsGiven',
                'company.sizeAsGiven',
                'contact.fullName',
              ],
            },
          },
        ]);
    });

    it('keeps the first-touch source and UTM when a later submission comes from elsewhere', () => {
      given(captured)
        .when({
          type: 'SubmitLead',
          leadId,
          submission: { ...submission, source: 'event', utm: { source: 'x' } },
        })
        .thenNothingHappened();
    });

    it('refuses to capture an erased lead again', () => {
      given(captured, { type: 'LeadErased', data: { leadId, reason: 'GDPR request' } })
        .when({ type: 'SubmitLead', leadId, submission })
        .thenThrows('conflict', /was erased/);
    });
  });

  describe('RecordEngagement', () => {
    it('records an engagement of a known lead', () => {
      given(captured)
        .when({
          type: 'RecordEngagement',
          leadId,
          engagement: { activity: 'pricing_page_view', detail: '/pricing' },
        })
        .then([
          {
            type: 'LeadEngagementRecorded',
            data: { leadId, activity: 'pricing_page_view', detail: '/pricing' },
          },
        ]);
    });

    it('drops an engagement whose tracking id it has already recorded', () => {
      const first: LeadEvent = {
        type: 'LeadEngagementRecorded',
        data: { leadId, activity: 'webinar_attended', engagementId: 'zoom-991' },
      };
      given(captured, first)
        .when({
          type: 'RecordEngagement',
          leadId,
          engagement: { activity: 'webinar_attended', engagementId: 'zoom-991' },
        })
        .thenNothingHappened();
    });

    it('refuses an engagement past the most one lead keeps, with the reason', () => {
      const engagements = Array.from({ length: MAX_ENGAGEMENTS_PER_LEAD }, (): LeadEvent => ({
        type: 'LeadEngagementRecorded',
        data: { leadId, activity: 'page_view' },
      }));
      given(captured, ...engagements)
        .when({ type: 'RecordEngagement', leadId, engagement: { activity: 'page_view' } })
        .thenThrows('precondition', /the most one lead keeps/);
      given(captured, ...engagements.slice(1))
        .when({ type: 'RecordEngagement', leadId, engagement: { activity: 'page_view' } })
        .then([{ type: 'LeadEngagementRecorded', data: { leadId, activity: 'page_view' } }]);
    });

    it('refuses an engagement for a lead that does not exist', () => {
      given()
        .when({ type: 'RecordEngagement', leadId, engagement: { activity: 'page_view' } })
        .thenThrows('not_found', /does not exist/);
    });
  });

  describe('state folded from the whole lifecycle', () => {
    it('follows the stage through every service and applies cleared fields', () => {
      const state = foldLead([
        captured,
        {
          type: 'LeadDetailsUpdated',
          data: {
            leadId,
            contact: { jobTitle: 'CRO' },
            changedFields: ['contact.jobTitle', 'company.country'],
          },
        },
        { type: 'LeadEngagementRecorded', data: { leadId, activity: 'demo_requested' } },
        {
          type: 'LeadScored',
          data: { leadId, fit: 45, engagement: 35, total: 80, breakdown: [], modelVersion: 'm-1' },
        },
        { type: 'LeadMarketingQualified', data: { leadId, fit: 45, engagement: 35, modelVersion: 'm-1' } },
        {
          type: 'LeadAssignedToSales',
          data: { leadId, owner: 'bo@seller.io', team: 'emea', slaDueAt: '2026-11-24T10:00:00Z' },
        },
      ]);

      expect(state).toMatchObject({
        stage: 'assigned_to_sales',
        owner: 'bo@seller.io',
        contact: { email: 'ana@acme.io', jobTitle: 'CRO' },
        company: { name: 'Acme', size: 250 },
        score: { total: 80, modelVersion: 'm-1' },
        engagementCount: 1,
      });
      expect(state?.company).not.toHaveProperty('country');
    });

    it('forgets personal data when the lead is erased', () => {
      const state = foldLead([captured, { type: 'LeadErased', data: { leadId, reason: 'GDPR request' } }]);

      expect(state).toMatchObject({ stage: 'erased', contact: {} });
      expect(state?.company).toBeUndefined();
    });
  });
});

function foldLead(events: readonly LeadEvent[]): LeadState {
  return events.reduce<LeadState>((state, event) => evolve(state, event), initialLeadState);
}
