import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { percentile } from './child-pipeline';

/** One measured figure. `value` is a number in `unit`, so runs can be compared by a program. */
export interface BenchRow {
  /** What was measured on: "PostgreSQL", "PGlite (disk)", "emmett-postgresql 0.42", "pipeline"... */
  readonly subject: string;
  readonly measurement: string;
  readonly value: number;
  /** "events/s", "ms", "MiB", "ratio", "count"... */
  readonly unit: string;
  /** What limits the figure or how to read it, when the number alone would mislead. */
  readonly note?: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly rows: readonly BenchRow[];
}

export interface BenchResultsFile {
  readonly date: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
  };
  readonly benches: Record<string, BenchReport>;
}

export const RESULTS_DIR = resolve(__dirname, '../../bench/results');

/** Today's results file: `bench/results/<date>.json`, one entry per bench, the latest run of each kept. */
export function resultsPathOf(date = new Date()): string {
  return join(RESULTS_DIR, `${date.toISOString().slice(0, 10)}.json`);
}

export function readResults(path = resultsPathOf()): BenchResultsFile | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as BenchResultsFile;
  } catch {
    return undefined;
  }
}

/** Records `rows` under `bench` in today's results file and prints them as a table. */
export function recordResults(bench: string, startedAt: Date, rows: readonly BenchRow[]): void {
  printRows(bench, rows);
  const path = resultsPathOf(startedAt);
  const previous = readResults(path);
  const file: BenchResultsFile = {
    date: startedAt.toISOString().slice(0, 10),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    benches: {
      ...(previous?.benches ?? {}),
      [bench]: { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), rows },
    },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

export function formatValue(row: BenchRow): string {
  const digits =
    row.unit === 'ratio' ? 2 : Math.abs(row.value) >= 100 ? 0 : Math.abs(row.value) >= 10 ? 1 : 2;
  const number = row.value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });
  return row.unit === 'ratio' ? `${number}x` : `${number} ${row.unit}`;
}

function printRows(bench: string, rows: readonly BenchRow[]): void {
  const cells = rows.map((row) => [row.subject, row.measurement, formatValue(row), row.note ?? '']);
  const header = ['subject', 'measurement', 'value', 'note'];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i].length)));
  const line = (cell: string[]) =>
    `| ${cell.map((text, i) => (i === 2 ? text.padStart(widths[i]) : text.padEnd(widths[i]))).join(' | ')} |`;
  console.log(`\n${bench}`);
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cell of cells) console.log(line(cell));
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms;
}

/** A size from the environment (`20,000` and `20_000` read as 20000), else `fallback`. */
export function wholeNumberFromEnv(name: string, fallback: number, least = 1): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < least)
    throw new Error(`${name} must be a whole number >= ${least}, got "${text}"`);
  return value;
}
