import { readCountry } from './country';
import { boundedText, readCompanySize, splitFullName } from './descriptive-fields';

describe('optional descriptive fields as forms send them', () => {
  describe('country', () => {
    it.each([
      ['India', 'IN'],
      ['United States', 'US'],
      ['united kingdom', 'GB'],
      ['USA', 'US'],
      ['U.S.A.', 'US'],
      ['UK', 'GB'],
      ['England', 'GB'],
      ['Deutschland', 'DE'],
      ['Allemagne', 'DE'],
      ['de', 'DE'],
      ['DEU', 'DE'],
      ['276', 'DE'],
      ['the Netherlands', 'NL'],
      ['Holland', 'NL'],
      ["Côte d'Ivoire", 'CI'],
      ['cote d ivoire', 'CI'],
      ['Türkiye', 'TR'],
    ])('reads %j as %s', (given, code) => {
      expect(readCountry(given)).toEqual({ country: code });
    });

    it.each(['Asia/Pacific Region', 'unknown', 'EMEA', 'Kosovo'])(
      'keeps %j as given: it is no ISO 3166-1 country',
      (given) => {
        expect(readCountry(` ${given} `)).toEqual({ countryAsGiven: given });
      },
    );
  });

  describe('company size', () => {
    it.each([
      [250, { size: 250 }],
      ['250', { size: 250 }],
      ['1,000', { size: 1000 }],
      ['10k', { size: 10_000 }],
      ['51-200', { size: 51, sizeAsGiven: '51-200' }],
      ['51 – 200', { size: 51, sizeAsGiven: '51 – 200' }],
      ['1,000+', { size: 1000, sizeAsGiven: '1,000+' }],
      ['over 5000', { size: 5000, sizeAsGiven: 'over 5000' }],
      ['enterprise', { sizeAsGiven: 'enterprise' }],
      [0, { sizeAsGiven: '0' }],
      [12.5, { sizeAsGiven: '12.5' }],
      ['0-10', { sizeAsGiven: '0-10' }],
    ])('reads %j as %j', (given, reading) => {
      expect(readCompanySize(given)).toEqual(reading);
    });
  });

  describe('full name', () => {
    it('splits on the last space: the last word is the last name', () => {
      expect(splitFullName(' Ana  Maria Smith ')).toEqual({ firstName: 'Ana Maria', lastName: 'Smith' });
    });

    it('keeps a single word whole: it could be either name', () => {
      expect(splitFullName('Cher')).toEqual({ fullName: 'Cher' });
    });
  });

  it('cuts text to a ceiling without splitting a surrogate pair', () => {
    expect(boundedText('ab😀', 3)).toEqual({ text: 'ab', truncated: true });
    expect(boundedText('abc', 3)).toEqual({ text: 'abc', truncated: false });
  });
});
