import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGAGEMENT_ACTIVITIES } from '@leadledger/contracts';
import { factsCapturedBy } from './lead-facts';
import { disqualifierMatching, scoreLead } from './score';
import {
  InvalidScoringModelError,
  MAX_BREAKDOWN_SIZE,
  parseScoringModel,
  worstCaseBreakdownSize,
} from './scoring-model';

const CONFIG_PATH = join(__dirname, '../../../../config/scoring-model.json');
const ORIGIN = 'config/scoring-model.json';

/** A small valid document; each case below breaks one thing in a copy of it. */
function validDocument() {
  return {
    version: '2026-11-a',
    fit: {
      rules: [
        { id: 'company-size-100-plus', field: 'company.size', range: { min: 100 }, points: 25 },
        { id: 'industry-software', field: 'company.industry', in: ['software', 'saas'], points: 10 },
        { id: 'title-senior', field: 'contact.jobTitle', pattern: '\\b(vp|director)\\b', points: 20 },
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
        reason: 'fewer than 10 employees',
      },
    ],
    mql: { fit: 40, engagement: 30 },
  };
}

type Document = ReturnType<typeof validDocument>;

/** Given a document broken by `change`, when it is parsed: the error it is refused with. */
function given(change: (document: Document) => void) {
  const document = validDocument();
  change(document);
  return {
    thenRefused: (message: string | RegExp) => {
      const parse = () => parseScoringModel(document, ORIGIN);
      expect(parse).toThrow(InvalidScoringModelError);
      expect(parse).toThrow(message);
    },
  };
}

const rule = (document: Document, index: number) => document.fit.rules[index] as Record<string, unknown>;

