/**
 * leadledger's SQL event store beside the PostgreSQL event store of @event-driven-io/emmett-postgresql
 * 0.42.0, on this machine. Three subjects: leadledger on the PostgreSQL server at DATABASE_URL (a schema
 * of its own), leadledger on PGlite on disk (a temp dir) and emmett on the same server (a database of
 * its own); all three are removed at the end. Each measurement runs in interleaved rounds (one run per
 * subject a round, the subjects' order rotated each round) and reports the median events/s per subject
 * (every round's figure in the note), plus the ratios leadledger / emmett:
 *
 *   - appends of one event each, 1 writer and 20 concurrent writers (a stream per writer);
 *   - appends of 10 events each, 1 writer and 20 writers;
 *   - reading the first BENCH_READ_EVENTS events of the global log page by page;
 *   - a catch-up subscription from the start over the same events.
 *   Every store is first seeded with BENCH_READ_EVENTS events (appends of 1,000 to fresh streams), and
 *   the two read measurements run first, while each store holds just those events. emmett's global
 *   read has no index to use (its messages table is keyed by stream): each batch is a sequential scan
 *   of the table and a sort by (transaction_id, global_position), so its cost grows with the table.
 *   - a gap/duplicate check: 20 writers append BENCH_GAP_EVENTS events, one an append, with random
 *     pauses of 0-2 ms, while readers follow the global log the way a subscriber does (resuming after
 *     the last position seen); then the events a reader never saw and those it saw again are counted.
 *
 * emmett APIs used. Appends: `getPostgreSQLEventStore(url).appendToStream(stream, events,
 * { expectedStreamVersion })`. Read all: `readMessagesBatch(execute, { after, batchSize })`, the global
 * read its consumers pull with, paging with `after` = the batch's `currentGlobalPosition` as its puller
 * does. Catch-up subscription and gap-check reader: `eventStore.consumer({ pulling, processors:
 * [reactor({ startFrom, eachMessage })] })` with emmett's plain `reactor`, which stores no checkpoints
 * (leadledger's subscribeToAll has none either; `consumer.reactor()` would write one per message). The
 * consumer pulls 500 messages a batch, leadledger's subscription batch, 1 ms apart: its defaults (100 a
 * batch, 50 ms apart) would cap it near 2,000 events/s. The gap check runs a second emmett reader with
 * those defaults, since how far a reader lags changes what it misses.
 *
 * emmett's driver layer (dumbo) sets process-wide `pg` type parsers (int8 as BigInt, json with a BigInt
 * reviver) when it first opens a pool; here emmett gets a pool with those parsers of its own and the
 * global ones are put back, so that leadledger's `pg` reads are not slowed by them.
 *
 *   npm run bench -- eventstore-comparison
 *   BENCH_ROUNDS=3                 rounds per measurement (median reported)
 *   BENCH_APPEND_EVENTS=2000       events per 1-event-per-append measurement
 *   BENCH_BATCH_EVENTS=10000       events per 10-events-per-append measurement
 *   BENCH_READ_EVENTS=200000       events seeded, then read (read all, catch-up)
 *   BENCH_READ_PAGE=1000           page size of the read-all loops
 *   BENCH_GAP_EVENTS=24300         events the 20 writers append in the gap check
 *   DATABASE_URL                   the PostgreSQL server (default: the test database)
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { JSONSerializer, dumbo } from '@event-driven-io/dumbo';
import { MessageProcessor, STREAM_DOES_NOT_EXIST, reactor, type Event } from '@event-driven-io/emmett';
import {
  DefaultPostgreSQLEventStoreProcessorBatchSize,
  DefaultPostgreSQLEventStoreProcessorPullingFrequencyInMs,
  getPostgreSQLEventStore,
  readMessagesBatch,
} from '@event-driven-io/emmett-postgresql';
import { PgDriver, PgliteDriver, SqlEventStore, type EventStore } from '@leadledger/eventstore';
import { median, perSecond, recordResults, type BenchRow } from './results';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const APPEND_EVENTS = Number(process.env.BENCH_APPEND_EVENTS ?? 2_000);
const BATCH_EVENTS = Number(process.env.BENCH_BATCH_EVENTS ?? 10_000);
const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 200_000);
const READ_PAGE = Number(process.env.BENCH_READ_PAGE ?? 1_000);
const GAP_EVENTS = Number(process.env.BENCH_GAP_EVENTS ?? 24_300);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadledger_test';

const WRITERS = 20;
const SEED_BATCH = 1_000;
/** leadledger's default subscription batch; emmett's consumer is given the same. */
const SUBSCRIPTION_BATCH = 500;
const EMMETT_PULLING = { batchSize: SUBSCRIPTION_BATCH, pullingFrequencyInMs: 1 };
const EMMETT_DEFAULT_PULLING = {
  batchSize: DefaultPostgreSQLEventStoreProcessorBatchSize,
  pullingFrequencyInMs: DefaultPostgreSQLEventStoreProcessorPullingFrequencyInMs,
};
/** After the writers finish, the gap check's readers are done once nothing arrived for this long... */
const GAP_IDLE_MS = 3_000;
/** ...or at the latest after this long. */
const GAP_MAX_WAIT_MS = 120_000;

