/*
 * How a CRM's CSV export becomes import lines: a mapping names, for each field of a line, the column
 * it comes from (or, starting with `=`, a constant such as the CRM's name). The stage history is one
 * column of `stage@instant` entries separated by `|`, as exports flatten it.
 */

export interface CsvMapping {
  /** Line field (dotted for nested: `externalRef.id`) -> column name, or `=constant`. */
  readonly fields: Readonly<Record<string, string>>;
  readonly stageMap?: Readonly<Record<string, string>>;
}

const HISTORY_SEPARATOR = '|';

/** One CSV row as an import line; empty cells are left out, so optional fields stay absent. */
export function lineFromCsvRow(
  row: Readonly<Record<string, string>>,
  mapping: CsvMapping,
): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  for (const [field, source] of Object.entries(mapping.fields)) {
    const value = source.startsWith('=')
      ? source.slice(1)
      : Object.hasOwn(row, source)
        ? row[source].trim()
        : '';
    if (value === '') continue;
    setPath(line, field.split('.'), field === 'stageHistory' ? historyOf(value) : value);
  }
  return line;
}

/** `Discovery@2025-01-01T09:00:00Z|Proposal@2025-01-10T09:00:00Z` */
function historyOf(value: string): { stage: string; at: string }[] {
  return value
    .split(HISTORY_SEPARATOR)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const at = entry.lastIndexOf('@');
      return at === -1
        ? { stage: entry, at: '' }
        : { stage: entry.slice(0, at).trim(), at: entry.slice(at + 1).trim() };
    });
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    // defineProperty: a mapping may name any field, `__proto__` included, without touching prototypes.
    Object.defineProperty(target, head, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  const existing = Object.hasOwn(target, head) ? target[head] : undefined;
  const next = typeof existing === 'object' && existing !== null ? (existing as Record<string, unknown>) : {};
  Object.defineProperty(target, head, { value: next, enumerable: true, writable: true, configurable: true });
  setPath(next, rest, value);
}
