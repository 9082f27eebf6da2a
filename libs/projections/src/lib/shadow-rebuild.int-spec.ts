import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { eventTypeOf } from '@leadledger/contracts';
import type { GlobalPosition } from '@leadledger/eventsourcing';
import { PgDriver, PgliteDriver, SqlEventStore, type SqlDriver } from '@leadledger/eventstore';
import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import { projectionOf, type Projection } from './projection';
import { ProjectionRunner, StaleProjectionError } from './projection-runner';
import { rebuildBeside, shadowSchemaOf, type ShadowRebuildProgress } from './shadow-rebuild';

const SCORED = eventTypeOf('LeadScored');
const NAME = 'stream-totals';
const LEADS = Array.from({ length: 4 }, () => randomUUID());

/**
 * Per stream, its events and the sum of their totals; over all, a running sum per event keyed by
 * position (applying an event twice breaks that primary key). `weight` stands for a fixed bug: the
 * same projection, by name and version, computing differently.
 */
function streamTotals({ weight = 1, version }: { weight?: number; version?: number } = {}): Projection {
  return projectionOf({
    name: NAME,
    ...(version !== undefined ? { version } : {}),
    tables: [
      `CREATE TABLE IF NOT EXISTS stream_totals (
         stream_id text PRIMARY KEY, events integer NOT NULL, total bigint NOT NULL, last_position bigint NOT NULL)`,
      'CREATE INDEX IF NOT EXISTS stream_totals_by_total ON stream_totals (total)',
      'CREATE TABLE IF NOT EXISTS running_sum (position bigint PRIMARY KEY, sum bigint NOT NULL)',
    ],
    truncates: ['stream_totals', 'running_sum'],
    on: {
      LeadScored: async (data, event, tx) => {
        const amount = data.total * weight;
        await tx.query(
          `INSERT INTO stream_totals VALUES ($1, 1, $2, $3)
           ON CONFLICT (stream_id) DO UPDATE SET events = stream_totals.events + 1,
             total = stream_totals.total + EXCLUDED.total, last_position = EXCLUDED.last_position`,
          [event.streamId, amount, event.position.toString()],
        );
        await tx.query(
          `INSERT INTO running_sum
           SELECT $1, coalesce((SELECT sum FROM running_sum ORDER BY position DESC LIMIT 1), 0) + $2`,
          [event.position.toString(), amount],
        );
      },
    },
  });
}

interface Backend {
  readonly name: string;
  open(): Promise<SqlDriver>;
  /** Removes what a test left on a shared server; PGlite goes with its driver. */
  drop(schemas: readonly string[]): Promise<void>;
}

const backends: Backend[] = [
  {
    name: 'PGlite',
    open: () => PgliteDriver.open(),
    drop: async () => undefined,
  },
  {
    name: 'PostgreSQL',
    open: async () => new PgDriver({ connectionString: await testPostgresUrl(), max: 10 }),
    drop: async (schemas) => {
      const url = await testPostgresUrl();
      for (const schema of schemas) await dropSchema(url, schema);
    },
  },
];

