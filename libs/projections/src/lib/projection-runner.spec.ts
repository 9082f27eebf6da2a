import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { currentWorkPriority, type RecordedEvent } from '@leadledger/eventsourcing';
import { PgliteDriver, SqlEventStore, type SqlDriver } from '@leadledger/eventstore';
import type { Projection } from './projection';
import { ProjectionRunner, StaleProjectionError, type ProjectionObserver } from './projection-runner';

const HAPPENED = 'test.happened.v1';
const IGNORED = 'test.ignored.v1';

/**
 * One row per event, keyed by position: applying an event twice breaks the primary key, so "exactly
 * once" is checked by the database itself.
 */
function appliedEvents(options: { version?: number; failWhen?: (event: RecordedEvent) => boolean } = {}) {
  const delivered: bigint[] = [];
  const projection: Projection = {
    name: 'applied-events',
    ...(options.version !== undefined ? { version: options.version } : {}),
    eventTypes: [HAPPENED],
    init: async (tx) => {
      await tx.query(
        'CREATE TABLE IF NOT EXISTS applied_events (position bigint PRIMARY KEY, stream_id text NOT NULL)',
      );
    },
    truncate: async (tx) => {
      await tx.query('TRUNCATE applied_events');
    },
    async handle(events, tx) {
      for (const event of events) {
        delivered.push(event.position);
        await tx.query('INSERT INTO applied_events VALUES ($1, $2)', [
          event.position.toString(),
          event.streamId,
        ]);
        if (options.failWhen?.(event)) throw new Error(`refused event ${event.position}`);
      }
    },
  };
  return { projection, delivered };
}

let db: SqlDriver;
let suite = 0;

beforeAll(async () => {
  db = await PgliteDriver.open();
});

afterAll(async () => {
  await db.close();
});

