import { hasHandle, identityKeysOf, normalizeEmail } from './identity';
import { normalizeSubmission } from './lead-submission';

describe('identity rules', () => {
  it('normalizes emails by case and surrounding blanks, keeping sub-addresses', () => {
    expect(normalizeEmail('  Ana.Smith+Webinar@ACME.io ')).toBe('ana.smith+webinar@acme.io');
  });

  it('keys full-width, upper-case and internationalized spellings of one address alike', () => {
    const keysOf = (email: string) => identityKeysOf({ contact: { email } });

    expect(keysOf('ＡＮＡ@acme.io')).toEqual(keysOf('ana@acme.io'));
    expect(keysOf('ana@acmé.io')).toEqual(keysOf('ana@xn--acm-dma.io'));
  });

  it('keeps a homoglyph from another script a key of its own', () => {
    expect(identityKeysOf({ contact: { email: '\u0430na@acme.io' } })).not.toEqual(
      identityKeysOf({ contact: { email: 'ana@acme.io' } }),
    );
  });

  it('keys a lead by normalized email and by source system plus external id, email first', () => {
    expect(
      identityKeysOf({
        contact: { email: 'Ana@Acme.io', phone: '+1 555' },
        externalRef: { system: 'HubSpot', id: ' 51234 ' },
      }),
    ).toEqual(['email:ana@acme.io', 'external:hubspot:51234']);
  });

  it('does not key by phone: a switchboard number is shared', () => {
    expect(identityKeysOf({ contact: { phone: '+49 30 1234567' } })).toEqual([]);
  });

  it.each([
    [{ contact: { email: 'a@b.io' } }, true],
    [{ contact: { phone: '+1 555 0100' } }, true],
    [{ contact: {}, externalRef: { system: 'salesforce', id: '00Q5' } }, true],
    [{ contact: { firstName: 'Bo', phone: '   ' } }, false],
  ])('%j has a handle: %s', (lead, expected) => {
    expect(hasHandle(lead)).toBe(expected);
  });

  it('normalizes a submission so that equal input compares equal', () => {
    expect(
      normalizeSubmission({
        source: 'web_form',
        sourceDetail: '  ',
        utm: { source: '' },
        contact: { email: ' ANA@acme.io', firstName: ' Ana ' },
        company: { name: ' Acme ', size: 12 },
      }),
    ).toEqual({
      source: 'web_form',
      contact: { email: 'ana@acme.io', firstName: 'Ana' },
      company: { name: 'Acme', size: 12 },
    });
  });
});
