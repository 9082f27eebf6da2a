/**
 * Masks quoted fragments of an error message. Parsers and databases quote the input they choke on
 * (`"ana@acme.io" is not valid JSON`, `invalid input syntax for type uuid: "..."`), and such a
 * message must be loggable without carrying personal data into the logs.
 */
export function maskQuotedText(text: string): string {
  return text.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"');
}
