/**
 * Imports a CRM's opportunity history into a running leadledger (the pipeline or the opportunity
 * service), streaming the file and showing progress as the service reports it:
 *
 *   npm run import -- opportunities history.ndjson
 *   npm run import -- opportunities export.csv --map mapping.json
 *
 * NDJSON is sent as it is (a first line `{"stageMap": {...}}` maps stage names). A CSV needs a
 * mapping (`{ "fields": { "externalRef.id": "Opportunity ID", "externalRef.system": "=salesforce", ... },
 * "stageMap": { ... } }`; the stage history column holds `stage@instant|stage@instant`).
 * LEADLEDGER_URL (default http://127.0.0.1:3000) names the service; LEADLEDGER_KEY an admin key,
 * else .data/admin-key is used.
 */
import 'reflect-metadata';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { type CsvMapping, lineFromCsvRow } from '../libs/opportunity/src/imports/csv-mapping';
import { ndjsonLines } from '@leadledger/platform';
import { settingsFromEnvironment } from './simulation/http-client';

const USAGE = 'usage: npm run import -- opportunities <file.ndjson|file.csv> [--map <mapping.json>]';
const BAR_WIDTH = 30;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { map: { type: 'string' } } });
  const [kind, file] = positionals;
  if (kind !== 'opportunities' || !file) throw new Error(USAGE);
  const { baseUrl, apiKey: key } = settingsFromEnvironment();
  const url = `${baseUrl}/imports/opportunities`;
  const total = await countLines(file);
  const body = file.toLowerCase().endsWith('.csv')
    ? csvAsNdjson(file, mappingOf(values.map))
    : createReadStream(file);

  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (!response.ok || !response.body) {
    throw new Error(`the import was refused: ${response.status} ${await response.text()}`);
  }
  let rejected = 0;
  for await (const line of ndjsonLines(response.body as unknown as AsyncIterable<Buffer>, 1 << 20)) {
    if (line.tooLong || line.text === '') continue;
    const report = JSON.parse(line.text) as Record<
      string,
      Record<string, number> | number | string | unknown[]
    >;
    if (report.status === 'rejected') {
      rejected += 1;
      if (rejected <= 20)
        process.stderr.write(`\nline ${String(report.line)}: ${JSON.stringify(report.issues)}\n`);
    } else if (report.progress) {
      draw(report.progress as Record<string, number>, total);
    } else if (report.done) {
      draw(report.done as Record<string, number>, total);
      process.stdout.write(`\n${JSON.stringify(report.done)}\n`);
    } else if (report.error) {
      throw new Error(String(report.error));
    }
  }
}

function draw(counts: Record<string, number>, total: number): void {
  const done = Math.min(1, total > 0 ? counts.lines / total : 1);
  const filled = Math.round(done * BAR_WIDTH);
  process.stdout.write(
    `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${counts.lines.toLocaleString('en')} / ` +
      `${total.toLocaleString('en')} lines: ${counts.imported} imported, ${counts.unchanged} unchanged, ${counts.rejected} rejected`,
  );
}

function mappingOf(path: string | undefined): CsvMapping {
  if (!path) throw new Error(`a CSV needs --map <mapping.json>\n${USAGE}`);
  return JSON.parse(readFileSync(path, 'utf8')) as CsvMapping;
}

/** The CSV's rows as NDJSON lines, the mapping's stage map first. */
function csvAsNdjson(file: string, mapping: CsvMapping): Readable {
  async function* lines() {
    if (mapping.stageMap) yield `${JSON.stringify({ stageMap: mapping.stageMap })}\n`;
    for await (const row of createReadStream(file).pipe(
      parse({ columns: true, bom: true, skip_empty_lines: true }),
    )) {
      yield `${JSON.stringify(lineFromCsvRow(row as Record<string, string>, mapping))}\n`;
    }
  }
  return Readable.from(lines());
}

/** Lines of the file (data rows of a CSV), for the bar's 100%. */
async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file))
    for (const byte of chunk as Buffer) if (byte === 0x0a) count += 1;
  return file.toLowerCase().endsWith('.csv') ? Math.max(0, count - 1) : count;
}

main().catch((error: unknown) => {
  console.error(`import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
