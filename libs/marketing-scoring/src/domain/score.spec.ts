import {
  ENGAGEMENT_ACTIVITIES,
  type EngagementActivity,
  type ScoreContribution,
} from '@leadledger/contracts';
import { SCORING_FIELDS, type Fact, type LeadFacts, type ScoringField } from './lead-facts';
import {
  disqualifierMatching,
  isMarketingQualified,
  nextReviewAt,
  scoreLead,
  type Engagement,
} from './score';
import { parseScoringModel, type ScoringModel } from './scoring-model';

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

const model = parseScoringModel(
  {
    version: 'spec-1',
    fit: {
      rules: [
        { id: 'size-50-99', field: 'company.size', range: { min: 50, max: 99 }, points: 5 },
        { id: 'size-100-plus', field: 'company.size', range: { min: 100 }, points: 25 },
        { id: 'title-senior', field: 'contact.jobTitle', pattern: '\\b(vp|head of|director)\\b', points: 20 },
        { id: 'industry-software', field: 'company.industry', in: ['Software', 'saas'], points: 10 },
        { id: 'free-mail', field: 'contact.email', emailDomainIn: ['gmail.com', 'GMX.de'], points: -15 },
      ],
    },
    engagement: {
      halfLifeDays: 30,
      rules: [
        { id: 'demo-request', activity: 'demo_requested', points: 30, cap: { points: 30, periodDays: 30 } },
        { id: 'pricing-page', activity: 'pricing_page_view', points: 10, cap: { points: 20, periodDays: 7 } },
        {
          id: 'whitepaper',
          activity: 'whitepaper_download',
          points: 10,
          cap: { points: 25, periodDays: 30 },
        },
      ],
    },
    disqualifiers: [
      { id: 'too-small', field: 'company.size', range: { max: 9 }, reason: 'fewer than 10 employees' },
      { id: 'student', field: 'contact.jobTitle', pattern: 'student', reason: 'a student buys no seats' },
    ],
    mql: { fit: 40, engagement: 30 },
  },
  'score.spec',
);

const CAPTURED_ID = '00000000-0000-4000-8000-00000000000c';
const eventId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Facts as if one event set them all (or the given one). */
function factsOf(values: Partial<Record<ScoringField, string | number>>, setBy = CAPTURED_ID): LeadFacts {
  return Object.fromEntries(
    Object.entries(values).map(([field, value]) => [field, { value, eventId: setBy }]),
  ) as LeadFacts;
}

const engaged = (activity: EngagementActivity, occurredAt: string, id: string): Engagement => ({
  eventId: id,
  activity,
  occurredAt,
});

const fitRulesMatching = (facts: LeadFacts) =>
  scoreLead(model, facts, [], new Date('2026-11-20T00:00:00Z')).breakdown.map((part) => part.ruleId);