const PAYLOAD = 'x'.repeat(200);
const METADATA = { actor: 'system:bench' };

type BenchData = { seq: number; payload: string };
type BenchEvent = Event<string, BenchData, typeof METADATA>;

interface Appended {
  /** Pass as `expected` to the stream's next append. */
  readonly next: bigint;
  /** Global position of the append's last event. */
  readonly position: bigint;
}

/** A way of following the global log live, as a subscriber does. */
interface Reader {
  /** Added to the gap check's measurement names, for a subject's second reader. */
  readonly label?: string;
  readonly note: string;
  /** Follows the global log after `after`, calling `onEvent` per delivery; resolves to a stop function. */
  follow(after: bigint, onEvent: (stream: string, seq: number) => void): Promise<() => Promise<void>>;
}

/** One store under test, behind the few operations the measurements need. */
interface Subject {
  /** The row's subject. */
  readonly name: string;
  /** Its name in ratio rows ("PostgreSQL / emmett"). */
  readonly short: string;
  /** Appends to `stream`; `expected` is undefined for a new stream, else the previous append's `next`. */
  append(stream: string, events: readonly BenchEvent[], expected: bigint | undefined): Promise<Appended>;
  /** Reads the first `count` events of the global log page by page; resolves to how many it read. */
  readAll(count: number): Promise<number>;
  readonly readAllNote: string;
  /** A catch-up subscription from the start until `count` events arrived; resolves to how many. */
  catchUp(count: number): Promise<number>;
  readonly catchUpNote: string;
  readonly readers: readonly Reader[];
  close(): Promise<void>;
}

type Measure = (subject: Subject) => Promise<number>;

async function main(): Promise<void> {
  const startedAt = new Date();
  const subjects: Subject[] = [];
  const appendRows: BenchRow[] = [];
  const readRows: BenchRow[] = [];
  const gapRows: BenchRow[] = [];
  try {
    subjects.push(await openLeadledgerPostgres(), await openLeadledgerPglite(), await openEmmett());

    for (const subject of subjects) {
      const started = performance.now();
      await seed(subject, READ_EVENTS);
      log(`${subject.name}: seeded ${READ_EVENTS} events in ${seconds(performance.now() - started)}`);
    }

    // Reads first, while every store holds just the seeded events (see the header).
    const readCount = READ_EVENTS.toLocaleString('en-US');
    readRows.push(
      ...(await interleaved(
        subjects,
        `read all ${readCount} events`,
        (s) => s.readAllNote,
        (s) => timed(READ_EVENTS, () => s.readAll(READ_EVENTS)),
      )),
      ...(await interleaved(
        subjects,
        `catch-up subscription, ${readCount} events`,
        (s) => s.catchUpNote,
        (s) => timed(READ_EVENTS, () => s.catchUp(READ_EVENTS)),
      )),
    );

    const appends: Array<[writers: number, batch: number, total: number]> = [
      [1, 1, APPEND_EVENTS],
      [WRITERS, 1, APPEND_EVENTS],
      [1, 10, BATCH_EVENTS],
      [WRITERS, 10, BATCH_EVENTS],
    ];
    for (const [writers, batch, total] of appends) {
      const measurement = `append, ${writers === 1 ? '1 writer' : `${writers} writers`}, ${
        batch === 1 ? '1 event' : `${batch} events`
      } per append`;
      const note = `${total} events${writers > 1 ? ', a stream per writer' : ''}`;
      appendRows.push(
        ...(await interleaved(
          subjects,
          measurement,
          () => note,
          (s) => appendConcurrently(s, writers, total, batch),
        )),
      );
    }

    for (const subject of subjects) gapRows.push(...(await gapCheck(subject)));
  } finally {
    for (const subject of subjects) await subject.close().catch((error) => console.error(error));
  }
  recordResults('eventstore-comparison', startedAt, [...appendRows, ...readRows, ...gapRows]);
}

