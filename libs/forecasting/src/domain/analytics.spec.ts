import { describe, expect, it } from '@jest/globals';
import { DEFAULT_PIPELINES_PATH, loadPipelines } from '@leadledger/contracts';
import type {
  ClosedOpportunity,
  FunnelLead,
  OpportunityVersion,
  StageVisit,
} from '../projections/analytics-queries';
import {
  cycleTimesOf,
  funnelOf,
  lossReasonsOf,
  openPipelineOf,
  pipelineChangesOf,
  stageProbabilitiesOf,
  winRatesOf,
} from './analytics';

const config = loadPipelines(DEFAULT_PIPELINES_PATH).config;

const lead = (source: string, reached: number, cohortMonth = '2026-10'): FunnelLead => ({
  source,
  cohortMonth,
  mql: reached >= 1,
  sql: reached >= 2,
  opportunity: reached >= 3,
  won: reached >= 4,
});

describe('the funnel', () => {
  it('counts each milestone and converts each step from the one before', () => {
    const leads = [
      lead('web_form', 4),
      lead('web_form', 1),
      lead('event', 0, '2026-11'),
      lead('event', 3, '2026-11'),
    ];
    const funnel = funnelOf(leads, 'source');
    expect(funnel.total.counts).toEqual({ leads: 4, mql: 3, sql: 2, opportunity: 2, won: 1 });
    expect(funnel.total.conversion).toEqual({
      leadToMql: { numerator: 3, denominator: 4, rate: 0.75 },
      mqlToSql: { numerator: 2, denominator: 3, rate: 0.6667 },
      sqlToOpportunity: { numerator: 2, denominator: 2, rate: 1 },
      opportunityToWon: { numerator: 1, denominator: 2, rate: 0.5 },
      leadToWon: { numerator: 1, denominator: 4, rate: 0.25 },
    });
    expect(funnel.groups?.map(({ key, counts }) => [key, counts.leads, counts.won])).toEqual([
      ['event', 2, 0],
      ['web_form', 2, 1],
    ]);
    expect(funnelOf(leads, 'month').groups?.map(({ key }) => key)).toEqual(['2026-10', '2026-11']);
  });
});

const version = (id: string, overrides: Partial<OpportunityVersion>): OpportunityVersion => ({
  opportunityId: id,
  status: 'open',
  owner: 'ana',
  pipeline: 'new-business',
  stage: 'discovery',
  probability: 10,
  forecastCategory: 'pipeline',
  amountMinor: 100_00,
  currency: 'EUR',
  expectedCloseDate: '2026-12-01',
  ...overrides,
});

describe('pipeline changes between two instants', () => {
  it('tells each opportunity what happened to it, by the pipeline order', () => {
    const before = new Map([
      ['a', version('a', {})],
      ['b', version('b', { stage: 'proposal', probability: 50 })],
      ['c', version('c', {})],
      ['d', version('d', {})],
      ['e', version('e', {})],
    ]);
    const after = new Map([
      ['a', version('a', { stage: 'negotiation', probability: 80, expectedCloseDate: '2027-01-15' })],
      ['b', version('b', { stage: 'discovery', amountMinor: 150_00 })],
      ['c', version('c', { status: 'won', amountMinor: 90_00 })],
      ['d', version('d', { status: 'lost' })],
      ['e', version('e', { expectedCloseDate: '2026-11-20' })],
      ['f', version('f', {})],
    ]);
    const { changes, totals } = pipelineChangesOf(before, after, new Set(['f']), config);
    expect(changes.map(({ opportunityId, kinds }) => [opportunityId, kinds])).toEqual([
      ['a', ['advanced', 'slipped']],
      ['b', ['movedBack', 'amountChanged']],
      ['c', ['won']],
      ['d', ['lost']],
      ['e', ['pulledIn']],
      ['f', ['entered']],
    ]);
    expect(totals.find(({ kind }) => kind === 'won')).toEqual({
      kind: 'won',
      count: 1,
      amounts: [{ currency: 'EUR', amount: '90.00' }],
    });
  });
});

describe('the open pipeline at an instant', () => {
  it('sums amount and weighted amount per currency, leaving omitted ones out of the weighted sum', () => {
    const pipeline = openPipelineOf(
      new Map([
        ['a', version('a', { amountMinor: 1_000_00, probability: 10 })],
        ['b', version('b', { amountMinor: 333_33, probability: 50 })],
        ['c', version('c', { amountMinor: 500_00, forecastCategory: 'omitted' })],
        ['d', version('d', { status: 'won' })],
        ['e', version('e', { amountMinor: undefined, currency: undefined })],
      ]),
    );
    // weighted: 100.00 + 166.665 = 266.665 -> 266.67
    expect(pipeline.totals).toEqual([
      { currency: 'EUR', opportunities: 3, amount: '1833.33', weighted: '266.67' },
    ]);
    expect(pipeline.withoutAmount).toBe(1);
    expect(pipeline.opportunities.map(({ opportunityId }) => opportunityId)).toEqual(['a', 'b', 'c', 'e']);
  });
});

const closed = (
  id: string,
  status: 'won' | 'lost',
  overrides: Partial<ClosedOpportunity> = {},
): ClosedOpportunity => ({
  opportunityId: id,
  status,
  owner: 'ana',
  pipeline: 'new-business',
  source: 'web_form',
  openedAt: new Date('2026-10-01T00:00:00Z'),
  closedAt: new Date('2026-10-11T00:00:00Z'),
  amountMinor: 100_00,
  currency: 'EUR',
  ...overrides,
});

