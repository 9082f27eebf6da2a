/**
 * Event store throughput and latency on this machine: appends with one writer and with twenty
 * concurrent writers (serialized by the store's commit-order lock), catch-up reading, and the time
 * from an append's acknowledgement to its delivery to a live subscriber.
 *
 *   npm run bench                       PGlite (memory and disk) and PostgreSQL at DATABASE_URL
 *   BENCH_EVENTS=5000 npm run bench     more events per measurement
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  PgDriver,
  PgliteDriver,
  SqlEventStore,
  type EventStore,
  type EventToAppend,
} from '@leadledger/eventstore';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadledger_test';

interface Row {
  store: string;
  measurement: string;
  value: string;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-bench-'));
  const schema = `bench_${Date.now().toString(36)}`;
  const subjects: Array<[string, () => Promise<EventStore>, () => Promise<void>]> = [
    ['PGlite (memory)', async () => SqlEventStore.open(await PgliteDriver.open()), async () => undefined],
    [
      'PGlite (disk)',
      async () => SqlEventStore.open(await PgliteDriver.open(dataDir)),
      async () => rmSync(dataDir, { recursive: true, force: true }),
    ],
    [
      'PostgreSQL',
      async () => SqlEventStore.open(new PgDriver({ connectionString: DATABASE_URL, max: 20 }), { schema }),
      () => dropSchema(schema),
    ],
  ];
  for (const [name, open, cleanup] of subjects) {
    const store = await open();
    try {
      rows.push(...(await measure(name, store)));
    } finally {
      await store.close();
      await cleanup();
    }
  }
  printTable(rows);
}

async function measure(name: string, store: EventStore): Promise<Row[]> {
  const rows: Row[] = [];
  const type = `Bench-${randomUUID()}`;
  const row = (measurement: string, value: string) => rows.push({ store: name, measurement, value });

  let started = performance.now();
  await appendSequentially(store, `bench-${randomUUID()}`, type, EVENTS);
  row(`append, 1 writer, ${EVENTS} x 1 event`, perSecond(EVENTS, performance.now() - started));

  started = performance.now();
  const writers = 20;
  await Promise.all(
    Array.from({ length: writers }, () =>
      appendSequentially(store, `bench-${randomUUID()}`, type, EVENTS / writers),
    ),
  );
  row(`append, ${writers} writers, ${EVENTS} x 1 event`, perSecond(EVENTS, performance.now() - started));

  started = performance.now();
  await appendSequentially(store, `bench-${randomUUID()}`, type, EVENTS, 10);
  row(`append, 1 writer, ${EVENTS / 10} x 10 events`, perSecond(EVENTS, performance.now() - started));

  const total = EVENTS * 3;
  const controller = new AbortController();
  started = performance.now();
  let read = 0;
  for await (const _ of store.subscribeToAll({ eventTypes: [type], signal: controller.signal })) {
    if (++read === total) break;
  }
  row(`catch-up read, ${total} events`, perSecond(total, performance.now() - started));

  row('live delivery after ack, p50 / p99', await liveLatency(store));
  return rows;
}

async function appendSequentially(store: EventStore, stream: string, type: string, count: number, batch = 1) {
  let expected: bigint | 'no_stream' = 'no_stream';
  for (let appended = 0; appended < count; appended += batch) {
    const events: EventToAppend[] = Array.from({ length: batch }, (_, i) => ({
      id: randomUUID(),
      type,
      data: { seq: appended + i, payload: 'x'.repeat(200) },
      metadata: { actor: 'system:bench' },
    }));
    expected = (await store.append(stream, events, { expectedRevision: expected })).nextExpectedRevision;
  }
}

async function liveLatency(store: EventStore): Promise<string> {
  const samples = 200;
  const type = `Live-${randomUUID()}`;
  const controller = new AbortController();
  const acknowledgedAt = new Map<string, number>();
  const latencies: number[] = [];
  const receiving = (async () => {
    for await (const event of store.subscribeToAll({
      from: 'end',
      eventTypes: [type],
      signal: controller.signal,
    })) {
      latencies.push(performance.now() - (acknowledgedAt.get(event.id) ?? performance.now()));
      if (latencies.length === samples) break;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < samples; i++) {
    const id = randomUUID();
    await store.append(`live-${randomUUID()}`, [{ id, type, data: {} }], { expectedRevision: 'no_stream' });
    acknowledgedAt.set(id, performance.now());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await receiving;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return `${at(0.5).toFixed(2)} ms / ${at(0.99).toFixed(2)} ms`;
}

function perSecond(count: number, ms: number): string {
  return `${Math.round((count * 1000) / ms).toLocaleString('en-US')} events/s`;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

function printTable(rows: Row[]): void {
  const width = (key: keyof Row) => Math.max(key.length, ...rows.map((r) => r[key].length));
  const widths = { store: width('store'), measurement: width('measurement'), value: width('value') };
  const line = (r: Row) =>
    `| ${r.store.padEnd(widths.store)} | ${r.measurement.padEnd(widths.measurement)} | ${r.value.padStart(widths.value)} |`;
  console.log(line({ store: 'store', measurement: 'measurement', value: 'value' }));
  console.log(
    `|${'-'.repeat(widths.store + 2)}|${'-'.repeat(widths.measurement + 2)}|${'-'.repeat(widths.value + 2)}|`,
  );
  rows.forEach((r) => console.log(line(r)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