// ---------------------------------------------------------------------------------------------------
// Measurements

async function seed(subject: Subject, count: number): Promise<void> {
  for (let seq = 0; seq < count; seq += SEED_BATCH) {
    await subject.append(`seed-${randomUUID()}`, events(seq, Math.min(SEED_BATCH, count - seq)), undefined);
  }
}

/** `total` events from `writers` concurrent writers, each to a stream of its own, `batch` events an append. */
async function appendConcurrently(
  subject: Subject,
  writers: number,
  total: number,
  batch: number,
): Promise<number> {
  const perWriter = Math.floor(total / writers / batch) * batch;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const stream = `bench-${randomUUID()}`;
      let expected: bigint | undefined;
      for (let seq = 0; seq < perWriter; seq += batch) {
        expected = (await subject.append(stream, events(seq, batch), expected)).next;
      }
    }),
  );
  return perSecond(perWriter * writers, performance.now() - started);
}

async function timed(count: number, work: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const done = await work();
  if (done !== count) throw new Error(`expected ${count} events, got ${done}`);
  return perSecond(count, performance.now() - started);
}

interface Follower {
  readonly reader: Reader;
  /** Deliveries per written event ("stream#seq"). */
  readonly deliveries: Map<string, number>;
  delivered: number;
  /** Deliveries of events the gap check did not write. */
  foreign: number;
  lastDeliveryAt: number;
  stop?: () => Promise<void>;
}

/**
 * 20 writers append GAP_EVENTS events, one an append, each to a stream of its own with a random pause of
 * 0-2 ms between appends, while the subject's readers follow the global log from the position of an
 * event appended just before. Then: how many written events each reader never saw, and how many of its
 * deliveries were repeats.
 */
