import { type EngagementActivity, type LeadCapturedData, type LeadEvent } from '@leadledger/contracts';
import {
  decide,
  evolve,
  initialScoringState,
  scoringDecider,
  type ScoringCommand,
  type ScoringState,
} from './scoring.decider';
import { parseScoringModel } from './scoring-model';
import { DeciderSpecification, recorded, type GivenEvent } from '@leadledger/eventsourcing/testing';

const leadId = '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01';
const DAY_MS = 24 * 60 * 60 * 1000;

const model = parseScoringModel(
  {
    version: '2026-11-a',
    fit: {
      rules: [
        { id: 'company-size-100-plus', field: 'company.size', range: { min: 100 }, points: 25 },
        { id: 'title-senior', field: 'contact.jobTitle', pattern: '\\b(vp|head of|director)\\b', points: 20 },
        { id: 'free-mail', field: 'contact.email', emailDomainIn: ['gmail.com'], points: -15 },
      ],
    },
    engagement: {
      halfLifeDays: 30,
      rules: [
        { id: 'demo-request', activity: 'demo_requested', points: 30, cap: { points: 30, periodDays: 30 } },
        { id: 'pricing-page', activity: 'pricing_page_view', points: 10, cap: { points: 20, periodDays: 7 } },
      ],
    },
    disqualifiers: [
      {
        id: 'company-too-small',
        field: 'company.size',
        range: { max: 9 },
        reason: 'fewer than 10 employees; the product needs 100+ seats',
      },
      {
        id: 'student',
        field: 'contact.jobTitle',
        pattern: '\\bstudent\\b',
        reason: 'a student buys no seats',
      },
    ],
    mql: { fit: 40, engagement: 30 },
  },
  'scoring.decider.spec',
);

/** Event ids as the store would assign them; readable in expectations as id(n). */
const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

type Recorded = GivenEvent<LeadEvent>;

const on = (occurredAt: string, eventId: string, event: LeadEvent): Recorded =>
  recorded(event, { id: eventId, occurredAt });

const T0 = '2026-11-02T09:00:00Z';
const daysAfterT0 = (days: number) => new Date(Date.parse(T0) + days * DAY_MS).toISOString();

const capturedData: LeadCapturedData = {
  leadId,
  source: 'web_form',
  contact: { email: 'ana@acme.io', firstName: 'Ana', jobTitle: 'VP Sales' },
  company: { name: 'Acme', size: 250, country: 'DE' },
};
const captured = (data: Partial<LeadCapturedData> = {}) =>
  on(T0, id(1), { type: 'LeadCaptured', data: { ...capturedData, ...data } });
const engaged = (eventId: string, activity: EngagementActivity, occurredAt: string) =>
  on(occurredAt, eventId, { type: 'LeadEngagementRecorded', data: { leadId, activity } });
const companySizeSetTo = (eventId: string, size: number, occurredAt = T0) =>
  on(occurredAt, eventId, {
    type: 'LeadDetailsUpdated',
    data: { leadId, company: { size }, changedFields: ['company.size'] },
  });
const recycled = (eventId: string, occurredAt = T0) =>
  on(occurredAt, eventId, { type: 'LeadRecycled', data: { leadId, reason: 'bad timing' } });

const rescore = (asOf: string): ScoringCommand => ({ type: 'Rescore', leadId, model, asOf: new Date(asOf) });

const fitOfTheVp = [
  { ruleId: 'company-size-100-plus', axis: 'fit', points: 25, eventId: id(1) },
  { ruleId: 'title-senior', axis: 'fit', points: 20, eventId: id(1) },
] as const;

const fold = (history: readonly Recorded[]): ScoringState =>
  history.reduce((state, { event, meta }) => evolve(state, event, meta), initialScoringState);

const { given } = DeciderSpecification.for(scoringDecider);

/**
 * A lead's stream over time, as decideAndAppend runs it: each rescore is decided on the events so far, and
 * what it decides is appended at the moment of the rescore.
 */
function aLeadStream(...history: Recorded[]) {
  const stream = [...history];
  let nextEventId = 1000;
  return {
    record(...events: Recorded[]) {
      stream.push(...events);
    },
    /** The types of the events decided, with the axes where a score or MQL was recorded. */
    rescoreAt(asOf: string): string[] {
      const decided = decide(rescore(asOf), fold(stream));
      stream.push(...decided.map((event) => on(asOf, id(nextEventId++), event)));
      return decided.map((event) =>
        event.type === 'LeadScored' || event.type === 'LeadMarketingQualified'
          ? `${event.type} ${event.data.fit}/${event.data.engagement}`
          : event.type,
      );
    },
  };
}

