/**
 * `npm run bench [name...]`: every bench below in a process of its own, one after another (they
 * would skew each other's figures side by side on two cores), then one summary line. Each bench
 * writes its rows to bench/results/<date>.json through recordResults.
 *
 *   npm run bench                        all of them
 *   npm run bench -- eventstore intake   only these
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { formatValue, readResults, resultsPathOf, type BenchRow } from './results';

const REPO_ROOT = resolve(__dirname, '../..');

/** In the order they run; names are the file names without `.bench.ts`. */
const BENCHES = [
  'eventstore',
  'eventstore-comparison',
  'scoring',
  'sales',
  'intake',
  'embedded-pipeline',
  'footprint',
  'responsiveness',
  'scaling',
  'end-to-end',
] as const;

/** The figures of the summary line: bench, subject and the start of the measurement's name. */
const HEADLINES: ReadonlyArray<readonly [string, string, string, string]> = [
  ['eventstore-comparison', 'ratio', 'append, 20 writers', 'appends x emmett (20 writers)'],
  ['eventstore-comparison', 'ratio', 'read all', 'reads x emmett'],
  ['embedded-pipeline', 'pipeline', 'accepted', 'embedded intake'],
  ['end-to-end', 'pipeline', 'sustained', 'end to end'],
  ['scaling', 'PostgreSQL', 'rebuild', 'rebuild'],
];

function main(): void {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(BENCHES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; the benches are ${BENCHES.join(', ')}`);
    process.exit(2);
  }
  const selected = wanted.length > 0 ? BENCHES.filter((name) => wanted.includes(name)) : BENCHES;
  const failed: string[] = [];
  for (const name of selected) {
    console.log(`\n== ${name}`);
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/ts-node/dist/bin.js'),
        '-P',
        'tsconfig.tools.json',
        `tools/bench/${name}.bench.ts`,
      ],
      { cwd: REPO_ROOT, stdio: 'inherit', env: process.env },
    );
    if (run.status !== 0) failed.push(name);
  }
  console.log(`\n${summaryLine()}`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

function summaryLine(): string {
  const results = readResults();
  if (!results) return 'no results recorded';
  const figures = HEADLINES.flatMap(([bench, subject, measurement, label]) => {
    const row = results.benches[bench]?.rows.find(
      (candidate: BenchRow) => candidate.subject === subject && candidate.measurement.startsWith(measurement),
    );
    return row ? [`${label} ${formatValue(row)}`] : [];
  });
  const headline = figures.length > 0 ? figures.join('; ') : 'no headline figure among the benches run';
  return `bench ${results.date}: ${headline} (${resultsPathOf()})`;
}

main();
