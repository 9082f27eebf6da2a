import { isISO31661Alpha2 } from 'class-validator';
import countries from 'i18n-iso-countries';
import de from 'i18n-iso-countries/langs/de.json';
import en from 'i18n-iso-countries/langs/en.json';
import es from 'i18n-iso-countries/langs/es.json';
import fr from 'i18n-iso-countries/langs/fr.json';

// Forms are filled in by people: the country comes as they call it, often in their own language.
for (const locale of [en, de, fr, es]) countries.registerLocale(locale);

/** A country as ISO 3166-1 alpha-2, or the text kept as given when it names no country. */
export type CountryReading = { readonly country: string } | { readonly countryAsGiven: string };

/**
 * Names people use that are not the ISO short names in any registered language. `UK` is reserved in ISO
 * 3166-1 (for the United Kingdom, whose code is GB), so it is no code the library would map.
 */
const COMMON_NAMES: Readonly<Record<string, string>> = {
  uk: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  britain: 'GB',
  holland: 'NL',
  southkorea: 'KR',
  korearepublicof: 'KR',
  vietnam: 'VN',
};

const CODE_BY_NAME: ReadonlyMap<string, string> = (() => {
  const byName = new Map<string, string>();
  for (const locale of [en, de, fr, es]) {
    for (const [code, names] of Object.entries(countries.getNames(locale.locale, { select: 'all' }))) {
      for (const name of names) if (!byName.has(nameKey(name))) byName.set(nameKey(name), code);
    }
  }
  for (const [name, code] of Object.entries(COMMON_NAMES)) byName.set(name, code);
  return byName;
})();

/**
 * Reads a country as forms send it: an alpha-2 or alpha-3 code, a numeric code, or a name in English,
 * German, French or Spanish, in any case, with or without accents and punctuation (`U.S.A.`, `Côte
 * d'Ivoire`, `cote d ivoire`). What names no country (`Asia/Pacific Region`, `unknown`) is kept as given.
 */
export function readCountry(raw: string): CountryReading {
  const given = raw.trim();
  const code = codeOf(given);
  // Only codes the event contract accepts: Kosovo's XK is user-assigned, not in ISO 3166-1.
  return code && isISO31661Alpha2(code) ? { country: code } : { countryAsGiven: given };
}

function codeOf(given: string): string | undefined {
  const key = nameKey(given);
  if (/^\d{3}$/.test(given)) return countries.numericToAlpha2(given);
  if (/^[a-z]{2}$/.test(key) && countries.isValid(key)) return key.toUpperCase();
  if (/^[a-z]{3}$/.test(key) && countries.isValid(key)) return countries.alpha3ToAlpha2(key.toUpperCase());
  return CODE_BY_NAME.get(key);
}

/** Case, accents, punctuation, spacing and a leading article never tell two countries apart. */
function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/^(the|la|le|les|el|los|las|die|der)\s+/u, '')
    .replace(/[^\p{L}\p{N}]/gu, '');
}