describe('scoring decider', () => {
  describe('Rescore', () => {
    it('scores a newly captured lead by its fit, each point naming its rule and the event that earned it', () => {
      given(captured())
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 45,
              engagement: 0,
              total: 45,
              breakdown: [...fitOfTheVp],
              modelVersion: '2026-11-a',
            },
          },
        ]);
    });

    it('records nothing when neither the score nor the model changed', () => {
      const scored = on(T0, id(2), {
        type: 'LeadScored',
        data: {
          leadId,
          fit: 45,
          engagement: 0,
          total: 45,
          breakdown: [...fitOfTheVp],
          modelVersion: '2026-11-a',
        },
      });

      given(captured(), scored)
        .when(rescore(daysAfterT0(3)))
        .thenNothingHappened();
    });

    it('records the score again under a new model version, even when the points are the same', () => {
      const scored = on(T0, id(2), {
        type: 'LeadScored',
        data: {
          leadId,
          fit: 45,
          engagement: 0,
          total: 45,
          breakdown: [...fitOfTheVp],
          modelVersion: '2026-10-b',
        },
      });

      given(captured(), scored)
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 45,
              engagement: 0,
              total: 45,
              breakdown: [...fitOfTheVp],
              modelVersion: '2026-11-a',
            },
          },
        ]);
    });

    it('qualifies a lead whose fit and engagement reach the thresholds, saying when decay will matter', () => {
      given(captured(), engaged(id(2), 'demo_requested', T0))
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 45,
              engagement: 30,
              total: 75,
              breakdown: [
                ...fitOfTheVp,
                { ruleId: 'demo-request', axis: 'engagement', points: 30, eventId: id(2) },
              ],
              modelVersion: '2026-11-a',
              // 30 * 0.5^(t / 30 days) rounds below 30 once it is under 29.5: after 1047.49 minutes.
              nextReviewAt: '2026-11-03T02:28:00.000Z',
            },
          },
          {
            type: 'LeadMarketingQualified',
            data: { leadId, fit: 45, engagement: 30, modelVersion: '2026-11-a' },
          },
        ]);
    });

    it('scores fit from the current details: a cleared field no longer counts, a changed one names its event', () => {
      const titleCleared = on(T0, id(2), {
        type: 'LeadDetailsUpdated',
        data: { leadId, changedFields: ['contact.jobTitle'] },
      });

      given(captured(), titleCleared, companySizeSetTo(id(3), 400))
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 25,
              engagement: 0,
              total: 25,
              breakdown: [{ ruleId: 'company-size-100-plus', axis: 'fit', points: 25, eventId: id(3) }],
              modelVersion: '2026-11-a',
            },
          },
        ]);
    });

    it('decides nothing for a lead not captured yet', () => {
      given().when(rescore(T0)).thenNothingHappened();
    });

    it('decides nothing once the lead is erased', () => {
      const erased = on(T0, id(3), { type: 'LeadErased', data: { leadId, reason: 'GDPR request' } });

      given(captured(), engaged(id(2), 'demo_requested', T0), erased)
        .when(rescore(T0))
        .thenNothingHappened();
    });

    it('refuses to decide for one lead on the stream of another', () => {
      given(captured())
        .when({ ...rescore(T0), leadId: '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c99' })
        .thenThrows('precondition', /decided on the stream of lead 6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01/);
    });
  });

  describe('the MQL threshold, crossed both ways', () => {
    it('qualifies once; decay below and a rise again do not repeat it; after a recycle it can happen again', () => {
      const lead = aLeadStream(captured());
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 45/0']);

      lead.record(engaged(id(2), 'demo_requested', daysAfterT0(1)));
      expect(lead.rescoreAt(daysAfterT0(1))).toEqual(['LeadScored 45/30', 'LeadMarketingQualified 45/30']);

      // Two days of decay: 30 * 0.5^(2/30) = 28.6.
      expect(lead.rescoreAt(daysAfterT0(3))).toEqual(['LeadScored 45/29']);

      lead.record(engaged(id(3), 'pricing_page_view', daysAfterT0(4)));
      expect(lead.rescoreAt(daysAfterT0(4))).toEqual(['LeadScored 45/38']);

      lead.record(recycled(id(4), daysAfterT0(5)));
      // Decayed below the threshold while being nurtured.
      expect(lead.rescoreAt(daysAfterT0(41))).toEqual(['LeadScored 45/16']);

      // A new demo request (30) on top of what is left of the first (12) and the pricing view (4).
      lead.record(engaged(id(5), 'demo_requested', daysAfterT0(42)));
      expect(lead.rescoreAt(daysAfterT0(42))).toEqual(['LeadScored 45/46', 'LeadMarketingQualified 45/46']);
      expect(lead.rescoreAt(daysAfterT0(42))).toEqual([]);
    });

    it("holds a recycled lead back until sales' nurture cool-down ends, then qualifies it", () => {
      const lead = aLeadStream(captured(), engaged(id(2), 'demo_requested', T0));
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 45/30', 'LeadMarketingQualified 45/30']);
      lead.record(
        on(daysAfterT0(1), id(3), {
          type: 'LeadRecycled',
          data: { leadId, reason: 'rejected by sales: bad_timing', nurtureUntil: daysAfterT0(10) },
        }),
      );
      lead.record(engaged(id(4), 'demo_requested', daysAfterT0(2)));
      const mqls = (decided: string[]) => decided.filter((type) => type.startsWith('LeadMarketingQualified'));
      expect(mqls(lead.rescoreAt(daysAfterT0(2)))).toEqual([]);
      expect(mqls(lead.rescoreAt(daysAfterT0(9)))).toEqual([]);
      // The cool-down is over: the rescore scheduled for its end makes the MQL.
      expect(mqls(lead.rescoreAt(daysAfterT0(10)))).toEqual([
        expect.stringMatching(/^LeadMarketingQualified 45\//),
      ]);
    });

    it('does not qualify a lead whose fit is short, however engaged', () => {
      const onFreeMail = captured({ contact: { email: 'ana@gmail.com', jobTitle: 'VP Sales' } });
      const lead = aLeadStream(onFreeMail, engaged(id(2), 'demo_requested', T0));

      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 30/30']);
    });
  });

  describe('disqualification: no fit', () => {
    const tiny = captured({ company: { name: 'Tiny', size: 3 } });
    const disqualifiedAsTooSmall = (eventId: string) =>
      on(T0, eventId, {
        type: 'LeadDisqualified',
        data: {
          leadId,
          reason: 'fewer than 10 employees; the product needs 100+ seats',
          ruleId: 'company-too-small',
          modelVersion: '2026-11-a',
        },
      });

    it('disqualifies a 3-person company with heavy engagement, and never makes it an MQL', () => {
      given(
        tiny,
        engaged(id(2), 'demo_requested', T0),
        engaged(id(3), 'pricing_page_view', T0),
        engaged(id(4), 'pricing_page_view', T0),
      )
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 20,
              engagement: 50,
              total: 70,
              breakdown: [
                { ruleId: 'title-senior', axis: 'fit', points: 20, eventId: id(1) },
                { ruleId: 'demo-request', axis: 'engagement', points: 30, eventId: id(2) },
                { ruleId: 'pricing-page', axis: 'engagement', points: 10, eventId: id(3) },
                { ruleId: 'pricing-page', axis: 'engagement', points: 10, eventId: id(4) },
              ],
              modelVersion: '2026-11-a',
            },
          },
          {
            type: 'LeadDisqualified',
            data: {
              leadId,
              reason: 'fewer than 10 employees; the product needs 100+ seats',
              ruleId: 'company-too-small',
              modelVersion: '2026-11-a',
            },
          },
        ]);

      const lead = aLeadStream(tiny);
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 20/0', 'LeadDisqualified']);
      lead.record(engaged(id(2), 'demo_requested', daysAfterT0(1)));
      lead.record(engaged(id(3), 'pricing_page_view', daysAfterT0(1)));
      expect(lead.rescoreAt(daysAfterT0(1))).toEqual(['LeadScored 20/40']);
      lead.record(engaged(id(4), 'demo_requested', daysAfterT0(40)));
      expect(lead.rescoreAt(daysAfterT0(40))).toEqual(['LeadScored 20/46']);
    });

    it('lifts when the disqualifying fact is corrected: the lead qualifies without waiting for a recycle', () => {
      given(
        tiny,
        engaged(id(2), 'demo_requested', T0),
        disqualifiedAsTooSmall(id(3)),
        companySizeSetTo(id(4), 300),
      )
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 45,
              engagement: 30,
              total: 75,
              breakdown: [
                { ruleId: 'company-size-100-plus', axis: 'fit', points: 25, eventId: id(4) },
                { ruleId: 'title-senior', axis: 'fit', points: 20, eventId: id(1) },
                { ruleId: 'demo-request', axis: 'engagement', points: 30, eventId: id(2) },
              ],
              modelVersion: '2026-11-a',
              nextReviewAt: '2026-11-03T02:28:00.000Z',
            },
          },
          {
            type: 'LeadMarketingQualified',
            data: { leadId, fit: 45, engagement: 30, modelVersion: '2026-11-a' },
          },
        ]);
    });

    it('once lifted, a lead not yet engaged enough qualifies when its engagement comes', () => {
      const lead = aLeadStream(tiny);
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 20/0', 'LeadDisqualified']);
      lead.record(companySizeSetTo(id(2), 300));
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 45/0']);
      lead.record(engaged(id(3), 'demo_requested', daysAfterT0(1)));
      expect(lead.rescoreAt(daysAfterT0(1))).toEqual(['LeadScored 45/30', 'LeadMarketingQualified 45/30']);
    });

    it('ends an MQL; when lifted the lead qualifies again, and when the fact returns it is disqualified again', () => {
      const lead = aLeadStream(captured(), engaged(id(2), 'demo_requested', T0));
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 45/30', 'LeadMarketingQualified 45/30']);
      lead.record(companySizeSetTo(id(3), 4));
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 20/30', 'LeadDisqualified']);
      lead.record(companySizeSetTo(id(4), 400));
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 45/30', 'LeadMarketingQualified 45/30']);
      lead.record(companySizeSetTo(id(5), 5));
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 20/30', 'LeadDisqualified']);
    });

    it('disqualifies again, with the new reason, when a different disqualifier matches', () => {
      const nowAStudent = on(T0, id(4), {
        type: 'LeadDetailsUpdated',
        data: {
          leadId,
          contact: { jobTitle: 'Student' },
          company: { size: 300 },
          changedFields: ['contact.jobTitle', 'company.size'],
        },
      });

      given(tiny, disqualifiedAsTooSmall(id(3)), nowAStudent)
        .when(rescore(T0))
        .then([
          {
            type: 'LeadScored',
            data: {
              leadId,
              fit: 25,
              engagement: 0,
              total: 25,
              breakdown: [{ ruleId: 'company-size-100-plus', axis: 'fit', points: 25, eventId: id(4) }],
              modelVersion: '2026-11-a',
            },
          },
          {
            type: 'LeadDisqualified',
            data: { leadId, reason: 'a student buys no seats', ruleId: 'student', modelVersion: '2026-11-a' },
          },
        ]);
    });

    it('holds a disqualification made by hand (no rule) until a recycle, whatever the facts', () => {
      const byHand = on(T0, id(3), {
        type: 'LeadDisqualified',
        data: { leadId, reason: 'a competitor researching us', modelVersion: '2026-11-a' },
      });
      const lead = aLeadStream(captured(), byHand, engaged(id(2), 'demo_requested', T0));

      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 45/30']);
      lead.record(recycled(id(4)));
      expect(lead.rescoreAt(T0)).toEqual(['LeadMarketingQualified 45/30']);
    });

    it('disqualifies a recycled lead again while the disqualifying fact still holds', () => {
      const lead = aLeadStream(tiny);
      expect(lead.rescoreAt(T0)).toEqual(['LeadScored 20/0', 'LeadDisqualified']);
      expect(lead.rescoreAt(T0)).toEqual([]);
      lead.record(recycled(id(2)));
      expect(lead.rescoreAt(T0)).toEqual(['LeadDisqualified']);
    });
  });

  describe('state folded from the stream', () => {
    it('keeps the state of events other services record that scoring does not need', () => {
      const state = fold([captured()]);
      const assigned: LeadEvent = {
        type: 'LeadAssignedToSales',
        data: { leadId, owner: 'bo@seller.io', team: 'emea', slaDueAt: '2026-11-24T10:00:00Z' },
      };

      expect(evolve(state, assigned, { id: id(9), occurredAt: T0 })).toBe(state);
    });

    it('keeps each engagement with its event id and business time, and forgets everything on erasure', () => {
      const state = fold([captured(), engaged(id(2), 'webinar_attended', '2026-10-01T08:00:00+02:00')]);
      expect(state.engagements).toEqual([
        { eventId: id(2), activity: 'webinar_attended', occurredAt: '2026-10-01T08:00:00+02:00' },
      ]);
      expect(state.facts['company.size']).toEqual({ value: 250, eventId: id(1) });
      expect(state.facts.source).toEqual({ value: 'web_form', eventId: id(1) });

      const erased = evolve(
        state,
        { type: 'LeadErased', data: { leadId, reason: 'GDPR' } },
        { id: id(3), occurredAt: T0 },
      );
      expect(erased).toMatchObject({ status: 'erased', facts: {}, engagements: [] });
    });
  });
});
