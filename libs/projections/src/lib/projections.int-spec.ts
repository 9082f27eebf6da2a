import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@leadledger/contracts';
import type { RecordedEvent } from '@leadledger/eventsourcing';
import { PgDriver, SqlEventStore } from '@leadledger/eventstore';
import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import {
  DueItemTicker,
  scheduledItemsProjection,
  type DurableScheduler,
  type ScheduledItem,
} from './durable-scheduler';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

const HAPPENED = 'test.happened.v1';
const TIMER_SET = 'test.timer-set.v1';

const eventSchema = uniqueSchemaName('projections_es');
const readSchema = uniqueSchemaName('projections_read');

let url: string;
let db: PgDriver;
let store: SqlEventStore;

beforeAll(async () => {
  url = await testPostgresUrl();
  db = new PgDriver({ connectionString: url, max: 10 });
  store = await SqlEventStore.open(db, { schema: eventSchema, subscriptionPollMs: 200 });
});

afterAll(async () => {
  await store?.close(); // closes `db` too: the store owns its driver
  await dropSchema(url, eventSchema);
  await dropSchema(url, readSchema);
});

async function append(count: number, type = HAPPENED, data: (i: number) => unknown = (i) => ({ i })) {
  let position = 0n;
  for (let i = 0; i < count; i++) {
    ({ position } = await store.append(`thing-${randomUUID()}`, [{ id: randomUUID(), type, data: data(i) }], {
      expectedRevision: 'any',
    }));
  }
  return position;
}

function runner(projections: Projection[], failures: unknown[] = []) {
  return new ProjectionRunner({
    events: store,
    db,
    projections,
    schema: readSchema,
    batchSize: 10,
    batchWaitMs: 1_000,
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
    observer: { onFailure: (_name, error) => failures.push(error) },
    waitPollMs: 20,
  });
}

describe('projections on PostgreSQL', () => {
  it('commits a batch’s rows with its checkpoint or neither, and applies every event exactly once', async () => {
    let refuse = true;
    // The primary key on position makes a second application of any event fail the batch.
    const applied = (): Projection => ({
      name: 'atomic',
      eventTypes: [HAPPENED],
      init: async (tx) => {
        await tx.query('CREATE TABLE IF NOT EXISTS atomic_rows (position bigint PRIMARY KEY)');
      },
      truncate: async (tx) => {
        await tx.query('TRUNCATE atomic_rows');
      },
      async handle(events, tx) {
        for (const event of events) {
          await tx.query('INSERT INTO atomic_rows VALUES ($1)', [event.position.toString()]);
          if (refuse && event.position === 15n) throw new Error('refused mid-batch');
        }
      },
    });
    const rows = async () =>
      (
        await db.query<{ position: number }>(
          `SELECT position::int AS position FROM ${readSchema}.atomic_rows ORDER BY 1`,
        )
      ).map((row) => row.position);
    const checkpoint = async () =>
      (
        await db.query<{ position: string }>(
          `SELECT position::text AS position FROM ${readSchema}.projection_checkpoints WHERE name = 'atomic'`,
        )
      )[0]?.position;

    const first = await append(25);
    expect(first).toBe(25n);
    const failures: unknown[] = [];
    const one = runner([applied()], failures);
    const two = runner([applied()], failures);
    one.start();
    two.start();
    try {
      await eventually(async () => expect(failures.length).toBeGreaterThanOrEqual(2));
      expect(await rows()).toEqual(range(1, 10));
      expect(await checkpoint()).toBe('10');

      refuse = false;
      await append(20);
      expect(await one.waitFor(45n, 20_000)).toBe(true);
      expect(await two.waitFor(45n, 20_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 45));
      expect(await checkpoint()).toBe('45');
      expect(failures.every((error) => String(error).includes('refused mid-batch'))).toBe(true);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  it('keeps timers across a restart without replaying, and two tickers fire each due item once', async () => {
    const seen: RecordedEvent[] = [];
    const timers: DurableScheduler = {
      name: 'int-spec.timers',
      eventTypes: [TIMER_SET],
      dueItemsOf(event) {
        seen.push(event);
        const { key, dueAt } = event.data as { key: string; dueAt: string };
        return [{ key, dueAt: new Date(dueAt), payload: { key } }];
      },
    };
    const clock: Clock = { now: () => new Date('2026-03-01T00:00:00.000Z') };
    const timer = (i: number) => ({
      key: `timer-${i}`,
      dueAt: `2026-02-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`,
    });

    const before = runner([scheduledItemsProjection(timers)]);
    before.start();
    const firstBatch = await append(30, TIMER_SET, timer);
    expect(await before.waitFor(firstBatch, 20_000)).toBe(true);
    await before.stop();
    expect(seen).toHaveLength(30);

    seen.length = 0;
    const after = runner([scheduledItemsProjection(timers)]);
    after.start();
    try {
      const secondBatch = await append(10, TIMER_SET, (i) => timer(30 + i));
      expect(await after.waitFor(secondBatch, 20_000)).toBe(true);
      expect(seen.map((event) => event.position)).toEqual(
        range(Number(firstBatch) + 1, Number(secondBatch)).map(BigInt),
      );

      const fired: string[] = [];
      const ticker = () =>
        new DueItemTicker({
          db,
          scheduler: timers,
          clock,
          schema: readSchema,
          batchSize: 5,
          handler: async (item: ScheduledItem) => {
            fired.push(item.key);
            await new Promise((resolve) => setTimeout(resolve, 2));
          },
        });
      const [a, b] = await Promise.all([ticker().runDue(), ticker().runDue()]);
      expect(a.fired + b.fired).toBe(40);
      expect(fired.sort()).toEqual(
        range(0, 39)
          .map((i) => `timer-${i}`)
          .sort(),
      );
      expect(await db.query(`SELECT * FROM ${readSchema}.scheduled_items`)).toEqual([]);
    } finally {
      await after.stop();
    }
  });
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function eventually(assertion: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
