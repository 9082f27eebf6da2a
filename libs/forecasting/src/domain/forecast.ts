import { decimalOfMinor, type ForecastCategory } from '@leadledger/contracts';

export const FORECAST_GROUPINGS = ['owner', 'stage', 'category', 'pipeline'] as const;
export type ForecastGrouping = (typeof FORECAST_GROUPINGS)[number];

/** An opportunity as the forecast of one period sees it: open and closing in it, or won in it. */
export interface ForecastLine {
  readonly status: 'open' | 'won';
  readonly owner: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly category: ForecastCategory;
  readonly probability: number;
  readonly amountMinor?: number;
  readonly currency?: string;
}

/** Decimal strings in the currency's units, exact (`"12500.00"`). */
export interface ForecastFigures {
  /** Won in the period. */
  readonly closedWon: string;
  /** Open, in the category `commit` (where the rep put it: an override counts there). */
  readonly commit: string;
  readonly bestCase: string;
  readonly pipeline: string;
  /** Open, except `omitted`: the sum of amount x probability, rounded once to the minor unit. */
  readonly weighted: string;
  readonly openOpportunities: number;
  readonly wonOpportunities: number;
}

export interface CurrencyForecast {
  readonly currency: string;
  readonly total: ForecastFigures;
  readonly groups?: readonly ({ readonly key: string } & ForecastFigures)[];
}

export interface Forecast {
  readonly currencies: readonly CurrencyForecast[];
  /** Open opportunities with no amount yet: in no sum, counted so they are not forgotten. */
  readonly withoutAmount: number;
}

interface Sums {
  closedWon: bigint;
  commit: bigint;
  bestCase: bigint;
  pipeline: bigint;
  /** Amount x probability in percent, so divided by 100 only at the end. */
  weightedCents: bigint;
  open: number;
  won: number;
}

const empty = (): Sums => ({
  closedWon: 0n,
  commit: 0n,
  bestCase: 0n,
  pipeline: 0n,
  weightedCents: 0n,
  open: 0,
  won: 0,
});

/**
 * Sums a period's lines per currency (never across currencies: no exchange rate is any of ours), in
 * total and per group. `probabilityOf` lets calibrated probabilities replace the configured ones.
 */
export function forecastOf(
  lines: readonly ForecastLine[],
  options: { groupBy?: ForecastGrouping; probabilityOf?: (line: ForecastLine) => number } = {},
): Forecast {
  const probabilityOf = options.probabilityOf ?? ((line: ForecastLine) => line.probability);
  const totals = new Map<string, Sums>();
  const groups = new Map<string, Map<string, Sums>>();
  let withoutAmount = 0;
  for (const line of lines) {
    if (line.amountMinor === undefined || line.currency === undefined) {
      if (line.status === 'open') withoutAmount += 1;
      continue;
    }
    const targets = [sumsIn(totals, line.currency)];
    if (options.groupBy) {
      const byKey = groups.get(line.currency) ?? new Map<string, Sums>();
      groups.set(line.currency, byKey);
      targets.push(sumsIn(byKey, keyOf(line, options.groupBy)));
    }
    for (const sums of targets) add(sums, line, BigInt(line.amountMinor), probabilityOf(line));
  }
  const currencies = [...totals.keys()].sort().map((currency) => ({
    currency,
    total: figuresOf(totals.get(currency) as Sums, currency),
    ...(options.groupBy
      ? {
          groups: [...(groups.get(currency) ?? new Map<string, Sums>()).entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, sums]) => ({ key, ...figuresOf(sums, currency) })),
        }
      : {}),
  }));
  return { currencies, withoutAmount };
}

function add(sums: Sums, line: ForecastLine, amount: bigint, probability: number): void {
  if (line.status === 'won') {
    sums.closedWon += amount;
    sums.won += 1;
    return;
  }
  sums.open += 1;
  if (line.category === 'omitted') return;
  if (line.category === 'commit') sums.commit += amount;
  else if (line.category === 'best_case') sums.bestCase += amount;
  else if (line.category === 'pipeline') sums.pipeline += amount;
  sums.weightedCents += amount * BigInt(Math.round(probability * 100));
}

function keyOf(line: ForecastLine, groupBy: ForecastGrouping): string {
  switch (groupBy) {
    case 'owner':
      return line.owner;
    case 'stage':
      return line.status === 'won' ? 'closed_won' : line.stage;
    case 'category':
      return line.status === 'won' ? 'closed' : line.category;
    case 'pipeline':
      return line.pipeline;
  }
}

function sumsIn(map: Map<string, Sums>, key: string): Sums {
  const found = map.get(key);
  if (found) return found;
  const created = empty();
  map.set(key, created);
  return created;
}

function figuresOf(sums: Sums, currency: string): ForecastFigures {
  return {
    closedWon: decimalOfMinor(sums.closedWon, currency),
    commit: decimalOfMinor(sums.commit, currency),
    bestCase: decimalOfMinor(sums.bestCase, currency),
    pipeline: decimalOfMinor(sums.pipeline, currency),
    weighted: decimalOfMinor(weightedMinor(sums.weightedCents, 100n), currency),
    openOpportunities: sums.open,
    wonOpportunities: sums.won,
  };
}

/**
 * Amounts weighted by percentages, summed as amount x percent x `scale` (exact), back to minor units:
 * rounded once, half away from zero (amounts are never negative).
 */
export function weightedMinor(sumOfAmountTimesPercent: bigint, scale = 1n): bigint {
  const divisor = 100n * scale;
  return (sumOfAmountTimesPercent * 2n + divisor) / (divisor * 2n);
}

/** Minor units back from `decimalOfMinor`, for comparing figures (accuracy). */
export function minorOfDecimal(decimal: string): bigint {
  return BigInt(decimal.replace('.', ''));
}
