import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { eventTypeOf, parseStreamId, type Clock, type LeadScoredData } from '@leadledger/contracts';
import { PgliteDriver, SqlEventStore, type SqlDriver } from '@leadledger/eventstore';
import { ProjectionSpecification } from '../testing';
import {
  DueItemTicker,
  firingIdOf,
  scheduledItemsProjection,
  type DurableScheduler,
  type ScheduledItem,
} from './durable-scheduler';
import { ProjectionRunner } from './projection-runner';

/** Scoring's decay as a DurableScheduler: what marketing-scoring's in-memory DecayScheduler becomes. */
const decay: DurableScheduler = {
  name: 'marketing-scoring.decay',
  eventTypes: [eventTypeOf('LeadScored'), eventTypeOf('LeadErased')],
  dueItemsOf(event) {
    const leadId = parseStreamId(event.streamId)?.id;
    if (!leadId) return [];
    const nextReviewAt =
      event.type === eventTypeOf('LeadScored') ? (event.data as LeadScoredData).nextReviewAt : undefined;
    return [{ key: leadId, dueAt: nextReviewAt ? new Date(nextReviewAt) : undefined }];
  },
};

const leadA = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const leadB = '7a1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const leadC = '8b1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';

const scored = (leadId: string, nextReviewAt?: string) => ({
  type: 'LeadScored',
  data: {
    leadId,
    fit: 10,
    engagement: 30,
    total: 40,
    breakdown: [],
    modelVersion: 'v1',
    ...(nextReviewAt ? { nextReviewAt } : {}),
  },
});
const erased = (leadId: string) => ({ type: 'LeadErased', data: { leadId, reason: 'gdpr request' } });

describe('scheduledItemsProjection', () => {
  const items = 'SELECT key, due_at, attempts FROM scheduled_items ORDER BY due_at, key';

  it('keeps the latest due time per key and forgets cancelled ones', async () => {
    await ProjectionSpecification.for(scheduledItemsProjection(decay))
      .given(
        scored(leadA, '2026-02-01T00:00:00.000Z'),
        scored(leadB, '2026-02-03T00:00:00.000Z'),
        scored(leadC, '2026-02-02T00:00:00.000Z'),
        scored(leadA, '2026-02-05T00:00:00.000Z'),
        scored(leadB),
        erased(leadC),
      )
      .thenRows(items, [{ key: leadA, due_at: new Date('2026-02-05T00:00:00.000Z'), attempts: 0 }]);
  });

  it('is named after its scheduler and follows its event types', () => {
    const projection = scheduledItemsProjection(decay);
    expect(projection.name).toBe('scheduler:marketing-scoring.decay');
    expect(projection.eventTypes).toEqual(decay.eventTypes);
  });
});

class FakeClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

let db: SqlDriver;
let suite = 0;

beforeAll(async () => {
  db = await PgliteDriver.open();
});

afterAll(async () => {
  await db.close();
});

async function fixture() {
  suite++;
  const store = await SqlEventStore.open(db, { schema: `sched_es_${suite}`, subscriptionPollMs: 200 });
  const schema = `sched_read_${suite}`;
  const clock = new FakeClock(new Date('2026-01-31T00:00:00.000Z'));
  const seen: string[] = [];
  // Counts what the projection is handed, to prove a restart does not replay.
  const counted: DurableScheduler = {
    ...decay,
    dueItemsOf: (event) => {
      seen.push(event.id);
      return decay.dueItemsOf(event);
    },
  };
  const runner = () =>
    new ProjectionRunner({
      events: store,
      db,
      projections: [scheduledItemsProjection(counted)],
      schema,
      batchWaitMs: 5,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
    });
  const fired: ScheduledItem[] = [];
  const ticker = (handler = async (item: ScheduledItem) => void fired.push(item), batchSize = 100) =>
    new DueItemTicker({
      db,
      scheduler: decay,
      handler,
      clock,
      schema,
      batchSize,
      backoff: { initialDelayMs: 60_000, maxDelayMs: 600_000 },
    });
  const record = async (event: { type: string; data: { leadId: string } }) => {
    const { position } = await store.append(
      `lead-${event.data.leadId}`,
      [{ id: randomUUID(), type: eventTypeOf(event.type as 'LeadScored'), data: event.data }],
      { expectedRevision: 'any' },
    );
    return position;
  };
  const stored = () =>
    db.query<{
      key: string;
      due_at: Date;
      next_attempt_at: Date;
      attempts: number;
      last_error: string | null;
    }>(
      `SELECT key, due_at, next_attempt_at, attempts, last_error FROM ${schema}.scheduled_items ORDER BY key`,
    );
  return { store, schema, clock, seen, runner, ticker, fired, record, stored };
}

