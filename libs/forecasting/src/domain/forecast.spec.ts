import { describe, expect, it } from '@jest/globals';
import { forecastOf, type ForecastLine } from './forecast';

const line = (overrides: Partial<ForecastLine>): ForecastLine => ({
  status: 'open',
  owner: 'ana',
  pipeline: 'new-business',
  stage: 'discovery',
  category: 'pipeline',
  probability: 10,
  amountMinor: 0,
  currency: 'EUR',
  ...overrides,
});

const lines: ForecastLine[] = [
  line({ stage: 'negotiation', category: 'commit', probability: 80, amountMinor: 10_000 }),
  line({ owner: 'bob', stage: 'proposal', category: 'best_case', probability: 50, amountMinor: 20_000 }),
  line({ amountMinor: 33_333 }),
  line({ owner: 'dan', category: 'omitted', probability: 10, amountMinor: 5_000 }),
  line({ owner: 'cy', status: 'won', category: 'closed', probability: 100, amountMinor: 15_000 }),
  line({ owner: 'eve', amountMinor: undefined, currency: undefined }),
  line({ category: 'commit', probability: 80, amountMinor: 100_000, currency: 'USD' }),
];

describe('the forecast of a period', () => {
  it('sums each category and the weighted amount per currency, exactly, rounding the weighted sum once', () => {
    // weighted EUR: 100.00 x 0.8 + 200.00 x 0.5 + 333.33 x 0.1 = 80 + 100 + 33.333 = 213.333 -> 213.33
    expect(forecastOf(lines)).toEqual({
      withoutAmount: 1,
      currencies: [
        {
          currency: 'EUR',
          total: {
            closedWon: '150.00',
            commit: '100.00',
            bestCase: '200.00',
            pipeline: '333.33',
            weighted: '213.33',
            openOpportunities: 4,
            wonOpportunities: 1,
          },
        },
        {
          currency: 'USD',
          total: {
            closedWon: '0.00',
            commit: '1000.00',
            bestCase: '0.00',
            pipeline: '0.00',
            weighted: '800.00',
            openOpportunities: 1,
            wonOpportunities: 0,
          },
        },
      ],
    });
  });

  it('groups by owner, where an omitted opportunity counts as open but in no sum', () => {
    const eur = forecastOf(lines, { groupBy: 'owner' }).currencies[0];
    expect(eur.groups).toEqual([
      // 80 + 33.333 = 113.333
      {
        key: 'ana',
        closedWon: '0.00',
        commit: '100.00',
        bestCase: '0.00',
        pipeline: '333.33',
        weighted: '113.33',
        openOpportunities: 2,
        wonOpportunities: 0,
      },
      {
        key: 'bob',
        closedWon: '0.00',
        commit: '0.00',
        bestCase: '200.00',
        pipeline: '0.00',
        weighted: '100.00',
        openOpportunities: 1,
        wonOpportunities: 0,
      },
      {
        key: 'cy',
        closedWon: '150.00',
        commit: '0.00',
        bestCase: '0.00',
        pipeline: '0.00',
        weighted: '0.00',
        openOpportunities: 0,
        wonOpportunities: 1,
      },
      {
        key: 'dan',
        closedWon: '0.00',
        commit: '0.00',
        bestCase: '0.00',
        pipeline: '0.00',
        weighted: '0.00',
        openOpportunities: 1,
        wonOpportunities: 0,
      },
    ]);
  });

  it('puts won opportunities in their own stage and category groups', () => {
    const eur = forecastOf(lines, { groupBy: 'category' }).currencies[0];
    expect(eur.groups?.map(({ key }) => key)).toEqual([
      'best_case',
      'closed',
      'commit',
      'omitted',
      'pipeline',
    ]);
    expect(forecastOf(lines, { groupBy: 'stage' }).currencies[0].groups?.map(({ key }) => key)).toEqual([
      'closed_won',
      'discovery',
      'negotiation',
      'proposal',
    ]);
  });

  it('weighs with other probabilities when asked (calibrated ones may have decimals)', () => {
    const calibrated = forecastOf(lines, {
      probabilityOf: (l) => (l.stage === 'discovery' ? 12.5 : l.probability),
    });
    // 80 + 100 + 333.33 x 0.125 = 180 + 41.66625 = 221.66625 -> 221.67
    expect(calibrated.currencies[0].total.weighted).toBe('221.67');
  });

  it('keeps a currency without minor units whole, and sums past what one Money holds', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const forecast = forecastOf([
      line({ status: 'won', amountMinor: big, currency: 'JPY' }),
      line({ status: 'won', amountMinor: big, currency: 'JPY' }),
    ]);
    expect(forecast.currencies[0].total.closedWon).toBe((2n * BigInt(big)).toString());
  });
});