describe.each(backends)('rebuildBeside on $name', (backend) => {
  let db: SqlDriver;
  const created: string[] = [];

  beforeAll(async () => {
    db = await backend.open();
  });

  afterAll(async () => {
    await backend.drop(created);
    await db?.close();
  });

  /** A store and a read schema of their own per test. */
  async function fixture() {
    const id = uniqueSchemaName('rb');
    const schema = `${id}_read`;
    created.push(`${id}_es`, schema, shadowSchemaOf(schema, NAME));
    const store = await SqlEventStore.open(db, { schema: `${id}_es`, subscriptionPollMs: 100 });
    let n = 0;
    const append = async (count: number): Promise<GlobalPosition> => {
      let position = 0n;
      for (let i = 0; i < count; i++, n++) {
        const leadId = LEADS[n % LEADS.length];
        ({ position } = await store.append(
          `lead-${leadId}`,
          [{ id: randomUUID(), type: SCORED, data: { leadId, fit: 0, engagement: 0, total: (n * 7) % 13 } }],
          { expectedRevision: 'any' },
        ));
      }
      return position;
    };
    const failures: unknown[] = [];
    const runner = (projection: Projection) =>
      new ProjectionRunner({
        events: store,
        db,
        projections: [projection],
        schema,
        batchSize: 10,
        batchWaitMs: 20,
        retry: { initialDelayMs: 10, maxDelayMs: 50 },
        observer: { onFailure: (_name, error) => failures.push(error) },
        waitPollMs: 20,
      });
    /** Each table exactly as a reader gets it, as PostgreSQL's own JSON text. */
    const snapshot = async () => {
      const [row] = await db.query<{ totals: string; sums: string }>(
        `SELECT (SELECT coalesce(json_agg(t ORDER BY t.stream_id), '[]')::text FROM "${schema}".stream_totals t) AS totals,
                (SELECT coalesce(json_agg(s ORDER BY s.position), '[]')::text FROM "${schema}".running_sum s) AS sums`,
      );
      return row;
    };
    const checkpoint = async () =>
      (
        await db.query<{ position: string | null; version: number }>(
          `SELECT position::text AS position, version FROM "${schema}".projection_checkpoints WHERE name = $1`,
          [NAME],
        )
      )[0];
    /** What the tables must hold: every event of the store applied once, in order. */
    const expected = async (weight = 1) => {
      const events = await store.readAll({ eventTypes: [SCORED], maxCount: 100_000 });
      const totals = new Map<
        string,
        { stream_id: string; events: number; total: number; last_position: number }
      >();
      const sums: { position: number; sum: number }[] = [];
      let sum = 0;
      for (const event of events) {
        const amount = (event.data as { total: number }).total * weight;
        const row = totals.get(event.streamId) ?? {
          stream_id: event.streamId,
          events: 0,
          total: 0,
          last_position: 0,
        };
        totals.set(event.streamId, {
          ...row,
          events: row.events + 1,
          total: row.total + amount,
          last_position: Number(event.position),
        });
        sum += amount;
        sums.push({ position: Number(event.position), sum });
      }
      return {
        totals: [...totals.values()].sort((a, b) => (a.stream_id < b.stream_id ? -1 : 1)),
        sums,
      };
    };
    const parsed = async () => {
      const { totals, sums } = await snapshot();
      return { totals: JSON.parse(totals) as unknown, sums: JSON.parse(sums) as unknown };
    };
    const shadowLeft = async () =>
      (
        await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [
          shadowSchemaOf(schema, NAME),
        ])
      )[0].n > 0;
    const rebuild = (projection: Projection, extra: Partial<Parameters<typeof rebuildBeside>[0]> = {}) =>
      rebuildBeside({ events: store, db, projection, schema, batchSize: 7, ...extra });
    return {
      store,
      schema,
      append,
      runner,
      snapshot,
      checkpoint,
      expected,
      parsed,
      shadowLeft,
      rebuild,
      failures,
    };
  }

  it('rebuilds tables identical to the live ones, index included, and leaves the checkpoint where it was', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals());
    live.start();
    try {
      const last = await f.append(40);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      const before = await f.snapshot();
      expect(JSON.parse(before.sums)).toHaveLength(40);

      const result = await f.rebuild(streamTotals());

      expect(await f.snapshot()).toEqual(before);
      expect(await f.checkpoint()).toEqual({ position: last.toString(), version: 1 });
      expect(result).toMatchObject({ events: 40, position: last });
      expect(result.eventsPerSecond).toBeGreaterThan(0);
      const indexes = await db.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
        [f.schema],
      );
      expect(indexes.map((index) => index.indexname)).toEqual(
        expect.arrayContaining(['stream_totals_by_total', 'stream_totals_pkey', 'running_sum_pkey']),
      );
      expect(await f.shadowLeft()).toBe(false);
      expect(f.failures).toEqual([]);
    } finally {
      await live.stop();
    }
  });

  it('keeps every live row readable while the shadow catches up', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals());
    live.start();
    try {
      const last = await f.append(30);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      const before = await f.snapshot();
      const progress: ShadowRebuildProgress[] = [];
      const seen: unknown[] = [];
      // Besides the snapshots between batches, a reader of its own, across the swap too.
      let rebuilding = true;
      const counts = new Set<number>();
      const errors: unknown[] = [];
      const reader = (async () => {
        while (rebuilding) {
          try {
            const [row] = await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM "${f.schema}".running_sum`,
            );
            counts.add(row.n);
          } catch (error) {
            errors.push(error);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();

      await f.rebuild(streamTotals(), {
        onProgress: async (tick) => {
          progress.push(tick);
          seen.push(await f.snapshot());
        },
      });
      rebuilding = false;
      await reader;

      expect(errors).toEqual([]);
      expect([...counts]).toEqual([30]);
      expect(progress.length).toBeGreaterThanOrEqual(4);
      expect(seen.every((snapshot) => JSON.stringify(snapshot) === JSON.stringify(before))).toBe(true);
      expect(progress.map((tick) => tick.events)).toEqual([7, 14, 21, 28, 30]);
      expect(progress.every((tick) => tick.head === last)).toBe(true);
    } finally {
      await live.stop();
    }
  });

  it('applies events appended during the rebuild exactly once, and the live runner carries on after the swap', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals());
    live.start();
    try {
      const last = await f.append(25);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      let during = 0n;
      let ticks = 0;

      const result = await f.rebuild(streamTotals(), {
        onProgress: async () => {
          if (++ticks <= 3) during = await f.append(4);
        },
      });

      expect(result.position).toBe(during);
      expect(result.events).toBe(37);
      expect(await live.waitFor(during, 20_000)).toBe(true);
      expect(await f.parsed()).toEqual(await f.expected());

      const after = await f.append(15);
      expect(await live.waitFor(after, 20_000)).toBe(true);
      expect(await f.parsed()).toEqual(await f.expected());
      expect(await f.checkpoint()).toEqual({ position: after.toString(), version: 1 });
      expect(f.failures).toEqual([]);
    } finally {
      await live.stop();
    }
  });

  it('does not swap in tables behind the live ones: it catches up with a runner that got ahead first', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals());
    live.start();
    try {
      const last = await f.append(30);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      let ahead = 0n;
      const ticks: number[] = [];

      const result = await f.rebuild(streamTotals(), {
        onProgress: async (tick) => {
          ticks.push(tick.events);
          // The shadow's last read came back short: the swap comes next, with the live runner past it.
          if (tick.events === 30) {
            ahead = await f.append(5);
            expect(await live.waitFor(ahead, 20_000)).toBe(true);
          }
        },
      });

      expect(ticks).toEqual([7, 14, 21, 28, 30, 35]);
      expect(result).toMatchObject({ events: 35, position: ahead });
      expect(await f.checkpoint()).toEqual({ position: ahead.toString(), version: 1 });
      expect(await f.parsed()).toEqual(await f.expected());
      expect(f.failures).toEqual([]);
    } finally {
      await live.stop();
    }
  });

  it('lets a later rebuild of the same projection take the shadow over; the earlier one fails', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals());
    live.start();
    try {
      const last = await f.append(20);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      let later: Promise<unknown> | undefined;

      await expect(
        f.rebuild(streamTotals({ weight: 3 }), {
          onProgress: async () => {
            later ??= f.rebuild(streamTotals());
            await later;
          },
        }),
      ).rejects.toThrow(/took over/);

      await expect(later).resolves.toMatchObject({ events: 20, position: last });
      expect(await f.parsed()).toEqual(await f.expected());
      expect(await f.shadowLeft()).toBe(false);
    } finally {
      await live.stop();
    }
  });

  it('replaces the rows with what a fixed handle computes', async () => {
    const f = await fixture();
    const buggy = f.runner(streamTotals());
    buggy.start();
    const last = await f.append(30);
    expect(await buggy.waitFor(last, 20_000)).toBe(true);
    await buggy.stop();
    expect(await f.parsed()).toEqual(await f.expected(1));

    // The fix deployed: same name and version, so the runner keeps the rows the bug wrote.
    const fixed = f.runner(streamTotals({ weight: 2 }));
    fixed.start();
    try {
      const more = await f.append(5);
      expect(await fixed.waitFor(more, 20_000)).toBe(true);
      expect(await f.parsed()).not.toEqual(await f.expected(2));

      await f.rebuild(streamTotals({ weight: 2 }));
      expect(await f.parsed()).toEqual(await f.expected(2));

      const after = await f.append(5);
      expect(await fixed.waitFor(after, 20_000)).toBe(true);
      expect(await f.parsed()).toEqual(await f.expected(2));
      expect(f.failures).toEqual([]);
    } finally {
      await fixed.stop();
    }
  });

  it('leaves the live tables alone and no shadow behind when aborted', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals());
    live.start();
    try {
      const last = await f.append(30);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      const before = await f.snapshot();
      const controller = new AbortController();

      await expect(
        f.rebuild(streamTotals({ weight: 3 }), {
          signal: controller.signal,
          onProgress: (tick) => {
            if (tick.events >= 14) controller.abort();
          },
        }),
      ).rejects.toMatchObject({ name: 'AbortError' });

      expect(await f.snapshot()).toEqual(before);
      expect(await f.checkpoint()).toEqual({ position: last.toString(), version: 1 });
      expect(await f.shadowLeft()).toBe(false);
      const after = await f.append(3);
      expect(await live.waitFor(after, 20_000)).toBe(true);
      expect(await f.parsed()).toEqual(await f.expected());
    } finally {
      await live.stop();
    }
  });

  it('builds a projection that never ran, checkpoint included, and a runner continues from there', async () => {
    const f = await fixture();
    const empty = await f.rebuild(streamTotals());
    expect(empty).toMatchObject({ events: 0, position: undefined });
    expect(await f.checkpoint()).toEqual({ position: null, version: 1 });

    const last = await f.append(12);
    expect(await f.rebuild(streamTotals())).toMatchObject({ events: 12, position: last });
    expect(await f.checkpoint()).toEqual({ position: last.toString(), version: 1 });
    expect(await f.parsed()).toEqual(await f.expected());

    const live = f.runner(streamTotals());
    live.start();
    try {
      const after = await f.append(6);
      expect(await live.waitFor(after, 20_000)).toBe(true);
      expect(await f.parsed()).toEqual(await f.expected());
      expect(f.failures).toEqual([]);
    } finally {
      await live.stop();
    }
  });

  it('refuses to replace tables a newer version owns', async () => {
    const f = await fixture();
    const live = f.runner(streamTotals({ version: 2 }));
    live.start();
    try {
      const last = await f.append(10);
      expect(await live.waitFor(last, 20_000)).toBe(true);
      const before = await f.snapshot();

      await expect(f.rebuild(streamTotals())).rejects.toBeInstanceOf(StaleProjectionError);

      expect(await f.snapshot()).toEqual(before);
      expect(await f.shadowLeft()).toBe(false);
    } finally {
      await live.stop();
    }
  });
});