async function gapCheck(subject: Subject): Promise<BenchRow[]> {
  const perWriter = Math.ceil(GAP_EVENTS / WRITERS);
  const total = perWriter * WRITERS;
  const streams = Array.from({ length: WRITERS }, () => `gapcheck-${randomUUID()}`);
  const written = new Set(streams);
  const marker = await subject.append(`gapcheck-${randomUUID()}`, events(0, 1), undefined);
  const followers: Follower[] = [];
  for (const reader of subject.readers) {
    const follower: Follower = {
      reader,
      deliveries: new Map(),
      delivered: 0,
      foreign: 0,
      lastDeliveryAt: performance.now(),
    };
    follower.stop = await reader.follow(marker.position, (stream, seq) => {
      follower.lastDeliveryAt = performance.now();
      follower.delivered++;
      if (!written.has(stream)) {
        follower.foreign++;
        return;
      }
      const key = `${stream}#${seq}`;
      follower.deliveries.set(key, (follower.deliveries.get(key) ?? 0) + 1);
    });
    followers.push(follower);
  }

  const started = performance.now();
  await Promise.all(
    streams.map(async (stream) => {
      let expected: bigint | undefined;
      for (let seq = 0; seq < perWriter; seq++) {
        expected = (await subject.append(stream, events(seq, 1), expected)).next;
        const pause = randomInt(0, 3);
        await new Promise((resolve) => (pause === 0 ? setImmediate(resolve) : setTimeout(resolve, pause)));
      }
    }),
  );
  const writeMs = performance.now() - started;

  const deadline = performance.now() + GAP_MAX_WAIT_MS;
  const settled = (follower: Follower) => {
    const seenLast = streams.every((stream) => follower.deliveries.has(`${stream}#${perWriter - 1}`));
    return performance.now() - follower.lastDeliveryAt > (seenLast ? 1_000 : GAP_IDLE_MS);
  };
  while (performance.now() < deadline && !followers.every(settled)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const unsettled = new Set(followers.filter((follower) => !settled(follower)));
  for (const follower of followers) await follower.stop?.();

  const name = `gap check, ${WRITERS} writers, ${total.toLocaleString('en-US')} events`;
  const rows: BenchRow[] = [];
  for (const follower of followers) {
    let missing = 0;
    let repeated = 0;
    for (const stream of streams) {
      for (let seq = 0; seq < perWriter; seq++) {
        const times = follower.deliveries.get(`${stream}#${seq}`) ?? 0;
        if (times === 0) missing++;
        else repeated += times - 1;
      }
    }
    const label = follower.reader.label ? ` (${follower.reader.label})` : '';
    const lagging = unsettled.has(follower)
      ? `; still delivering ${seconds(GAP_MAX_WAIT_MS)} after the writers finished`
      : '';
    log(
      `gap check | ${subject.name}${label}: ${total} written in ${seconds(writeMs)}, ` +
        `${follower.delivered} delivered, ${missing} missing, ${repeated} repeated` +
        `${follower.foreign ? `, ${follower.foreign} of other streams` : ''}${lagging}`,
    );
    const note = `${follower.reader.note}; written in ${seconds(writeMs)}${lagging}`;
    rows.push(
      {
        subject: subject.name,
        measurement: `${name}: missed by the reader${label}`,
        value: missing,
        unit: 'count',
        note,
      },
      {
        subject: subject.name,
        measurement: `${name}: repeated to the reader${label}`,
        value: repeated,
        unit: 'count',
        note,
      },
    );
  }
  return rows;
}

/** ROUNDS rounds of `measure`, one run per subject a round, the order rotated; medians and ratios. */
async function interleaved(
  subjects: readonly Subject[],
  measurement: string,
  noteOf: (subject: Subject) => string,
  measure: Measure,
): Promise<BenchRow[]> {
  const values = new Map<Subject, number[]>(subjects.map((subject) => [subject, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + round) % subjects.length];
      const value = await measure(subject);
      values.get(subject)?.push(value);
      log(`${measurement} | ${subject.name} | round ${round + 1}: ${Math.round(value)} events/s`);
    }
  }
  const rows: BenchRow[] = [];
  const medians = new Map<Subject, number>();
  for (const subject of subjects) {
    const runs = values.get(subject) ?? [];
    medians.set(subject, median(runs));
    const each = runs.map((value) => Math.round(value).toLocaleString('en-US')).join(', ');
    rows.push({
      subject: subject.name,
      measurement,
      value: Math.round(median(runs)),
      unit: 'events/s',
      note: `${noteOf(subject)}; median of ${runs.length}: ${each}`,
    });
  }
  const emmett = subjects[subjects.length - 1];
  for (const subject of subjects.slice(0, -1)) {
    rows.push({
      subject: 'ratio',
      measurement: `${measurement} (${subject.short} / emmett)`,
      value: (medians.get(subject) ?? 0) / (medians.get(emmett) ?? 1),
      unit: 'ratio',
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// leadledger

async function openLeadledgerPostgres(): Promise<Subject> {
  const schema = `bench_cmp_${Date.now().toString(36)}`;
  const store = await SqlEventStore.open(new PgDriver({ connectionString: DATABASE_URL, max: 20 }), {
    schema,
  });
  return leadledgerSubject('PostgreSQL', 'PostgreSQL', store, () =>
    admin(DATABASE_URL, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  );
}

async function openLeadledgerPglite(): Promise<Subject> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-bench-cmp-'));
  const store = await SqlEventStore.open(await PgliteDriver.open(dataDir));
  return leadledgerSubject('PGlite (disk)', 'PGlite', store, async () =>
    rmSync(dataDir, { recursive: true, force: true }),
  );
}

function leadledgerSubject(
  name: string,
  short: string,
  store: EventStore,
  cleanup: () => Promise<void>,
): Subject {
  return {
    name,
    short,
    readAllNote: `readAll({ after, maxCount: ${READ_PAGE} })`,
    catchUpNote: `subscribeToAll({ from: 'start' }), ${SUBSCRIPTION_BATCH} events a query`,
    async append(stream, batch, expected) {
      const result = await store.append(
        stream,
        batch.map((event) => ({ id: randomUUID(), ...event })),
        { expectedRevision: expected ?? 'no_stream' },
      );
      return { next: result.nextExpectedRevision, position: result.position };
    },
    async readAll(count) {
      let after = 0n;
      let read = 0;
      while (read < count) {
        const page = await store.readAll({ after, maxCount: Math.min(READ_PAGE, count - read) });
        if (page.length === 0) break;
        read += page.length;
        after = page[page.length - 1].position;
      }
      return read;
    },
    async catchUp(count) {
      let read = 0;
      for await (const _ of store.subscribeToAll({ from: 'start' })) {
        if (++read === count) break;
      }
      return read;
    },
    readers: [
      {
        note: 'reader: subscribeToAll({ from: the position before the first event })',
        async follow(after, onEvent) {
          const controller = new AbortController();
          const reading = (async () => {
            for await (const event of store.subscribeToAll({ from: after, signal: controller.signal })) {
              onEvent(event.streamId, (event.data as BenchData).seq);
            }
          })();
          return async () => {
            controller.abort();
            await reading;
          };
        },
      },
    ],
    async close() {
      await store.close();
      await cleanup();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// emmett

const PG_TYPE_INT8 = 20;
const PG_TYPE_JSON = 114;
const PG_TYPE_JSONB = 3802;

async function openEmmett(): Promise<Subject> {
  const database = `leadledger_bench_emmett_${Date.now().toString(36)}`;
  await admin(DATABASE_URL, `CREATE DATABASE "${database}"`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const connectionString = url.toString();

  // emmett's own parsers on its own pool, pg's defaults everywhere else (see the header).
  const defaults = [PG_TYPE_INT8, PG_TYPE_JSON, PG_TYPE_JSONB].map(
    (oid) => [oid, pg.types.getTypeParser(oid, 'text')] as const,
  );
  const emmettParsers = new Map<number, (value: string) => unknown>([
    [PG_TYPE_INT8, (value) => BigInt(value)],
    [PG_TYPE_JSON, (value) => JSONSerializer.deserialize(value)],
    [PG_TYPE_JSONB, (value) => JSONSerializer.deserialize(value)],
  ]);
  const pool = new pg.Pool({
    connectionString,
    max: 20,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        emmettParsers.get(oid) ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pool } });
  const { execute } = dumbo({ connectionString, pool });
  const restoreDefaults = () => defaults.forEach(([oid, parser]) => pg.types.setTypeParser(oid, parser));
  restoreDefaults();
  await store.schema.migrate();
  restoreDefaults();

  const consume = (
    pulling: { batchSize: number; pullingFrequencyInMs: number },
    startFrom: 'BEGINNING' | { lastCheckpoint: bigint },
    onEvent: (stream: string, seq: number) => boolean,
  ) => {
    const consumer = store.consumer<BenchEvent>({
      pulling,
      processors: [
        reactor<BenchEvent>({
          processorId: `bench-${randomUUID()}`,
          startFrom,
          eachMessage: (message) =>
            onEvent(String(message.metadata.streamName), message.data.seq)
              ? MessageProcessor.result.stop()
              : undefined,
        }),
      ],
    });
    return { consumer, running: consumer.start() };
  };

  return {
    name: 'emmett-postgresql 0.42',
    short: 'emmett',
    readAllNote: `readMessagesBatch({ after, batchSize: ${READ_PAGE} }); each page scans the messages table`,
    catchUpNote:
      `consumer + reactor, ${EMMETT_PULLING.batchSize} a batch ${EMMETT_PULLING.pullingFrequencyInMs} ms apart; ` +
      'each batch scans the messages table',
    async append(stream, batch, expected) {
      const result = await store.appendToStream<BenchEvent>(stream, [...batch], {
        expectedStreamVersion: expected ?? STREAM_DOES_NOT_EXIST,
      });
      return { next: result.nextExpectedStreamVersion, position: result.lastEventGlobalPosition };
    },
    async readAll(count) {
      let after = 0n;
      let read = 0;
      while (read < count) {
        const batch = await readMessagesBatch(execute, {
          after,
          batchSize: Math.min(READ_PAGE, count - read),
        });
        if (batch.messages.length === 0) break;
        read += batch.messages.length;
        after = batch.currentGlobalPosition;
      }
      return read;
    },
    async catchUp(count) {
      let read = 0;
      const { consumer, running } = consume(EMMETT_PULLING, 'BEGINNING', () => ++read === count);
      await running;
      await consumer.stop();
      return read;
    },
    readers: [EMMETT_PULLING, EMMETT_DEFAULT_PULLING].map((pulling, i) => ({
      label: i === 0 ? undefined : "emmett's default pulling",
      note:
        'reader: consumer + reactor from the position before the first event, ' +
        `${pulling.batchSize} a batch ${pulling.pullingFrequencyInMs} ms apart`,
      async follow(after: bigint, onEvent: (stream: string, seq: number) => void) {
        const { consumer, running } = consume(pulling, { lastCheckpoint: after }, (stream, seq) => {
          onEvent(stream, seq);
          return false;
        });
        return async () => {
          await consumer.stop();
          await running;
        };
      },
    })),
    async close() {
      if (defaults.some(([oid, parser]) => pg.types.getTypeParser(oid, 'text') !== parser)) {
        console.warn('emmett changed the global pg type parsers during the run: leadledger read with them');
      }
      await store.close();
      await pool.end();
      await admin(DATABASE_URL, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function events(firstSeq: number, count: number): BenchEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'BenchEvent',
    data: { seq: firstSeq + i, payload: PAYLOAD },
    metadata: METADATA,
  }));
}

async function admin(connectionString: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function log(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