describe('scoring model', () => {
  describe('the real config/scoring-model.json', () => {
    const model = parseScoringModel(JSON.parse(readFileSync(CONFIG_PATH, 'utf8')), ORIGIN);

    it('parses, at version 2026-11-a, within what a LeadScored can carry', () => {
      expect(model.version).toBe('2026-11-a');
      expect(worstCaseBreakdownSize(model)).toBeLessThanOrEqual(MAX_BREAKDOWN_SIZE);
    });

    it('scores every engagement activity', () => {
      expect(model.engagement.rules.map((rule) => rule.activity).sort()).toEqual(
        [...ENGAGEMENT_ACTIVITIES].sort(),
      );
    });

    it('makes a VP at a 250-person German software company a fit, and a student on free mail none', () => {
      const vp = factsCapturedBy(
        {
          leadId: '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01',
          source: 'web_form',
          contact: { email: 'ana@acme.io', jobTitle: 'Vice President Sales' },
          company: { size: 250, industry: 'Software', country: 'DE' },
        },
        '00000000-0000-4000-8000-000000000001',
      );
      const student = factsCapturedBy(
        {
          leadId: '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c02',
          source: 'web_form',
          contact: { email: 'bo@gmail.com', jobTitle: 'Werkstudent Marketing' },
        },
        '00000000-0000-4000-8000-000000000002',
      );

      const vpScore = scoreLead(model, vp, [], new Date('2026-11-20T00:00:00Z'));
      expect(vpScore.breakdown.map((part) => part.ruleId)).toEqual([
        'company-size-100-999',
        'title-senior',
        'industry-software',
        'country-dach',
      ]);
      expect(vpScore.fit).toBeGreaterThanOrEqual(model.mql.fit);
      expect(scoreLead(model, student, [], new Date('2026-11-20T00:00:00Z')).fit).toBe(-35);
    });

    it('rules out a company of 3, however engaged', () => {
      const tiny = factsCapturedBy(
        {
          leadId: '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c03',
          source: 'event',
          contact: { email: 'cy@tiny.io' },
          company: { size: 3 },
        },
        '00000000-0000-4000-8000-000000000003',
      );
      expect(disqualifierMatching(model, tiny)?.id).toBe('company-too-small');
    });
  });

  it('compiles conditions: patterns case-insensitive, listed values and domains lower-case', () => {
    const document = validDocument();
    document.fit.rules[1].in = ['Software', 'SaaS'];
    const model = parseScoringModel(document, ORIGIN);

    expect(model.fit.rules[0].condition).toEqual({ kind: 'range', field: 'company.size', min: 100 });
    expect(model.fit.rules[1].condition).toEqual({
      kind: 'in',
      field: 'company.industry',
      values: ['software', 'saas'],
    });
    expect(model.fit.rules[2].condition).toMatchObject({ kind: 'pattern', pattern: /\b(vp|director)\b/i });
  });

  describe('refuses a document, naming the origin and the rule at fault', () => {
    it('a duplicate rule id, across sections', () => {
      given((document) => {
        document.engagement.rules[1].id = 'title-senior';
      }).thenRefused(
        `${ORIGIN}: engagement.rules[1] (id "title-senior"): id "title-senior" is already used by fit.rules[2]`,
      );
    });

    it('a pattern that is not a regular expression', () => {
      given((document) => {
        rule(document, 2).pattern = '\\b(vp|director\\b';
      }).thenRefused(
        /^config\/scoring-model\.json: fit\.rules\[2\] \(id "title-senior"\): pattern is not a valid regular expression \(.+\)$/,
      );
    });

    it('a rule with two condition kinds, or none', () => {
      given((document) => {
        rule(document, 1).pattern = 'soft';
      }).thenRefused(
        `${ORIGIN}: fit.rules[1] (id "industry-software"): has 2 conditions (pattern, in); a rule tests exactly one`,
      );
      given((document) => {
        delete rule(document, 1).in;
      }).thenRefused(
        `fit.rules[1] (id "industry-software"): needs a condition: one of range, pattern, in, emailDomainIn`,
      );
    });

    it('an activity that is not an engagement activity', () => {
      given((document) => {
        (document.engagement.rules[0] as Record<string, unknown>).activity = 'demo_request';
      }).thenRefused(
        `${ORIGIN}: engagement.rules[0] (id "demo-request"): activity must be one of the following values: email_open`,
      );
    });

    it('a field a condition cannot read', () => {
      given((document) => {
        rule(document, 1).field = 'company.revenue';
      }).thenRefused(
        `${ORIGIN}: fit.rules[1] (id "industry-software"): field must be one of the following values:`,
      );
    });

    it('a property the model does not know', () => {
      given((document) => {
        rule(document, 0).weight = 2;
      }).thenRefused(`fit.rules[0] (id "company-size-100-plus"): weight should not exist`);
    });

    it('a range without bounds, or with min above max', () => {
      given((document) => {
        rule(document, 0).range = {};
      }).thenRefused(`fit.rules[0] (id "company-size-100-plus"): range needs a min, a max, or both`);
      given((document) => {
        document.disqualifiers[0].range = { min: 10, max: 9 } as { max: number };
      }).thenRefused(`${ORIGIN}: disqualifiers[0] (id "company-too-small"): range min 10 is above max 9`);
    });

    it('a condition that cannot apply to its field', () => {
      given((document) => {
        rule(document, 1).field = 'company.size';
      }).thenRefused(
        `fit.rules[1] (id "industry-software"): in compares text; company.size is a number: use range`,
      );
      given((document) => {
        rule(document, 0).field = 'contact.jobTitle';
      }).thenRefused(`fit.rules[0] (id "company-size-100-plus"): range needs a numeric field (company.size)`);
      given((document) => {
        rule(document, 3).field = 'company.name';
      }).thenRefused(`fit.rules[3] (id "free-mail"): emailDomainIn reads an email address: contact.email`);
      given((document) => {
        rule(document, 3).emailDomainIn = ['@gmail.com'];
      }).thenRefused(`fit.rules[3] (id "free-mail"): emailDomainIn has "@gmail.com", not a domain`);
      given((document) => {
        Object.assign(rule(document, 1), { field: 'source', in: ['referral', 'webform'] });
      }).thenRefused(`fit.rules[1] (id "industry-software"): in has "webform", not a lead source`);
    });

    it('two rules for one activity', () => {
      given((document) => {
        document.engagement.rules[1].activity = 'demo_requested';
      }).thenRefused(
        `engagement.rules[1] (id "pricing-page"): activity demo_requested is already scored by "demo-request"`,
      );
    });

    it('a half-life, cap or engagement points not above zero', () => {
      given((document) => {
        document.engagement.halfLifeDays = 0;
      }).thenRefused(`${ORIGIN}: engagement.halfLifeDays must be a positive number`);
      given((document) => {
        document.engagement.rules[1].cap.points = 0;
      }).thenRefused(`engagement.rules[1] (id "pricing-page"): cap.points must be a positive number`);
      given((document) => {
        document.engagement.rules[1].cap.periodDays = 1.5;
      }).thenRefused(`engagement.rules[1] (id "pricing-page"): cap.periodDays must be an integer number`);
      given((document) => {
        delete (document.engagement.rules[0] as Record<string, unknown>).cap;
      }).thenRefused(`engagement.rules[0] (id "demo-request"): cap must be an object`);
    });

    it('thresholds or points that are not whole numbers', () => {
      given((document) => {
        document.mql.engagement = 29.5;
      }).thenRefused(`${ORIGIN}: mql.engagement must be an integer number`);
      given((document) => {
        document.fit.rules[0].points = 2.5;
      }).thenRefused(`fit.rules[0] (id "company-size-100-plus"): points must be an integer number`);
    });

    it('a version that is empty or longer than 50 characters', () => {
      given((document) => {
        document.version = '';
      }).thenRefused(`${ORIGIN}: version must be longer than or equal to 1 characters`);
      given((document) => {
        document.version = 'v'.repeat(51);
      }).thenRefused(`${ORIGIN}: version must be shorter than or equal to 50 characters`);
    });

    it('a model whose scores could list more contributions than a LeadScored carries', () => {
      given((document) => {
        document.engagement.rules[1] = {
          id: 'page-view',
          activity: 'page_view',
          points: 1,
          cap: { points: 200, periodDays: 7 },
        };
      }).thenRefused(/engagement: a score could list up to \d+ contributions, more than the 500/);
    });

    it('something that is not a model at all, listing every problem', () => {
      expect(() => parseScoringModel([], ORIGIN)).toThrow(`${ORIGIN}: the model must be an object`);
      // A rule that is a list got past nested validation and crashed the parser with a TypeError.
      given((document) => {
        (document.engagement.rules as unknown[])[0] = [];
      }).thenRefused(/engagement\.rules.*must be an object/);
      given((document) => {
        document.version = '';
        rule(document, 2).pattern = '(';
      }).thenRefused(`${ORIGIN}: version must be longer than or equal to 1 characters`);
      const both = validDocument();
      both.fit.rules[0].id = 'free-mail';
      rule(both, 2).pattern = '(';
      expect(() => parseScoringModel(both, ORIGIN)).toThrow(
        /fit\.rules\[2\] \(id "title-senior"\): pattern is not .*; fit\.rules\[3\] \(id "free-mail"\): id "free-mail" is already used by fit\.rules\[0\]/,
      );
    });
  });
});
