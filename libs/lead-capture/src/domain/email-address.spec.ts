import { normalizeEmail, readEmail } from './email-address';

describe('email addresses', () => {
  it('folds compatibility forms (NFKC): full-width ＡＮＡ＠ａｃｍｅ.io is ana@acme.io', () => {
    expect(normalizeEmail('ＡＮＡ@acme.io')).toBe('ana@acme.io');
    expect(normalizeEmail('ＡＮＡ＠ａｃｍｅ．ｉｏ')).toBe('ana@acme.io');
  });

  it('stores an internationalized domain in its ASCII (punycode) form, whichever form was sent', () => {
    expect(normalizeEmail('Ana@Acmé.io')).toBe('ana@xn--acm-dma.io');
    expect(normalizeEmail('ana@XN--ACM-DMA.io')).toBe('ana@xn--acm-dma.io');
    // Decomposed é (e + combining acute), as some keyboards and copy-pastes send it.
    expect(normalizeEmail('ana@acme\u0301.io')).toBe('ana@xn--acm-dma.io');
  });

  it('leaves a domain that is no valid punycode as given (lower case): it names no domain to fold into', () => {
    expect(readEmail('ana@XN--ACME-9ZA.io')).toEqual({
      kind: 'not_an_address',
      email: 'ana@xn--acme-9za.io',
    });
  });

  it('keeps the local part in Unicode and sub-addresses as they are', () => {
    expect(normalizeEmail(' José+Q4@acme.io ')).toBe('josé+q4@acme.io');
  });

  it.each([
    ['zero-width space', 'a\u200Bna@acme.io'],
    ['zero-width non-joiner', 'ana@ac\u200Cme.io'],
    ['zero-width joiner', 'an\u200Da@acme.io'],
    ['soft hyphen', 'ana@ac\u00ADme.io'],
    ['leading byte order mark', '\uFEFFana@acme.io'],
    ['byte order mark', 'ana@acme\uFEFF.io'],
    ['right-to-left override', 'ana\u202E@acme.io'],
    ['left-to-right isolate', 'ana@\u2066acme.io'],
  ])('refuses an address with a %s, and leaves it as given for validation to name', (_name, email) => {
    expect(readEmail(email)).toEqual({ kind: 'invisible_characters', email });
    expect(normalizeEmail(email)).toBe(email);
  });

  it('keeps a homoglyph from another script distinct, and flags it as mixing scripts', () => {
    const cyrillic = readEmail('\u0430na@acme.io');
    expect(cyrillic).toEqual({ kind: 'canonical', email: '\u0430na@acme.io', mixedScript: true });
    expect(readEmail('ana@acme.io')).toEqual({ kind: 'canonical', email: 'ana@acme.io', mixedScript: false });
    expect(readEmail('ana@\u0430cme.io')).toMatchObject({ mixedScript: true });
  });

  it('does not flag addresses written in one script, or in the scripts Japanese writes together', () => {
    expect(readEmail('иван@пример.рф')).toMatchObject({ kind: 'canonical', mixedScript: false });
    expect(readEmail('たなかタロウ山田@example.jp')).toMatchObject({ mixedScript: false });
    expect(readEmail('ana.2024_x@acme-corp.io')).toMatchObject({ mixedScript: false });
  });

  it('leaves what is no address for validation to refuse', () => {
    expect(readEmail('n/a')).toEqual({ kind: 'not_an_address', email: 'n/a' });
    expect(readEmail('ana@')).toMatchObject({ kind: 'not_an_address' });
  });
});
