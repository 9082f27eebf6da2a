/*
 * The few statistics the analytics answer with, kept pure so hand-computed numbers can check them.
 */

/**
 * The p-th percentile (0 to 1) by linear interpolation between closest ranks, as PostgreSQL's
 * `percentile_cont`: an analyst's SQL over the same rows gives the same figure.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
}

export const median = (values: readonly number[]) => percentile(values, 0.5);

/** A share with the counts it came from: never a bare ratio of nothing. */
export interface Rate {
  readonly numerator: number;
  readonly denominator: number;
  /** Undefined when the denominator is 0. */
  readonly rate?: number;
}

export function rateOf(numerator: number, denominator: number): Rate {
  return denominator === 0
    ? { numerator, denominator }
    : { numerator, denominator, rate: round(numerator / denominator, 4) };
}

/**
 * The Wilson score interval (95% by default) of a proportion: unlike the normal approximation it stays
 * within [0, 1] and says something honest about 2 wins out of 3.
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  z = 1.959964,
): { low: number; high: number } | undefined {
  if (trials === 0) return undefined;
  const share = successes / trials;
  const z2 = z * z;
  const centre = (share + z2 / (2 * trials)) / (1 + z2 / trials);
  const spread =
    (z / (1 + z2 / trials)) * Math.sqrt((share * (1 - share)) / trials + z2 / (4 * trials * trials));
  return { low: round(Math.max(0, centre - spread), 4), high: round(Math.min(1, centre + spread), 4) };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Days between two instants, to two decimals. */
export function daysBetween(from: Date, to: Date): number {
  return round((to.getTime() - from.getTime()) / 86_400_000, 2);
}
