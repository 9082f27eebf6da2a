import { validateEventData } from '../event-catalog';

const leadId = '0b9f3c56-54a5-4f7e-9a57-2f1f4b2d6c11';

/** A web-form lead as lead-capture records it. */
const capturedFromWebForm = {
  leadId,
  source: 'web_form',
  sourceDetail: 'contact-us',
  utm: { source: 'linkedin', medium: 'paid_social', campaign: 'q3-revops-webinar' },
  contact: {
    email: 'ana.souza@acme-logistics.com',
    firstName: 'Ana',
    lastName: 'Souza',
    phone: '+49 30 1234567',
    jobTitle: 'Head of Revenue Operations',
  },
  company: { name: 'ACME Logistics GmbH', size: 850, industry: 'Logistics', country: 'DE' },
  externalRef: { system: 'hubspot', id: '51234' },
};

describe('LeadCaptured data', () => {
  it('accepts a realistic web-form lead', () => {
    expect(validateEventData('LeadCaptured', capturedFromWebForm)).toEqual([]);
  });

  it('accepts the minimum: id, source and a contact', () => {
    expect(
      validateEventData('leadledger.lead.captured.v1', {
        leadId,
        source: 'event',
        contact: { firstName: 'Jo' },
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'a bad email',
      { contact: { ...capturedFromWebForm.contact, email: 'ana.souza' } },
      'contact.email',
      /email/,
    ],
    ['an unknown field', { campaignId: 'x-1' }, 'campaignId', /should not exist/],
    [
      'an unknown nested field',
      { contact: { email: 'a@b.co', twitter: '@ana' } },
      'contact.twitter',
      /should not exist/,
    ],
    ['a company size of 0', { company: { size: 0 } }, 'company.size', /not be less than 1/],
    ['a fractional company size', { company: { size: 12.5 } }, 'company.size', /integer/],
    [
      'a country name instead of a code',
      { company: { country: 'Germany' } },
      'company.country',
      /ISO31661 Alpha2/i,
    ],
    ['a lower-case country code', { company: { country: 'de' } }, 'company.country', /uppercase/],
    ['a source outside the set', { source: 'tiktok' }, 'source', /one of the following values/],
    ['a lead id that is not a UUID', { leadId: '42' }, 'leadId', /UUID/],
    ['a null where a field may only be absent', { sourceDetail: null }, 'sourceDetail', /string/],
    ['an empty string', { sourceDetail: '' }, 'sourceDetail', /longer than or equal to 1/],
    [
      'an over-long string',
      { sourceDetail: 'x'.repeat(201) },
      'sourceDetail',
      /shorter than or equal to 200/,
    ],
    ['a list where one object belongs', { contact: [{ email: 'a@b.co' }] }, 'contact', /object/],
  ])('rejects %s, naming the field', (_case, change, path, reason) => {
    const issues = validateEventData('LeadCaptured', { ...capturedFromWebForm, ...change });
    expect(issues).toContainEqual({ path, reason: expect.stringMatching(reason) });
  });

  it('reports a missing contact and data that is no object', () => {
    const { contact: _contact, ...withoutContact } = capturedFromWebForm;
    expect(validateEventData('LeadCaptured', withoutContact).map(({ path }) => path)).toContain('contact');
    expect(validateEventData('LeadCaptured', 'ana@example.com')).toEqual([
      { path: '', reason: 'must be an object' },
    ]);
  });

  it('states reasons without repeating the field name', () => {
    const [issue] = validateEventData('LeadCaptured', { ...capturedFromWebForm, leadId: '42' });
    expect(issue).toEqual({ path: 'leadId', reason: 'must be a UUID' });
  });
});

describe('other lead payloads', () => {
  it('accepts a score with its breakdown and names the bad element of a list', () => {
    const scored = {
      leadId,
      fit: 35,
      engagement: -5,
      total: 30,
      breakdown: [
        {
          ruleId: 'fit.company-size.500-plus',
          axis: 'fit',
          points: 35,
          eventId: 'a3c2d1e0-1111-4a2b-8c3d-9e8f7a6b5c4d',
        },
        { ruleId: 'engagement.decay.30d', axis: 'engagement', points: -5 },
      ],
      modelVersion: 'scoring-2025-03',
    };
    expect(validateEventData('LeadScored', scored)).toEqual([]);
    const badAxis = {
      ...scored,
      breakdown: [scored.breakdown[0], { ...scored.breakdown[1], axis: 'intent' }],
    };
    expect(validateEventData('LeadScored', badAxis)).toEqual([
      { path: 'breakdown.1.axis', reason: 'must be one of the following values: fit, engagement' },
    ]);
  });

  it('refuses a list item that is itself a list, which nested validation alone lets through', () => {
    const scored = { leadId, fit: 1, engagement: 1, total: 2, breakdown: [[]], modelVersion: 'v' };
    expect(validateEventData('LeadScored', scored)).toEqual([
      { path: 'breakdown', reason: expect.stringMatching(/breakdown\[0\] must be an object/) },
    ]);
  });

  it('accepts only known changed fields, at least one', () => {
    const update = {
      leadId,
      contact: { jobTitle: 'VP Sales' },
      changedFields: ['contact.jobTitle', 'contact.phone'],
    };
    expect(validateEventData('LeadDetailsUpdated', update)).toEqual([]);
    expect(
      validateEventData('LeadDetailsUpdated', { ...update, changedFields: [] }).map(({ path }) => path),
    ).toEqual(['changedFields']);
    expect(
      validateEventData('LeadDetailsUpdated', { ...update, changedFields: ['contact.twitter'] }),
    ).toContainEqual({
      path: 'changedFields',
      reason: expect.stringMatching(/each value in changedFields must be one of/),
    });
  });

  it('needs an offset on the SLA due time', () => {
    const assigned = { leadId, owner: 'ana@example.com', team: 'emea', slaDueAt: '2025-03-03T09:00:00Z' };
    expect(validateEventData('LeadAssignedToSales', assigned)).toEqual([]);
    expect(
      validateEventData('LeadAssignedToSales', { ...assigned, slaDueAt: '2025-03-03T09:00:00' }),
    ).toEqual([{ path: 'slaDueAt', reason: expect.stringMatching(/RFC 3339/) }]);
  });

  it('takes sales rejection reasons from a closed set', () => {
    const rejected = {
      leadId,
      owner: 'ana@example.com',
      reason: 'no_budget',
      note: 'Budget frozen until Q1.',
    };
    expect(validateEventData('LeadRejectedBySales', rejected)).toEqual([]);
    expect(
      validateEventData('LeadRejectedBySales', { ...rejected, reason: 'cheap' }).map(({ path }) => path),
    ).toEqual(['reason']);
  });
});
