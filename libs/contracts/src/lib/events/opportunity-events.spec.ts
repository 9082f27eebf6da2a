import { validateEventData } from '../event-catalog';

const opened = {
  opportunityId: '7d1e5b2a-3c4f-4e6d-8a9b-0c1d2e3f4a5b',
  leadId: '0b9f3c56-54a5-4f7e-9a57-2f1f4b2d6c11',
  name: 'ACME Logistics - fleet analytics',
  owner: 'ana@example.com',
  pipeline: 'new-business',
  stage: 'discovery',
  probability: 20,
  amount: { amountMinor: 4_800_000, currency: 'EUR' },
  expectedCloseDate: '2025-06-30',
  forecastCategory: 'pipeline',
};

describe('opportunity payloads', () => {
  it('accepts a realistic opened opportunity', () => {
    expect(validateEventData('OpportunityOpened', opened)).toEqual([]);
  });

  it.each([
    [
      'a negative amount',
      { amount: { amountMinor: -100, currency: 'EUR' } },
      'amount.amountMinor',
      /not be less than 0/,
    ],
    [
      'an amount in major units',
      { amount: { amountMinor: 48000.5, currency: 'EUR' } },
      'amount.amountMinor',
      /integer/,
    ],
    [
      'a currency that is no ISO 4217 code',
      { amount: { amountMinor: 100, currency: 'EURO' } },
      'amount.currency',
      /ISO4217/i,
    ],
    [
      'a lower-case currency',
      { amount: { amountMinor: 100, currency: 'eur' } },
      'amount.currency',
      /uppercase/,
    ],
    ['a probability over 100', { probability: 120 }, 'probability', /not be greater than 100/],
    [
      'a close date with a time',
      { expectedCloseDate: '2025-06-30T00:00:00Z' },
      'expectedCloseDate',
      /YYYY-MM-DD/,
    ],
    [
      'a close date that does not exist',
      { expectedCloseDate: '2025-02-30' },
      'expectedCloseDate',
      /YYYY-MM-DD/,
    ],
    [
      'an unknown forecast category',
      { forecastCategory: 'upside' },
      'forecastCategory',
      /one of the following/,
    ],
  ])('rejects %s, naming the field', (_case, change, path, reason) => {
    expect(validateEventData('OpportunityOpened', { ...opened, ...change })).toContainEqual({
      path,
      reason: expect.stringMatching(reason),
    });
  });

  it('accepts a loss with a competitor and a closed-set reason', () => {
    const lost = {
      opportunityId: opened.opportunityId,
      reason: 'competitor',
      competitor: 'Globex',
      closedOn: '2025-05-14',
    };
    expect(validateEventData('OpportunityLost', lost)).toEqual([]);
    expect(
      validateEventData('OpportunityLost', { ...lost, reason: 'they went dark' }).map(({ path }) => path),
    ).toEqual(['reason']);
  });
});