describe('scoring a lead', () => {
  describe('fit: one contribution per matching rule, naming the event that set the field', () => {
    it('range with a min is inclusive', () => {
      expect(fitRulesMatching(factsOf({ 'company.size': 100 }))).toEqual(['size-100-plus']);
      expect(fitRulesMatching(factsOf({ 'company.size': 5000 }))).toEqual(['size-100-plus']);
    });

    it('range with a max is inclusive', () => {
      expect(disqualifierMatching(model, factsOf({ 'company.size': 9 }))?.id).toBe('too-small');
      expect(disqualifierMatching(model, factsOf({ 'company.size': 10 }))).toBeUndefined();
    });

    it('range with both bounds holds between them, ends included', () => {
      expect(fitRulesMatching(factsOf({ 'company.size': 50 }))).toEqual(['size-50-99']);
      expect(fitRulesMatching(factsOf({ 'company.size': 99 }))).toEqual(['size-50-99']);
      expect(fitRulesMatching(factsOf({ 'company.size': 49 }))).toEqual([]);
    });

    it('pattern is found anywhere in the text, case-insensitive', () => {
      expect(fitRulesMatching(factsOf({ 'contact.jobTitle': 'HEAD OF Revenue' }))).toEqual(['title-senior']);
      expect(fitRulesMatching(factsOf({ 'contact.jobTitle': 'Senior VP, Sales' }))).toEqual(['title-senior']);
      expect(fitRulesMatching(factsOf({ 'contact.jobTitle': 'Headhunter' }))).toEqual([]);
    });

    it('in is equality with one of the values, case-insensitive', () => {
      expect(fitRulesMatching(factsOf({ 'company.industry': 'SaaS' }))).toEqual(['industry-software']);
      expect(fitRulesMatching(factsOf({ 'company.industry': 'software' }))).toEqual(['industry-software']);
      expect(fitRulesMatching(factsOf({ 'company.industry': 'software services' }))).toEqual([]);
    });

    it('emailDomainIn compares the part after the @, case-insensitive, and nothing else', () => {
      expect(fitRulesMatching(factsOf({ 'contact.email': 'Ana@GMAIL.com' }))).toEqual(['free-mail']);
      expect(fitRulesMatching(factsOf({ 'contact.email': 'ana@gmx.de' }))).toEqual(['free-mail']);
      expect(fitRulesMatching(factsOf({ 'contact.email': 'ana@mail.gmail.com' }))).toEqual([]);
      expect(fitRulesMatching(factsOf({ 'contact.email': 'gmail.com@acme.io' }))).toEqual([]);
    });

    it('a rule with negative points is a penalty the fit sums like any other part', () => {
      const score = scoreLead(
        model,
        factsOf({ 'company.size': 250, 'contact.email': 'ana@gmail.com' }),
        [],
        new Date('2026-11-20T00:00:00Z'),
      );

      expect(score.breakdown).toEqual([
        { ruleId: 'size-100-plus', axis: 'fit', points: 25, eventId: CAPTURED_ID },
        { ruleId: 'free-mail', axis: 'fit', points: -15, eventId: CAPTURED_ID },
      ]);
      expect(score).toMatchObject({ fit: 10, engagement: 0, total: 10, modelVersion: 'spec-1' });
    });

    it('a condition on a field the lead does not have does not match, fit rule or disqualifier', () => {
      const facts = factsOf({ 'contact.email': 'ana@acme.io' });

      expect(fitRulesMatching(facts)).toEqual([]);
      expect(disqualifierMatching(model, facts)).toBeUndefined();
    });

    it('each contribution names the event that last set its field', () => {
      const facts: LeadFacts = {
        'company.size': { value: 250, eventId: eventId(1) },
        'contact.jobTitle': { value: 'VP Sales', eventId: eventId(7) },
      };

      expect(scoreLead(model, facts, [], new Date('2026-11-20T00:00:00Z')).breakdown).toEqual([
        { ruleId: 'size-100-plus', axis: 'fit', points: 25, eventId: eventId(1) },
        { ruleId: 'title-senior', axis: 'fit', points: 20, eventId: eventId(7) },
      ]);
    });
  });

  describe('engagement decays with a half-life from the time of each activity', () => {
    const downloadedAt = '2026-09-01T12:00:00Z';
    const download = [engaged('whitepaper_download', downloadedAt, eventId(1))];
    const engagementAfter = (days: number) =>
      scoreLead(model, {}, download, new Date(Date.parse(downloadedAt) + days * DAY_MS)).engagement;

    it('counts 10 points in full at age zero', () => {
      expect(engagementAfter(0)).toBe(10);
    });

    it('counts 5 exactly one half-life later', () => {
      expect(engagementAfter(30)).toBe(5);
    });

    it('counts 3 two half-lives later: 2.5 rounds half up (Math.round)', () => {
      expect(engagementAfter(60)).toBe(3);
    });

    it('rounds 1.25 to 1 and drops a part that rounds to 0 from the breakdown', () => {
      expect(engagementAfter(90)).toBe(1);
      const faded = scoreLead(model, {}, download, new Date(Date.parse(downloadedAt) + 150 * DAY_MS));
      expect(faded).toMatchObject({ engagement: 0, total: 0, breakdown: [] });
    });

    it('counts an activity dated after the moment of scoring undecayed', () => {
      expect(engagementAfter(-3)).toBe(10);
    });
  });

  describe('engagement is capped per activity per period', () => {
    // 7-day windows count from the Unix epoch, a Thursday: one starts on 2026-11-19T00:00Z.
    const asOf = new Date('2026-11-19T00:00:00Z');

    it('pays 10 + 10 + 0 for three pricing page views in one window with a cap of 20', () => {
      const score = scoreLead(
        model,
        {},
        [
          engaged('pricing_page_view', '2026-11-17T09:00:00Z', eventId(1)),
          engaged('pricing_page_view', '2026-11-18T09:00:00Z', eventId(2)),
          engaged('pricing_page_view', '2026-11-18T23:59:59Z', eventId(3)),
        ],
        asOf,
      );

      expect(score.breakdown).toEqual([
        { ruleId: 'pricing-page', axis: 'engagement', points: 10, eventId: eventId(1) },
        { ruleId: 'pricing-page', axis: 'engagement', points: 10, eventId: eventId(2) },
      ]);
      expect(score.engagement).toBe(20);
    });

    it('pays again for a view in the next window', () => {
      const score = scoreLead(
        model,
        {},
        [
          engaged('pricing_page_view', '2026-11-17T09:00:00Z', eventId(1)),
          engaged('pricing_page_view', '2026-11-18T09:00:00Z', eventId(2)),
          engaged('pricing_page_view', '2026-11-18T23:59:59Z', eventId(3)),
          engaged('pricing_page_view', '2026-11-19T00:00:00Z', eventId(4)),
        ],
        asOf,
      );

      expect(score.breakdown.map((part) => [part.eventId, part.points])).toEqual([
        [eventId(1), 10],
        [eventId(2), 10],
        [eventId(4), 10],
      ]);
    });

    it('pays the remainder to the activity that reaches the cap', () => {
      const score = scoreLead(
        model,
        {},
        [1, 2, 3].map((n) => engaged('whitepaper_download', `2026-11-1${n}T00:00:00Z`, eventId(n))),
        new Date('2026-11-13T00:00:00Z'),
      );

      expect(score.breakdown.map((part) => part.points)).toEqual([10, 10, 5]);
    });

    it('pays the earliest activities of a window, whatever order they are given in; ties by event id', () => {
      const score = scoreLead(
        model,
        {},
        [
          engaged('pricing_page_view', '2026-11-18T09:00:00Z', eventId(9)),
          engaged('pricing_page_view', '2026-11-17T09:00:00Z', eventId(5)),
          engaged('pricing_page_view', '2026-11-17T09:00:00Z', eventId(4)),
        ],
        asOf,
      );

      expect(score.breakdown.map((part) => part.eventId)).toEqual([eventId(4), eventId(5)]);
    });

    it('keeps a cap per rule: one activity reaching its cap leaves the others alone', () => {
      const score = scoreLead(
        model,
        {},
        [
          engaged('pricing_page_view', '2026-11-17T09:00:00Z', eventId(1)),
          engaged('pricing_page_view', '2026-11-17T10:00:00Z', eventId(2)),
          engaged('pricing_page_view', '2026-11-17T11:00:00Z', eventId(3)),
          engaged('demo_requested', '2026-11-17T12:00:00Z', eventId(4)),
          engaged('email_open', '2026-11-17T13:00:00Z', eventId(5)),
        ],
        asOf,
      );

      expect(score.breakdown.map((part) => [part.ruleId, part.points])).toEqual([
        ['pricing-page', 10],
        ['pricing-page', 10],
        ['demo-request', 29],
      ]);
      expect(score.engagement).toBe(49);
    });
  });

  describe('a score always equals its breakdown', () => {
    it('over 200 generated models, leads and activity histories', () => {
      const random = mulberry32(20261120);
      let runsWithEngagement = 0;
      let runsWithActivitiesEarningNothing = 0;
      for (let run = 0; run < 200; run++) {
        const generatedModel = randomModel(random);
        const facts = randomFacts(random);
        const engagements = randomEngagements(random);
        const asOf = new Date(Date.parse('2026-06-01T00:00:00Z') + Math.floor(random() * 400 * DAY_MS));

        const score = scoreLead(generatedModel, facts, engagements, asOf);

        const fitParts = score.breakdown.filter((part) => part.axis === 'fit');
        const engagementParts = score.breakdown.filter((part) => part.axis === 'engagement');
        expect(score.total).toBe(sumOf(score.breakdown));
        expect(score.fit).toBe(sumOf(fitParts));
        expect(score.engagement).toBe(sumOf(engagementParts));
        expect(score.total).toBe(score.fit + score.engagement);
        for (const part of score.breakdown) {
          expect(Number.isInteger(part.points) && part.points !== 0).toBe(true);
        }
        for (const part of fitParts) {
          const field = generatedModel.fit.rules.find((rule) => rule.id === part.ruleId)?.condition.field;
          expect(part.eventId).toBe(field && facts[field]?.eventId);
        }
        const engagementIds = engagementParts.map((part) => part.eventId);
        expect(new Set(engagementIds).size).toBe(engagementIds.length);
        for (const part of engagementParts) {
          const source = engagements.find((engagement) => engagement.eventId === part.eventId);
          const rule = generatedModel.engagement.rules.find((candidate) => candidate.id === part.ruleId);
          expect(rule?.activity).toBe(source?.activity);
          expect(part.points).toBeGreaterThan(0);
        }
        expect(withinCaps(generatedModel, engagementParts, engagements)).toBe(true);
        const scoredActivities = new Set(generatedModel.engagement.rules.map((rule) => rule.activity));
        if (engagementParts.length > 0) runsWithEngagement++;
        if (engagementParts.length < engagements.filter((e) => scoredActivities.has(e.activity)).length) {
          runsWithActivitiesEarningNothing++;
        }
      }
      // The generator exercises what the invariant is about: decayed and capped parts, not only empty scores.
      expect(runsWithEngagement).toBeGreaterThan(100);
      expect(runsWithActivitiesEarningNothing).toBeGreaterThan(100);
    });
  });

  describe('marketing qualified', () => {
    it('needs both axes at or above their thresholds', () => {
      expect(isMarketingQualified(model, { fit: 40, engagement: 30 })).toBe(true);
      expect(isMarketingQualified(model, { fit: 39, engagement: 90 })).toBe(false);
      expect(isMarketingQualified(model, { fit: 90, engagement: 29 })).toBe(false);
    });

    it('the first disqualifier in model order that matches is the one given', () => {
      const facts = factsOf({ 'company.size': 3, 'contact.jobTitle': 'Student' });

      expect(disqualifierMatching(model, facts)?.id).toBe('too-small');
      expect(disqualifierMatching(model, factsOf({ 'contact.jobTitle': 'student' }))?.id).toBe('student');
    });
  });

  describe('nextReviewAt', () => {
    const fitLead = factsOf({ 'company.size': 250, 'contact.jobTitle': 'VP Sales' });
    const asOf = new Date('2026-11-20T10:00:00Z');
    const engagements = [
      engaged('demo_requested', '2026-11-20T09:00:00Z', eventId(1)),
      engaged('pricing_page_view', '2026-11-18T15:30:00Z', eventId(2)),
    ];
    const engagementAt = (at: Date) => scoreLead(model, fitLead, engagements, at).engagement;

    it('is the first minute at which decay takes an eligible lead below the engagement threshold', () => {
      expect(isMarketingQualified(model, scoreLead(model, fitLead, engagements, asOf))).toBe(true);

      const reviewAt = nextReviewAt(model, fitLead, engagements, asOf);

      expect(reviewAt).toBeDefined();
      const at = reviewAt as Date;
      expect((at.getTime() - asOf.getTime()) % MINUTE_MS).toBe(0);
      expect(engagementAt(at)).toBeLessThan(model.mql.engagement);
      expect(engagementAt(new Date(at.getTime() - MINUTE_MS))).toBeGreaterThanOrEqual(model.mql.engagement);
    });

    it('is absent once engagement is below the threshold: decay only lowers it further', () => {
      const lateAsOf = new Date('2027-01-20T10:00:00Z');
      expect(engagementAt(lateAsOf)).toBeLessThan(model.mql.engagement);

      expect(nextReviewAt(model, fitLead, engagements, lateAsOf)).toBeUndefined();
    });

    it('is absent when the fit is short: fit does not decay, so decay cannot change eligibility', () => {
      expect(nextReviewAt(model, factsOf({ 'company.size': 250 }), engagements, asOf)).toBeUndefined();
    });

    it('is absent when engagement cannot fall below the threshold', () => {
      const noEngagementBar = { ...model, mql: { fit: 40, engagement: 0 } } satisfies ScoringModel;

      expect(nextReviewAt(noEngagementBar, fitLead, engagements, asOf)).toBeUndefined();
    });
  });
});

