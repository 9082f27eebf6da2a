import { DomainError } from '@leadledger/eventsourcing';
import { identityKeysOf } from './identity';
import { normalizeSubmission, readSubmission } from './lead-submission';

describe('reading a submission as forms send it', () => {
  it('gives full-width and decomposed spellings of one address one identity and one stored email', () => {
    const emails = ['ＡＮＡ@acmé.io', 'ana@xn--acm-dma.io', 'Ana@acme\u0301.io'];
    const normalized = emails.map((email) => normalizeSubmission({ source: 'web_form', contact: { email } }));

    expect(new Set(normalized.map(({ contact }) => contact.email))).toEqual(new Set(['ana@xn--acm-dma.io']));
    expect(new Set(normalized.map((each) => identityKeysOf(each).join()))).toEqual(
      new Set(['email:ana@xn--acm-dma.io']),
    );
  });

  it('refuses an email with invisible characters, naming contact.email', () => {
    const read = () => readSubmission({ source: 'web_form', contact: { email: 'a\u200Bna@acme.io' } });

    expect(read).toThrow(DomainError);
    expect(read).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        issues: [expect.objectContaining({ field: 'contact.email' })],
      }),
    );
  });

  it('keeps a mixed-script email as its own identity and reports it, without personal data', () => {
    const { submission, findings } = readSubmission({
      source: 'web_form',
      contact: { email: '\u0430na@acme.io' },
    });

    expect(identityKeysOf(submission)).toEqual(['email:\u0430na@acme.io']);
    expect(findings).toEqual([{ kind: 'email_mixed_script' }]);
  });

  it('normalizes the country to alpha-2 and keeps what names no country as given, reporting it', () => {
    expect(
      readSubmission({ source: 'web_form', contact: {}, company: { country: 'united kingdom' } }),
    ).toEqual({
      submission: { source: 'web_form', contact: {}, company: { country: 'GB' } },
      findings: [],
    });
    expect(
      readSubmission({ source: 'web_form', contact: {}, company: { country: 'Asia/Pacific Region' } }),
    ).toEqual({
      submission: { source: 'web_form', contact: {}, company: { countryAsGiven: 'Asia/Pacific Region' } },
      findings: [{ kind: 'kept_as_given', field: 'company.country' }],
    });
  });

  it('reads a size band by its lower bound, keeping the band; a size that is no number is kept as given', () => {
    expect(
      normalizeSubmission({ source: 'event', contact: {}, company: { size: '51-200' } }).company,
    ).toEqual({
      size: 51,
      sizeAsGiven: '51-200',
    });
    expect(readSubmission({ source: 'event', contact: {}, company: { size: 'enterprise' } })).toMatchObject({
      submission: { company: { sizeAsGiven: 'enterprise' } },
      findings: [{ kind: 'kept_as_given', field: 'company.size' }],
    });
  });

  it('splits a full name into first and last name when the form has no split', () => {
    expect(
      normalizeSubmission({ source: 'web_form', contact: { fullName: 'Ana Maria Smith' } }).contact,
    ).toEqual({
      firstName: 'Ana Maria',
      lastName: 'Smith',
    });
  });

  it('keeps a full name that cannot be split, and ignores it beside a first or last name', () => {
    expect(readSubmission({ source: 'web_form', contact: { fullName: 'Cher' } })).toMatchObject({
      submission: { contact: { fullName: 'Cher' } },
      findings: [{ kind: 'kept_as_given', field: 'contact.fullName' }],
    });
    expect(
      normalizeSubmission({ source: 'web_form', contact: { firstName: 'Ana', fullName: 'Ana Smith' } })
        .contact,
    ).toEqual({ firstName: 'Ana' });
  });

  it('takes numbers for text and cuts text over its event ceiling, reporting the cut', () => {
    const { submission, findings } = readSubmission({
      source: 'web_form',
      sourceDetail: 42,
      utm: { content: 123 },
      contact: { phone: 4930123456, jobTitle: `VP ${'x'.repeat(300)}` },
    });

    expect(submission).toMatchObject({
      sourceDetail: '42',
      utm: { content: '123' },
      contact: { phone: '4930123456' },
    });
    expect(submission.contact.jobTitle).toHaveLength(150);
    expect(findings).toEqual([{ kind: 'truncated', field: 'contact.jobTitle' }]);
  });
});
