import { describe, expect, it } from '@jest/globals';
import type { LeadEvent } from '@leadledger/contracts';
import { DeciderSpecification } from '@leadledger/eventsourcing/testing';
import type { QualificationFramework } from './qualification-frameworks';
import {
  evolve,
  initialSalesState,
  opportunityIdOf,
  salesLeadDecider,
  type SalesCommand,
  type SalesState,
} from './sales-lead.decider';

const leadId = '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01';
const owner = 'ana@acme.example';
const team = 'dach-enterprise';
const slaDueAt = '2026-11-24T13:00:00.000Z';
const nurtureUntil = '2026-12-24T09:00:00.000Z';

const bant: QualificationFramework = {
  id: 'bant',
  criteria: [
    { id: 'budget', carries: 'amount' },
    { id: 'authority' },
    { id: 'need' },
    { id: 'timeline', carries: 'date' },
  ],
  minimumMet: 3,
};
const painInterestFit: QualificationFramework = {
  id: 'pain-interest-fit',
  criteria: [{ id: 'pain' }, { id: 'interest' }, { id: 'fit' }],
  minimumMet: 3,
};

const captured: LeadEvent = {
  type: 'LeadCaptured',
  data: {
    leadId,
    source: 'web_form',
    contact: { email: 'max@kunde.example' },
    company: { size: 400, country: 'DE' },
  },
};
const mql: LeadEvent = {
  type: 'LeadMarketingQualified',
  data: { leadId, fit: 45, engagement: 30, modelVersion: '2026-11-a' },
};
const assigned: LeadEvent = { type: 'LeadAssignedToSales', data: { leadId, owner, team, slaDueAt } };
const accepted: LeadEvent = { type: 'LeadAcceptedBySales', data: { leadId, owner } };
const recorded = (criterion: string, extra: object = {}): LeadEvent => ({
  type: 'LeadQualificationRecorded',
  data: {
    leadId,
    framework: 'bant',
    criterion,
    value: 'met',
    evidence: `${criterion} confirmed on the call`,
    ...extra,
  },
});
const qualified: LeadEvent = {
  type: 'LeadQualified',
  data: { leadId, framework: 'bant', criteriaMet: ['budget', 'authority', 'need'] },
};
const recycled: LeadEvent = {
  type: 'LeadRecycled',
  data: { leadId, reason: 'rejected by sales: bad_timing', nurtureUntil },
};
const budget = { amountMinor: 12_500_000, currency: 'EUR' };

const qualify = (
  criterion: string,
  more: Partial<Extract<SalesCommand, { type: 'RecordQualification' }>> = {},
) =>
  ({
    type: 'RecordQualification',
    leadId,
    framework: bant,
    conversion: 'on_request',
    criterion,
    value: 'met',
    evidence: `${criterion} confirmed on the call`,
    ...more,
  }) as SalesCommand;

const { given } = DeciderSpecification.for(salesLeadDecider);

const fold = (...events: LeadEvent[]): SalesState =>
  events.reduce(
    (state, event, index) =>
      evolve(state, event, { id: `e${index}`, occurredAt: `2026-11-2${index % 10}T09:00:00Z` }),
    initialSalesState,
  );

