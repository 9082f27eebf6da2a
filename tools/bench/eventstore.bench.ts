/**
 * Event store throughput and latency on this machine: appends with one writer and with twenty
 * concurrent writers (serialized by the store's commit-order lock), catch-up reading, and the time
 * from an append's acknowledgement to its delivery to a live subscriber.
 *
 *   npm run bench -- eventstore         PGlite (memory and disk) and PostgreSQL at DATABASE_URL
 *   BENCH_EVENTS=5000 npm run bench     more events per measurement
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PgDriver,
  PgliteDriver,
  SqlEventStore,
  type EventStore,
  type EventToAppend,
} from '@leadledger/eventstore';
import { dropSchema } from '@leadledger/testing';
import { percentile } from './child-pipeline';
import { perSecond, recordResults, type BenchRow } from './results';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadledger_test';

async function main(): Promise<void> {
  const startedAt = new Date();
  const rows: BenchRow[] = [];
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
      () => dropSchema(DATABASE_URL, schema),
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
  recordResults('eventstore', startedAt, rows);
}

async function measure(subject: string, store: EventStore): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const type = `Bench-${randomUUID()}`;
  const row = (measurement: string, value: number, unit = 'events/s') =>
    rows.push({ subject, measurement, value, unit });

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

  const [p50, p99] = await liveLatency(store);
  row('live delivery after ack, p50', p50, 'ms');
  row('live delivery after ack, p99', p99, 'ms');
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

async function liveLatency(store: EventStore): Promise<[number, number]> {
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
  return [percentile(latencies, 50), percentile(latencies, 99)];
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