/** A tiny deterministic PRNG (mulberry32): the same seed gives the same cases on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)];

function randomModel(random: () => number): ScoringModel {
  for (;;) {
    const activities = ENGAGEMENT_ACTIVITIES.filter(() => random() < 0.7);
    try {
      return parseScoringModel(
        {
          version: 'generated',
          fit: {
            rules: [
              {
                id: 'size',
                field: 'company.size',
                range: { min: between(random, 1, 500) },
                points: between(random, -30, 30),
              },
              {
                id: 'title',
                field: 'contact.jobTitle',
                pattern: pick(random, ['vp', 'head', '^c']),
                points: between(random, -30, 30),
              },
              {
                id: 'industry',
                field: 'company.industry',
                in: ['software', 'retail'],
                points: between(random, -30, 30),
              },
              {
                id: 'mail',
                field: 'contact.email',
                emailDomainIn: ['gmail.com'],
                points: between(random, -30, 30),
              },
              { id: 'source', field: 'source', in: ['referral', 'event'], points: between(random, -30, 30) },
            ],
          },
          engagement: {
            halfLifeDays: between(random, 1, 60) + (random() < 0.5 ? 0.5 : 0),
            rules: activities.map((activity) => {
              const points = between(random, 1, 30);
              return {
                id: `rule-${activity}`,
                activity,
                points,
                cap: {
                  points: points * between(random, 1, 3) - between(random, 0, points - 1),
                  periodDays: between(random, 1, 30),
                },
              };
            }),
          },
          disqualifiers: [],
          mql: { fit: 40, engagement: 30 },
        },
        'generated',
      );
    } catch {
      // A generated model whose scores could exceed what a LeadScored carries: draw another.
    }
  }
}

function randomFacts(random: () => number): LeadFacts {
  const candidates: Record<ScoringField, () => string | number> = {
    'contact.email': () => pick(random, ['ana@gmail.com', 'bo@acme.io', 'cy@GMAIL.COM']),
    'contact.firstName': () => 'Ana',
    'contact.lastName': () => 'Ng',
    'contact.fullName': () => 'Cher',
    'contact.phone': () => '+49 30 1',
    'contact.jobTitle': () => pick(random, ['VP Sales', 'CEO', 'Head of IT', 'Student']),
    'company.name': () => 'Acme',
    'company.size': () => between(random, 1, 2000),
    'company.sizeAsGiven': () => pick(random, ['51-200', '1,000+', 'enterprise']),
    'company.industry': () => pick(random, ['Software', 'retail', 'mining']),
    'company.country': () => pick(random, ['DE', 'US']),
    'company.countryAsGiven': () => pick(random, ['Asia/Pacific Region', 'EMEA']),
    source: () => pick(random, ['web_form', 'referral', 'event']),
  };
  const facts: Partial<Record<ScoringField, Fact<string | number>>> = {};
  for (const field of SCORING_FIELDS) {
    if (random() < 0.7)
      facts[field] = { value: candidates[field](), eventId: eventId(between(random, 1, 5)) };
  }
  return facts as LeadFacts;
}

function randomEngagements(random: () => number): Engagement[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: between(random, 0, 60) }, (_, index) => ({
    eventId: eventId(1000 + index),
    activity: pick(random, ENGAGEMENT_ACTIVITIES),
    // Minute-aligned times within ~18 months, so some share a minute and the event-id tie-break is exercised.
    occurredAt: new Date(start + between(random, 0, 540 * 24 * 60) * MINUTE_MS).toISOString(),
  }));
}

/** Per rule and cap window, the (decayed) points paid never exceed the cap. */
function withinCaps(
  generatedModel: ScoringModel,
  parts: readonly ScoreContribution[],
  engagements: readonly Engagement[],
): boolean {
  const paid = new Map<string, number>();
  for (const part of parts) {
    const rule = generatedModel.engagement.rules.find((candidate) => candidate.id === part.ruleId);
    const occurredAt = engagements.find((engagement) => engagement.eventId === part.eventId)?.occurredAt;
    if (!rule || !occurredAt) return false;
    const window = `${rule.id}@${Math.floor(Date.parse(occurredAt) / (rule.cap.periodDays * DAY_MS))}`;
    paid.set(window, (paid.get(window) ?? 0) + part.points);
    if ((paid.get(window) ?? 0) > rule.cap.points) return false;
  }
  return true;
}

function sumOf(parts: readonly ScoreContribution[]): number {
  return parts.reduce((sum, { points }) => sum + points, 0);
}