describe('sales lead decider', () => {
  describe('AssignToSales', () => {
    const assign: SalesCommand = { type: 'AssignToSales', leadId, owner, team, slaDueAt: new Date(slaDueAt) };

    it('assigns a fresh MQL with owner, team and SLA due time', () => {
      given(captured, mql).when(assign).then([assigned]);
    });

    it('says why the fallback team took it', () => {
      given(captured, mql)
        .when({ ...assign, team: 'inbound-desk', fallbackReason: 'no_rule_matched' })
        .then([
          {
            type: 'LeadAssignedToSales',
            data: { leadId, owner, team: 'inbound-desk', slaDueAt, fallbackReason: 'no_rule_matched' },
          },
        ]);
    });

    it('changes nothing for a lead already assigned, or one that is no MQL (late or repeated delivery)', () => {
      given(captured, mql, assigned).when(assign).thenNothingHappened();
      given(captured).when(assign).thenNothingHappened();
      given(captured, mql, assigned, accepted).when(assign).thenNothingHappened();
    });

    it('assigns again when a recycled lead becomes an MQL again: a new cycle', () => {
      given(captured, mql, assigned, recycled, mql).when(assign).then([assigned]);
    });

    it('refuses a lead that does not exist or was erased', () => {
      given().when(assign).thenThrows('not_found', `lead ${leadId} does not exist`);
      given(captured, { type: 'LeadErased', data: { leadId, reason: 'GDPR request' } })
        .when(assign)
        .thenThrows('conflict', /was erased/);
    });
  });

  describe('BreachHandoffSla', () => {
    const breachAt = (now: string, due = slaDueAt): SalesCommand => ({
      type: 'BreachHandoffSla',
      leadId,
      slaDueAt: new Date(due),
      now: new Date(now),
    });
    const breached: LeadEvent = { type: 'LeadHandoffSlaBreached', data: { leadId, owner, team, slaDueAt } };

    it('breaches exactly at the due time, not a millisecond before', () => {
      given(captured, mql, assigned).when(breachAt(slaDueAt)).then([breached]);
      given(captured, mql, assigned).when(breachAt('2026-11-24T12:59:59.999Z')).thenNothingHappened();
    });

    it('breaches once, and not when the lead was answered or the due time is stale', () => {
      given(captured, mql, assigned, breached).when(breachAt('2026-11-25T09:00:00Z')).thenNothingHappened();
      given(captured, mql, assigned, accepted).when(breachAt('2026-11-25T09:00:00Z')).thenNothingHappened();
      given(captured, mql, assigned)
        .when(breachAt('2026-11-25T09:00:00Z', '2026-11-24T11:00:00Z'))
        .thenNothingHappened();
    });
  });

  describe('Reassign', () => {
    const reassign = (to: string): Extract<SalesCommand, { type: 'Reassign' }> => ({
      type: 'Reassign',
      leadId,
      to,
      team,
      reason: 'sla_breached',
      slaDueAt: new Date('2026-11-25T09:00:00Z'),
    });

    it('gives an unanswered lead to another rep with a fresh SLA', () => {
      given(captured, mql, assigned)
        .when(reassign('bo@acme.example'))
        .then([
          {
            type: 'LeadReassigned',
            data: {
              leadId,
              from: owner,
              to: 'bo@acme.example',
              team,
              reason: 'sla_breached',
              slaDueAt: '2026-11-25T09:00:00.000Z',
            },
          },
        ]);
    });

    it('changes the owner of an accepted lead without an SLA, and nothing for the same owner', () => {
      given(captured, mql, assigned, accepted)
        .when({ ...reassign('bo@acme.example'), reason: 'manager', note: 'Ana is on leave' })
        .then([
          {
            type: 'LeadReassigned',
            data: {
              leadId,
              from: owner,
              to: 'bo@acme.example',
              team,
              reason: 'manager',
              note: 'Ana is on leave',
            },
          },
        ]);
      given(captured, mql, assigned).when(reassign(owner)).thenNothingHappened();
    });

    it('refuses a lead with no owner to change', () => {
      given(captured, mql)
        .when(reassign('bo@acme.example'))
        .thenThrows('conflict', /cannot reassign .* it is mql/);
    });
  });

  describe('Accept', () => {
    it("makes an assigned lead an SQL, in its owner's name", () => {
      given(captured, mql, assigned).when({ type: 'Accept', leadId }).then([accepted]);
    });

    it.each([
      ['twice', [captured, mql, assigned, accepted], /it is sql; a lead is accepted once/],
      ['a recycled lead', [captured, mql, assigned, recycled], /it is recycled/],
      ['an unassigned MQL', [captured, mql], /it is mql/],
      [
        'a disqualified lead',
        [captured, mql, assigned, { type: 'LeadDisqualified', data: { leadId, reason: 'x' } }],
        /it is disqualified/,
      ],
    ] as [string, LeadEvent[], RegExp][])('refuses to accept %s', (_case, history, message) => {
      given(...history)
        .when({ type: 'Accept', leadId })
        .thenThrows('conflict', message);
    });
  });

  describe('Reject', () => {
    const reject = (reason: 'no_budget' | 'not_a_fit' | 'duplicate'): SalesCommand => ({
      type: 'Reject',
      leadId,
      reason,
      note: 'spoke to them',
      nurtureUntil: new Date(nurtureUntil),
    });

    it('recycles the lead to nurture with a cool-down for reasons that may change', () => {
      given(captured, mql, assigned)
        .when(reject('no_budget'))
        .then([
          {
            type: 'LeadRejectedBySales',
            data: { leadId, owner, reason: 'no_budget', note: 'spoke to them' },
          },
          { type: 'LeadRecycled', data: { leadId, reason: 'rejected by sales: no_budget', nurtureUntil } },
        ]);
    });

    it.each(['not_a_fit', 'duplicate'] as const)('disqualifies the lead rejected as %s', (reason) => {
      given(captured, mql, assigned, accepted)
        .when(reject(reason))
        .then([
          { type: 'LeadRejectedBySales', data: { leadId, owner, reason, note: 'spoke to them' } },
          { type: 'LeadDisqualified', data: { leadId, reason: `rejected by sales: ${reason}` } },
        ]);
    });

    it('refuses a lead not in sales hands or already qualified', () => {
      given(captured, mql)
        .when(reject('no_budget'))
        .thenThrows('conflict', /cannot reject/);
      given(
        captured,
        mql,
        assigned,
        accepted,
        recorded('budget'),
        recorded('authority'),
        recorded('need'),
        qualified,
      )
        .when(reject('no_budget'))
        .thenThrows('conflict', /it is qualified/);
    });
  });

  describe('RecordQualification', () => {
    it('records a criterion with its evidence, amount and date', () => {
      given(captured, mql, assigned, accepted)
        .when(qualify('budget', { amount: budget }))
        .then([recorded('budget', { amount: budget })]);
      given(captured, mql, assigned, accepted)
        .when(qualify('timeline', { date: '2027-03-31' }))
        .then([recorded('timeline', { date: '2027-03-31' })]);
    });

    it('qualifies the lead when BANT has 3 of its 4 criteria met', () => {
      given(captured, mql, assigned, accepted, recorded('budget'), recorded('authority'))
        .when(qualify('need'))
        .then([recorded('need'), qualified]);
    });

    it('does not qualify on 2 of 4 met and one not met', () => {
      given(captured, mql, assigned, accepted, recorded('budget'), recorded('authority'))
        .when(qualify('need', { value: 'not_met', evidence: undefined }))
        .then([
          {
            type: 'LeadQualificationRecorded',
            data: { leadId, framework: 'bant', criterion: 'need', value: 'not_met' },
          },
        ]);
    });

    it('converts at once when conversion is automatic, with the budget amount and the timeline date', () => {
      const decided = given(
        captured,
        mql,
        assigned,
        accepted,
        recorded('budget', { amount: budget }),
        recorded('timeline', { date: '2027-03-31' }),
      )
        .when(qualify('authority', { conversion: 'automatic' }))
        .decided();
      expect(decided.map(({ type }) => type)).toEqual([
        'LeadQualificationRecorded',
        'LeadQualified',
        'LeadConvertedToOpportunity',
      ]);
      expect(decided[2].data).toEqual({
        leadId,
        opportunityId: opportunityIdOf(leadId),
        owner,
        team,
        framework: 'bant',
        evidence: [
          { criterion: 'budget', value: 'met', evidence: 'budget confirmed on the call', amount: budget },
          { criterion: 'authority', value: 'met', evidence: 'authority confirmed on the call' },
          {
            criterion: 'timeline',
            value: 'met',
            evidence: 'timeline confirmed on the call',
            date: '2027-03-31',
          },
        ],
        amount: budget,
        expectedCloseDate: '2027-03-31',
      });
    });

    it('needs all three of pain, interest and fit', () => {
      const pif = (criterion: string): LeadEvent => ({
        type: 'LeadQualificationRecorded',
        data: { leadId, framework: 'pain-interest-fit', criterion, value: 'met', evidence: 'heard it' },
      });
      const command = (criterion: string) =>
        qualify(criterion, { framework: painInterestFit, evidence: 'heard it' });
      given(captured, mql, assigned, accepted, pif('pain'))
        .when(command('interest'))
        .then([pif('interest')]);
      given(captured, mql, assigned, accepted, pif('pain'), pif('interest'))
        .when(command('fit'))
        .then([
          pif('fit'),
          {
            type: 'LeadQualified',
            data: { leadId, framework: 'pain-interest-fit', criteriaMet: ['pain', 'interest', 'fit'] },
          },
        ]);
    });

    it('changes nothing when the same value and evidence are recorded again', () => {
      given(captured, mql, assigned, accepted, recorded('budget'))
        .when(qualify('budget'))
        .thenNothingHappened();
    });

    it('refuses met without evidence, unknown criteria, and amounts or dates a criterion does not carry', () => {
      const spec = given(captured, mql, assigned, accepted);
      spec
        .when(qualify('need', { evidence: undefined }))
        .thenThrows('invalid', /qualification of need refused/);
      spec.when(qualify('champion')).thenThrows('invalid', /criterion champion is not one of the bant/);
      spec.when(qualify('need', { amount: budget })).thenThrows('invalid', /refused/);
      spec.when(qualify('budget', { date: '2027-01-01' })).thenThrows('invalid', /refused/);
    });

    it('refuses a lead not accepted, or rejected', () => {
      given(captured, mql, assigned)
        .when(qualify('budget'))
        .thenThrows('conflict', /cannot qualify .* it is assigned/);
      given(captured, mql, assigned, recycled)
        .when(qualify('budget'))
        .thenThrows('conflict', /it is recycled/);
    });
  });

  describe('Convert', () => {
    const convert: SalesCommand = { type: 'Convert', leadId, framework: bant };

    it('converts a qualified lead into an opportunity whose id derives from the lead', () => {
      const [event] = given(
        captured,
        mql,
        assigned,
        accepted,
        recorded('budget'),
        recorded('authority'),
        recorded('need'),
        qualified,
      )
        .when(convert)
        .decided();
      expect(event).toMatchObject({
        type: 'LeadConvertedToOpportunity',
        data: { leadId, opportunityId: opportunityIdOf(leadId), owner, team, framework: 'bant' },
      });
      expect(opportunityIdOf(leadId)).toBe(opportunityIdOf(leadId));
    });

    it('refuses with 422 naming the unmet criteria until the framework is satisfied', () => {
      const spec = given(captured, mql, assigned, accepted, recorded('budget')).when(convert);
      spec.thenThrows('precondition', /needs 3 of 4 criteria met; 1 met so far, 2 more needed/);
      expect(() => spec.decided()).toThrow(
        expect.objectContaining({
          issues: [
            { field: 'authority', reason: 'not met' },
            { field: 'need', reason: 'not met' },
            { field: 'timeline', reason: 'not met' },
          ],
        }) as unknown as Error,
      );
    });

    it('refuses to convert twice, or a lead not accepted', () => {
      const converted: LeadEvent = {
        type: 'LeadConvertedToOpportunity',
        data: {
          leadId,
          opportunityId: opportunityIdOf(leadId),
          owner,
          team,
          framework: 'bant',
          evidence: [],
        },
      };
      given(captured, mql, assigned, accepted, qualified, converted)
        .when(convert)
        .thenThrows('conflict', /it is converted/);
      given(captured, mql, assigned)
        .when(convert)
        .thenThrows('conflict', /cannot convert .* it is assigned/);
    });
  });

  describe('Disqualify', () => {
    it('rules out a lead in sales hands, with the reason', () => {
      given(captured, mql, assigned, accepted)
        .when({ type: 'Disqualify', leadId, reason: 'a subsidiary of a customer' })
        .then([{ type: 'LeadDisqualified', data: { leadId, reason: 'a subsidiary of a customer' } }]);
    });

    it('refuses a lead marketing still has, one converted, or one already out', () => {
      const disqualify: SalesCommand = { type: 'Disqualify', leadId, reason: 'x' };
      given(captured)
        .when(disqualify)
        .thenThrows('conflict', /it is new/);
      given(captured, mql, { type: 'LeadDisqualified', data: { leadId, reason: 'x' } })
        .when(disqualify)
        .thenThrows('conflict', /it is disqualified/);
    });
  });

  describe('evolve', () => {
    it('keeps the current stage and the highest stage ever reached apart', () => {
      const state = fold(captured, mql, assigned, accepted, recycled);
      expect(state).toMatchObject({ status: 'active', lead: { stage: 'recycled', highestStage: 'sql' } });
    });

    it('keeps the times that tell waiting for a rep from the time the rep took', () => {
      const state = fold(captured, mql, assigned, accepted);
      expect(state).toMatchObject({
        lead: {
          mqlAt: '2026-11-21T09:00:00Z',
          firstAssignedAt: '2026-11-22T09:00:00Z',
          decidedAt: '2026-11-23T09:00:00Z',
          assignment: { owner, team, assignedAt: '2026-11-22T09:00:00Z' },
        },
      });
      expect(state.status === 'active' && state.lead.assignment?.slaDueAt).toBeFalsy();
    });

    it('starts a new cycle on a new MQL: earlier qualification does not carry over', () => {
      const state = fold(captured, mql, assigned, accepted, recorded('budget'), recycled, mql);
      expect(state).toMatchObject({ lead: { stage: 'mql', highestStage: 'sql', criteria: {} } });
    });
  });
});