/** A store and a read schema of their own per test, on the file's one PGlite. */
async function fixture() {
  suite++;
  const store = await SqlEventStore.open(db, { schema: `runner_es_${suite}`, subscriptionPollMs: 200 });
  const schema = `runner_read_${suite}`;
  const append = async (count: number, type = HAPPENED) => {
    let position = 0n;
    for (let i = 0; i < count; i++) {
      ({ position } = await store.append(`thing-${i % 3}`, [{ id: randomUUID(), type, data: { i } }], {
        expectedRevision: 'any',
      }));
    }
    return position;
  };
  const failures: unknown[] = [];
  const moved: unknown[] = [];
  const observer: ProjectionObserver = {
    onFailure: (_name, error) => failures.push(error),
    onCheckpointMoved: (_name, expected, found) => moved.push({ expected, found }),
  };
  const runner = (
    projections: Projection[],
    extra: Partial<ConstructorParameters<typeof ProjectionRunner>[0]> = {},
  ) =>
    new ProjectionRunner({
      events: store,
      db,
      projections,
      schema,
      batchSize: 10,
      batchWaitMs: 5,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      observer,
      waitPollMs: 20,
      ...extra,
    });
  const rows = async () =>
    (
      await db.query<{ position: number }>(
        `SELECT position::int AS position FROM ${schema}.applied_events ORDER BY 1`,
      )
    ).map((row) => row.position);
  const checkpoint = async (name = 'applied-events') => {
    const [row] = await db.query<{ position: string | null }>(
      `SELECT position::text AS position FROM ${schema}.projection_checkpoints WHERE name = $1`,
      [name],
    );
    return row?.position ?? null;
  };
  return { store, schema, append, runner, rows, checkpoint, failures, moved };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ProjectionRunner', () => {
  it('catches up with the store, then follows it live, writing its checkpoint', async () => {
    const { append, runner, rows, checkpoint } = await fixture();
    await append(25);
    const { projection } = appliedEvents();
    const running = runner([projection]);
    running.start();
    try {
      expect(await running.waitFor(25n, 10_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 25));
      const last = await append(3);
      expect(await running.waitFor(last, 10_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 28));
      expect(await checkpoint()).toBe('28');
    } finally {
      await running.stop();
    }
  });

  it('creates the tables of its projections when prepared, before it applies anything', async () => {
    const { append, runner, rows } = await fixture();
    await append(3);
    const { projection } = appliedEvents();
    const prepared = runner([projection]);
    await expect(rows()).rejects.toThrow(/does not exist/);
    await prepared.prepare();
    expect(await rows()).toEqual([]);
    prepared.start();
    try {
      expect(await prepared.waitFor(3n, 10_000)).toBe(true);
      expect(await rows()).toEqual([1, 2, 3]);
    } finally {
      await prepared.stop();
    }
  });

  it('applies as bulk work while nobody waits, and as interactive work while someone does', async () => {
    const { append, runner, checkpoint } = await fixture();
    const { projection } = appliedEvents();
    const priorities: Array<{ last: bigint; priority: string }> = [];
    const handle = projection.handle.bind(projection);
    const watched: Projection = {
      ...projection,
      async handle(events, tx) {
        priorities.push({ last: events[events.length - 1].position, priority: currentWorkPriority()() });
        await handle(events, tx);
      },
    };
    const running = runner([watched]);
    running.start();
    try {
      const unwatched = await append(5);
      while ((await checkpoint()) !== unwatched.toString()) await new Promise((r) => setTimeout(r, 10));
      expect(new Set(priorities.map((batch) => batch.priority))).toEqual(new Set(['bulk']));
      const waitedFor = await append(1);
      expect(await running.waitFor(waitedFor, 10_000)).toBe(true);
      expect(priorities.find((batch) => batch.last === waitedFor)?.priority).toBe('interactive');
    } finally {
      await running.stop();
    }
  });

  it('keeps neither rows nor checkpoint of a failing batch, and applies every event once after recovery', async () => {
    const { append, runner, rows, checkpoint, failures } = await fixture();
    await append(25);
    let refuse = true;
    const { projection } = appliedEvents({ failWhen: (event) => refuse && event.position === 15n });
    // Time enough to fill batches of 10 while catching up: 1..10 commits, 11..20 fails after writing 11..15.
    const running = runner([projection], { batchWaitMs: 1_000 });
    running.start();
    try {
      await eventually(() => expect(failures.length).toBeGreaterThanOrEqual(2));
      expect(await rows()).toEqual(range(1, 10));
      expect(await checkpoint()).toBe('10');
      expect(await running.waitFor(25n, 100)).toBe(false);

      refuse = false;
      expect(await running.waitFor(25n, 10_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 25));
      expect(String(failures[0])).toMatch(/refused event 15/);
    } finally {
      await running.stop();
    }
  });

  it('resumes after its checkpoint when restarted: nothing is delivered twice', async () => {
    const { append, runner, rows } = await fixture();
    await append(12);
    const first = appliedEvents();
    const before = runner([first.projection]);
    before.start();
    expect(await before.waitFor(12n, 10_000)).toBe(true);
    await before.stop();

    await append(4);
    const second = appliedEvents();
    const after = runner([second.projection]);
    after.start();
    try {
      expect(await after.waitFor(16n, 10_000)).toBe(true);
      expect(second.delivered).toEqual([13n, 14n, 15n, 16n]);
      expect(await rows()).toEqual(range(1, 16));
    } finally {
      await after.stop();
    }
  });

  it('lets two runners share one database without applying a batch twice', async () => {
    const { append, runner, rows, failures } = await fixture();
    const one = runner([appliedEvents().projection]);
    const two = runner([appliedEvents().projection]);
    one.start();
    two.start();
    try {
      await Promise.all([append(30), append(30)]);
      expect(await one.waitFor(60n, 10_000)).toBe(true);
      expect(await two.waitFor(60n, 10_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 60));
      expect(failures).toEqual([]);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  it('waits only for the events a projection handles', async () => {
    const { append, runner } = await fixture();
    await append(3);
    const running = runner([appliedEvents().projection]);
    running.start();
    try {
      const last = await append(5, IGNORED);
      expect(await running.waitFor(last, 10_000)).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('rebuilds on request: empties, rewinds and catches up again', async () => {
    const { append, runner, rows } = await fixture();
    await append(15);
    const { projection, delivered } = appliedEvents();
    const rebuilds: string[] = [];
    const running = runner([projection], {
      observer: { onRebuild: (_name, reason) => rebuilds.push(reason) },
    });
    running.start();
    try {
      expect(await running.waitFor(15n, 10_000)).toBe(true);
      delivered.length = 0;
      await running.rebuild('applied-events');
      expect(await running.waitFor(15n, 10_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 15));
      expect(delivered).toEqual(range(1, 15).map(BigInt));
      expect(rebuilds).toEqual(['requested']);
      await expect(running.rebuild('no-such-projection')).rejects.toThrow(/no projection named/);
    } finally {
      await running.stop();
    }
  });

  it('rebuilds once when the projection’s version grows, and an older runner stops writing', async () => {
    const { append, runner, rows, checkpoint } = await fixture();
    await append(6);
    const v1 = runner([appliedEvents().projection]);
    v1.start();
    expect(await v1.waitFor(6n, 10_000)).toBe(true);
    await v1.stop();

    const rebuilds: string[] = [];
    const v2Projection = appliedEvents({ version: 2 });
    const v2 = runner([v2Projection.projection], {
      observer: { onRebuild: (_n, reason) => rebuilds.push(reason) },
    });
    v2.start();
    const stopped: unknown[] = [];
    const stale = runner([appliedEvents().projection], {
      observer: { onStopped: (_n, error) => stopped.push(error) },
    });
    try {
      expect(await v2.waitFor(6n, 10_000)).toBe(true);
      expect(rebuilds).toEqual(['version changed']);
      expect(v2Projection.delivered).toEqual(range(1, 6).map(BigInt));

      stale.start();
      await eventually(() => expect(stopped).toEqual([expect.any(StaleProjectionError)]));
      await append(2);
      expect(await v2.waitFor(8n, 10_000)).toBe(true);
      expect(await rows()).toEqual(range(1, 8));
      expect(await checkpoint()).toBe('8');
    } finally {
      await Promise.all([v2.stop(), stale.stop()]);
    }
  });

  it('stops promptly while following live', async () => {
    const { append, runner } = await fixture();
    await append(1);
    const running = runner([appliedEvents().projection]);
    const controller = new AbortController();
    running.start(controller.signal);
    expect(await running.waitFor(1n, 10_000)).toBe(true);
    const startedAt = Date.now();
    controller.abort();
    await running.stop();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('refuses projections it could not follow', () => {
    const { projection } = appliedEvents();
    const options = { events: {} as SqlEventStore, db };
    expect(() => new ProjectionRunner({ ...options, projections: [projection, projection] })).toThrow(
      /two projections/,
    );
    expect(
      () => new ProjectionRunner({ ...options, projections: [{ ...projection, eventTypes: [] }] }),
    ).toThrow(/no event type/);
    expect(() => new ProjectionRunner({ ...options, projections: [], schema: 'Read; DROP' })).toThrow(
      /identifier/,
    );
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