describe('DueItemTicker', () => {
  it('fires what is due by the clock, oldest first, once', async () => {
    const { clock, runner, ticker, fired, record, stored } = await fixture();
    const running = runner();
    running.start();
    try {
      await record(scored(leadA, '2026-02-02T00:00:00.000Z'));
      await record(scored(leadB, '2026-02-01T00:00:00.000Z'));
      const last = await record(scored(leadC, '2026-03-01T00:00:00.000Z'));
      expect(await running.waitFor(last, 10_000)).toBe(true);

      expect(await ticker().runDue()).toEqual({ fired: 0, failed: 0 });
      clock.set('2026-02-10T00:00:00.000Z');
      expect(await ticker().runDue()).toEqual({ fired: 2, failed: 0 });
      expect(fired.map((item) => [item.key, item.dueAt.toISOString(), item.attempts])).toEqual([
        [leadB, '2026-02-01T00:00:00.000Z', 0],
        [leadA, '2026-02-02T00:00:00.000Z', 0],
      ]);
      expect(firingIdOf(fired[0])).toBe(`marketing-scoring.decay/${leadB}@2026-02-01T00:00:00.000Z`);
      expect((await stored()).map((row) => row.key)).toEqual([leadC]);
      expect(await ticker().runDue()).toEqual({ fired: 0, failed: 0 });
    } finally {
      await running.stop();
    }
  });

  it('claims in bounded batches until nothing is due', async () => {
    const { clock, runner, ticker, fired, record } = await fixture();
    const running = runner();
    running.start();
    try {
      let last = 0n;
      for (const lead of [leadA, leadB, leadC]) last = await record(scored(lead, '2026-02-01T00:00:00.000Z'));
      expect(await running.waitFor(last, 10_000)).toBe(true);
      clock.set('2026-02-01T00:00:00.000Z');
      expect(await ticker(undefined, 2).runDue()).toEqual({ fired: 3, failed: 0 });
      expect(fired).toHaveLength(3);
    } finally {
      await running.stop();
    }
  });

  it('keeps a failing item, counts the attempt and backs off, under the same due time', async () => {
    const { clock, runner, ticker, fired, record, stored } = await fixture();
    const running = runner();
    running.start();
    try {
      expect(await running.waitFor(await record(scored(leadA, '2026-02-01T00:00:00.000Z')), 10_000)).toBe(
        true,
      );
      clock.set('2026-02-01T12:00:00.000Z');
      const failing = ticker(async () => {
        throw new Error('scoring unavailable');
      });
      expect(await failing.runDue()).toEqual({ fired: 0, failed: 1 });
      const [row] = await stored();
      expect(row).toEqual({
        key: leadA,
        due_at: new Date('2026-02-01T00:00:00.000Z'),
        next_attempt_at: new Date('2026-02-01T12:01:00.000Z'),
        attempts: 1,
        last_error: 'Error: scoring unavailable',
      });
      expect(await ticker().runDue()).toEqual({ fired: 0, failed: 0 });

      clock.set('2026-02-01T12:01:00.000Z');
      expect(await ticker().runDue()).toEqual({ fired: 1, failed: 0 });
      expect(fired.map((item) => [item.dueAt.toISOString(), item.attempts])).toEqual([
        ['2026-02-01T00:00:00.000Z', 1],
      ]);
      expect(await stored()).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('keeps an item that an event rescheduled while its handler ran', async () => {
    const { clock, runner, ticker, fired, record, stored } = await fixture();
    const running = runner();
    running.start();
    try {
      expect(await running.waitFor(await record(scored(leadA, '2026-02-01T00:00:00.000Z')), 10_000)).toBe(
        true,
      );
      clock.set('2026-02-01T00:00:00.000Z');
      const rescheduling = ticker(async (item) => {
        fired.push(item);
        // The rescore the handler causes records the next review before the ticker deletes the item.
        expect(await running.waitFor(await record(scored(leadA, '2026-03-01T00:00:00.000Z')), 10_000)).toBe(
          true,
        );
      });
      expect(await rescheduling.runDue()).toEqual({ fired: 1, failed: 0 });
      const [row] = await stored();
      expect(row).toMatchObject({
        key: leadA,
        due_at: new Date('2026-03-01T00:00:00.000Z'),
        next_attempt_at: new Date('2026-03-01T00:00:00.000Z'),
        attempts: 0,
      });
    } finally {
      await running.stop();
    }
  });

  it('does not hand one item to two tickers at once (the lease)', async () => {
    const { clock, runner, ticker, record } = await fixture();
    const running = runner();
    running.start();
    try {
      expect(await running.waitFor(await record(scored(leadA, '2026-02-01T00:00:00.000Z')), 10_000)).toBe(
        true,
      );
      clock.set('2026-02-01T00:00:00.000Z');
      const handled: string[] = [];
      let release!: () => void;
      const slow = ticker(async (item) => {
        handled.push(`slow ${item.key}`);
        await new Promise<void>((resolve) => (release = resolve));
      });
      const slowRun = slow.runDue();
      await eventually(() => expect(handled).toHaveLength(1));
      expect(await ticker(async (item) => void handled.push(`fast ${item.key}`)).runDue()).toEqual({
        fired: 0,
        failed: 0,
      });
      release();
      expect(await slowRun).toEqual({ fired: 1, failed: 0 });
      expect(handled).toEqual([`slow ${leadA}`]);
    } finally {
      await running.stop();
    }
  });

  it('survives a restart without replaying the store, and still fires what was due', async () => {
    const { clock, seen, runner, ticker, fired, record } = await fixture();
    const before = runner();
    before.start();
    await record(scored(leadA, '2026-02-01T00:00:00.000Z'));
    const last = await record(scored(leadB, '2026-02-02T00:00:00.000Z'));
    expect(await before.waitFor(last, 10_000)).toBe(true);
    await before.stop();
    expect(seen).toHaveLength(2);

    seen.length = 0;
    const after = runner();
    after.start();
    try {
      const next = await record(erased(leadB));
      expect(await after.waitFor(next, 10_000)).toBe(true);
      expect(seen).toHaveLength(1);
      clock.set('2026-02-03T00:00:00.000Z');
      expect(await ticker().runDue()).toEqual({ fired: 1, failed: 0 });
      expect(fired.map((item) => item.key)).toEqual([leadA]);
    } finally {
      await after.stop();
    }
  });

  it('ticks until aborted', async () => {
    const { clock, runner, ticker, fired, record } = await fixture();
    const running = runner();
    running.start();
    const controller = new AbortController();
    const ticking = ticker().run(controller.signal, 10);
    try {
      clock.set('2026-02-01T00:00:00.000Z');
      await record(scored(leadA, '2026-02-01T00:00:00.000Z'));
      await eventually(() => expect(fired).toHaveLength(1));
    } finally {
      controller.abort();
      await ticking;
      await running.stop();
    }
  });
});

async function eventually(assertion: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
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
