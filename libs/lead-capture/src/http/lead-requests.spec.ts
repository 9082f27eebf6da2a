import { EngagementRequest, LeadSubmissionRequest } from './lead-requests';
import { readRequest } from './read-request';

describe('lead submission requests', () => {
  it('refuses an email with invisible characters, naming contact.email', () => {
    const read = readRequest(LeadSubmissionRequest, {
      source: 'web_form',
      contact: { email: 'a\u200Bna@acme.io' },
    });

    expect(read.ok).toBe(false);
    expect(!read.ok && read.issues).toEqual([
      { path: 'contact.email', reason: expect.stringMatching(/invisible characters/) },
    ]);
  });

  it('keeps a clear refusal for what identifies or routes a lead: a malformed email, an unknown source', () => {
    const read = readRequest(LeadSubmissionRequest, { source: 'fax', contact: { email: 'n/a' } });

    expect(!read.ok && read.issues.map(({ path }) => path).sort()).toEqual(['contact.email', 'source']);
  });

  it('takes descriptive fields in the shapes real forms send them', () => {
    const body = {
      source: 'web_form',
      sourceDetail: 42,
      utm: { content: 123 },
      contact: {
        email: 'ＡＮＡ@Acmé.io',
        fullName: 'Ana Smith',
        phone: 4930123456,
        jobTitle: 'x'.repeat(300),
      },
      company: { size: '51-200', country: 'India', industry: 'Software' },
    };

    expect(readRequest(LeadSubmissionRequest, body)).toEqual({
      ok: true,
      value: { ...body, contact: { ...body.contact, email: 'ana@xn--acm-dma.io' } },
    });
  });

  it('refuses a business time no later stage can read (a leap second), naming it, on submissions and engagements', () => {
    const engagement = readRequest(EngagementRequest, {
      activity: 'page_view',
      occurredAt: '2016-12-31T23:59:60Z',
    });
    const submission = readRequest(LeadSubmissionRequest, {
      source: 'import',
      contact: { email: 'ana@acme.io' },
      occurredAt: '2016-12-31T23:59:60Z',
    });

    for (const read of [engagement, submission]) {
      expect(!read.ok && read.issues).toEqual([
        { path: 'occurredAt', reason: expect.stringMatching(/leap second/) },
      ]);
    }
    expect(
      readRequest(EngagementRequest, { activity: 'page_view', occurredAt: '2016-12-31T23:59:59.999Z' }).ok,
    ).toBe(true);
  });
});
