import { stringify } from 'csv-stringify/sync';

/**
 * Rows as CSV for a spreadsheet or a notebook: nested objects become dotted columns
 * (`conversion.leadToMql.rate`), lists become JSON in one cell, and the header is the union of every
 * row's columns in first-seen order.
 */
export function csvOf(rows: readonly Record<string, unknown>[]): string {
  const flat = rows.map((row) => flatten(row));
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of flat) {
    for (const column of Object.keys(row)) {
      if (!seen.has(column)) {
        seen.add(column);
        columns.push(column);
      }
    }
  }
  return stringify(flat, { header: true, columns, cast: { boolean: (value) => String(value) } });
}

function flatten(
  value: Record<string, unknown>,
  prefix = '',
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, entry] of Object.entries(value)) {
    const column = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(entry)) into[column] = JSON.stringify(entry);
    else if (entry !== null && typeof entry === 'object' && !(entry instanceof Date))
      flatten(entry as Record<string, unknown>, column, into);
    else into[column] = entry;
  }
  return into;
}