describe('win rates, loss reasons and cycle times', () => {
  const history = [
    closed('a', 'won'),
    closed('b', 'won', { owner: 'bob', closedAt: new Date('2026-10-21T00:00:00Z') }),
    closed('c', 'lost', { lossReason: 'price', competitor: 'Rival' }),
    closed('d', 'lost', { owner: 'bob', source: 'event', lossReason: 'price', amountMinor: 50_00 }),
    closed('e', 'lost', { lossReason: 'timing' }),
  ];

  it('win rate is won / (won + lost) per group', () => {
    const rates = winRatesOf(history, 'owner');
    expect(rates.total).toEqual({ numerator: 2, denominator: 5, rate: 0.4 });
    expect(rates.groups).toEqual([
      { key: 'ana', won: 1, lost: 2, winRate: { numerator: 1, denominator: 3, rate: 0.3333 } },
      { key: 'bob', won: 1, lost: 1, winRate: { numerator: 1, denominator: 2, rate: 0.5 } },
    ]);
  });

  it('loss reasons with shares, amounts and competitors, most frequent first', () => {
    expect(lossReasonsOf(history)).toEqual({
      lost: 3,
      reasons: [
        {
          reason: 'price',
          count: 2,
          share: { numerator: 2, denominator: 3, rate: 0.6667 },
          amounts: [{ currency: 'EUR', amount: '150.00' }],
          competitors: [{ name: 'Rival', count: 1 }],
        },
        {
          reason: 'timing',
          count: 1,
          share: { numerator: 1, denominator: 3, rate: 0.3333 },
          amounts: [{ currency: 'EUR', amount: '100.00' }],
          competitors: [],
        },
      ],
    });
  });

  it('cycle times per stage visit that ended, and from opening to won', () => {
    const visits: StageVisit[] = [
      {
        opportunityId: 'a',
        owner: 'ana',
        pipeline: 'new-business',
        stage: 'discovery',
        enteredAt: new Date('2026-10-01T00:00:00Z'),
        leftAt: new Date('2026-10-03T00:00:00Z'),
        leftTo: 'proposal',
        status: 'won',
      },
      {
        opportunityId: 'b',
        owner: 'bob',
        pipeline: 'new-business',
        stage: 'discovery',
        enteredAt: new Date('2026-10-01T00:00:00Z'),
        leftAt: new Date('2026-10-07T00:00:00Z'),
        leftTo: 'proposal',
        status: 'won',
      },
      {
        opportunityId: 'c',
        owner: 'ana',
        pipeline: 'new-business',
        stage: 'discovery',
        enteredAt: new Date('2026-10-01T00:00:00Z'),
        status: 'open',
      },
    ];
    expect(cycleTimesOf(visits, history)).toEqual([
      { pipeline: 'new-business', stage: 'discovery', count: 2, medianDays: 4, p90Days: 5.6 },
      { pipeline: 'new-business', stage: 'opening_to_won', count: 2, medianDays: 15, p90Days: 19 },
    ]);
    expect(
      cycleTimesOf(visits, history, 'owner').map(({ owner, stage, count }) => [owner, stage, count]),
    ).toEqual([
      ['ana', 'discovery', 1],
      ['ana', 'opening_to_won', 1],
      ['bob', 'discovery', 1],
      ['bob', 'opening_to_won', 1],
    ]);
  });
});

describe('calibrated stage probabilities', () => {
  it('observe the share won of those closed that passed through each stage, and use it once enough closed', () => {
    const visit = (id: string, stage: string, status: 'open' | 'won' | 'lost'): StageVisit => ({
      opportunityId: id,
      owner: 'ana',
      pipeline: 'new-business',
      stage,
      enteredAt: new Date('2026-10-01T00:00:00Z'),
      status,
    });
    const visits = [
      ...['w1', 'w2'].map((id) => visit(id, 'discovery', 'won')),
      ...['l1', 'l2', 'l3', 'l4'].map((id) => visit(id, 'discovery', 'lost')),
      visit('o1', 'discovery', 'open'),
      visit('w1', 'proposal', 'won'),
      visit('w1', 'proposal', 'won'), // a second visit of one stage counts the opportunity once
      visit('l1', 'proposal', 'lost'),
      visit('l2', 'proposal', 'lost'),
    ];
    const [discovery, proposal, negotiation] = stageProbabilitiesOf(visits, config);
    expect(discovery).toEqual({
      pipeline: 'new-business',
      stage: 'discovery',
      configured: 10,
      passedThrough: 7,
      won: 2,
      lost: 4,
      open: 1,
      observed: 33.33,
      interval95: { low: 9.68, high: 70 },
      calibrated: 33.33,
    });
    // Three closed are too few to trust 33.33% over the configured 50%.
    expect(proposal).toMatchObject({ passedThrough: 3, won: 1, lost: 2, observed: 33.33, calibrated: 50 });
    expect(negotiation).toEqual({
      pipeline: 'new-business',
      stage: 'negotiation',
      configured: 80,
      passedThrough: 0,
      won: 0,
      lost: 0,
      open: 0,
      calibrated: 80,
    });
  });
});
