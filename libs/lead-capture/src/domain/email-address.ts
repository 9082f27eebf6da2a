import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * How an email address reads once normalized.
 *
 * - `canonical`: the one form that identity keys and stored events share. `mixedScript` marks an address a
 *   part of which mixes letters of different scripts (Cyrillic `а` among Latin letters, say): it may be a
 *   homoglyph of another lead's address, yet it stays its own identity, since a real mailbox can be named so.
 * - `invisible_characters`: the address holds characters a person cannot see (zero-width space or joiners,
 *   soft hyphen, BOM, bidi controls). Two addresses that look the same would key different leads, and
 *   silently dropping them would merge leads on a guess: such an address is refused.
 * - `not_an_address`: no `@`, or a domain that IDNA refuses; left for validation to refuse.
 */
export type EmailReading =
  | { readonly kind: 'canonical'; readonly email: string; readonly mixedScript: boolean }
  | { readonly kind: 'invisible_characters'; readonly email: string }
  | { readonly kind: 'not_an_address'; readonly email: string };

/** Default-ignorable code points render as nothing; bidi controls reorder what is shown. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u;

export const INVISIBLE_CHARACTERS_REASON =
  'must not contain invisible characters (zero-width spaces or joiners, soft hyphens, byte order marks, bidi controls)';

export function hasInvisibleCharacters(text: string): boolean {
  return INVISIBLE.test(text);
}

/**
 * Canonical form: Unicode NFKC (full-width `ＡＮＡ` is `ANA`), lower case, and the domain in its ASCII
 * (IDNA/punycode) form, so `acmé.io` and `xn--acme-9za.io` are one domain. ASCII is what DNS and SMTP use
 * and what a mail system without SMTPUTF8 can send to; a view that shows the address can turn it back with
 * `domainToUnicode`. The local part stays Unicode (there is no ASCII form of it), and sub-addresses (+tag)
 * stay, since they may name another mailbox.
 */
export function readEmail(raw: string): EmailReading {
  // Before trimming, and trimming only what is visible as a blank: trim() takes a byte order mark for one.
  if (hasInvisibleCharacters(raw)) {
    return { kind: 'invisible_characters', email: raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '') };
  }
  const given = raw.trim();
  const folded = given.normalize('NFKC').toLowerCase();
  const at = folded.lastIndexOf('@');
  if (at <= 0 || at === folded.length - 1) return { kind: 'not_an_address', email: folded };
  const localPart = folded.slice(0, at);
  const asciiDomain = domainToASCII(folded.slice(at + 1));
  if (!asciiDomain) return { kind: 'not_an_address', email: folded };
  return {
    kind: 'canonical',
    email: `${localPart}@${asciiDomain}`,
    mixedScript: [localPart, ...domainToUnicode(asciiDomain).split('.')].some(mixesScripts),
  };
}

/**
 * The canonical form when there is one, else the address as given (trimmed) so that validation, not this
 * function, refuses it: callers tidying a request before validating need a total function.
 */
export function normalizeEmail(raw: string): string {
  return readEmail(raw).email;
}

/**
 * Scripts a label may mix without being suspect: Japanese writes Han, Hiragana and Katakana together, and
 * Korean Han with Hangul. Letters of other scripts than those listed are one group: a rare script is no
 * homoglyph of Latin.
 */
const SCRIPT_GROUPS: readonly (readonly [group: string, letters: RegExp])[] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['CJK', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u],
];

function mixesScripts(label: string): boolean {
  const groups = new Set<string>();
  for (const character of label) {
    if (!/\p{L}/u.test(character)) continue;
    groups.add(SCRIPT_GROUPS.find(([, letters]) => letters.test(character))?.[0] ?? 'Other');
    if (groups.size > 1) return true;
  }
  return false;
}
