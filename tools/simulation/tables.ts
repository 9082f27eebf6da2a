import type { Forecast, ForecastFigures, FunnelGroup, Rate } from '@leadledger/forecasting';
/**
 * The funnel and the forecast as compact text tables. Pure: the service's JSON in, lines out.
 */

/** GET /funnel's answer. */
export interface FunnelAnswer {
  readonly from: string;
  readonly to: string;
  readonly total: FunnelGroup;
  readonly groups?: readonly FunnelGroup[];
}

/** GET /forecast's answer. */
export interface ForecastAnswer extends Forecast {
  readonly period: string;
  readonly from: string;
  readonly until: string;
  readonly probabilities: string;
}

export function funnelTable(funnel: FunnelAnswer): string[] {
  const row = ({ key, counts, conversion }: FunnelGroup) => [
    key,
    String(counts.leads),
    String(counts.mql),
    String(counts.sql),
    String(counts.opportunity),
    String(counts.won),
    percent(conversion.leadToMql),
    percent(conversion.mqlToSql),
    percent(conversion.sqlToOpportunity),
    percent(conversion.opportunityToWon),
  ];
  const groups = [...(funnel.groups ?? [])].sort((a, b) => b.counts.leads - a.counts.leads);
  return table(
    ['source', 'leads', 'MQL', 'SQL', 'opps', 'won', 'lead>MQL', 'MQL>SQL', 'SQL>opp', 'opp>won'],
    [...groups.map(row), { separator: true }, row({ ...funnel.total, key: 'total' })],
  );
}

export function forecastTable(forecast: ForecastAnswer): string[] {
  if (forecast.currencies.length === 0) return ['(nothing open or won in the period)'];
  const row = (currency: string, key: string, figures: ForecastFigures) => [
    currency,
    key,
    String(figures.openOpportunities),
    String(figures.wonOpportunities),
    money(figures.closedWon),
    money(figures.commit),
    money(figures.bestCase),
    money(figures.pipeline),
    money(figures.weighted),
  ];
  const rows: (string[] | { separator: true })[] = [];
  for (const [index, { currency, total, groups }] of forecast.currencies.entries()) {
    if (index > 0) rows.push({ separator: true });
    for (const group of groups ?? []) rows.push(row(currency, group.key, group));
    rows.push(row(currency, 'total', total));
  }
  return table(
    ['cur', 'stage', 'open', 'won', 'closed won', 'commit', 'best case', 'pipeline', 'weighted'],
    rows,
  );
}

/** A decimal string (`"1234567.50"`) in whole units with thousands separators: `1,234,568`. */
export function money(decimal: string): string {
  const [whole, fraction = ''] = decimal.split('.');
  const rounded = BigInt(whole) + (fraction !== '' && Number(fraction[0]) >= 5 ? 1n : 0n);
  return rounded.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function percent(rate: Rate): string {
  return rate.rate === undefined ? '-' : `${(rate.rate * 100).toFixed(1)}%`;
}

/** Left-aligned first two columns for keys, the rest right-aligned numbers. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[] | { separator: true })[],
): string[] {
  const cells = rows.filter((row): row is readonly string[] => Array.isArray(row));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column].length)),
  );
  const textColumns = header.filter((title) => ['source', 'cur', 'stage'].includes(title)).length;
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column < textColumns ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [
    line(header),
    rule,
    ...rows.map((row) => (Array.isArray(row) ? line(row as readonly string[]) : rule)),
  ];
}
