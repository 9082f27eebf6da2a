import { randomUUID } from 'node:crypto';
import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import {
  EventIdConflictError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventToAppend,
  type RecordedEvent,
} from '@leadledger/eventsourcing';
import { PgDriver } from './pg-driver';
import { PgliteDriver } from './pglite-driver';
import type { SqlDriver, SqlExecutor } from './sql-driver';
import { SqlEventStore } from './sql-event-store';

/**
 * A driver that counts group commits and can make the next one slow to commit: it runs that
 * append in an explicit transaction that waits before COMMIT, holding the append lock meanwhile.
 */
class SlowCommitDriver implements SqlDriver {
  private delayNextCommitMs = 0;
  groupCommits = 0;
  lastQuery?: { sql: string; params: readonly unknown[] };

  constructor(private readonly inner: SqlDriver) {}

  delayNextCommit(ms: number): void {
    this.delayNextCommitMs = ms;
  }

  query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.lastQuery = { sql, params };
    if (!sql.includes('.append_group(')) return this.inner.query<Row>(sql, params);
    this.groupCommits += 1;
    const delay = this.delayNextCommitMs;
    this.delayNextCommitMs = 0;
    if (!delay) return this.inner.query<Row>(sql, params);
    return this.inner.transaction(async (tx) => {
      const rows = await tx.query<Row>(sql, params);
      await new Promise((resolve) => setTimeout(resolve, delay));
      return rows;
    });
  }

  exec(script: string): Promise<void> {
    return this.inner.exec(script);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inner.transaction(work);
  }

  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return this.inner.listen(channel, onNotify);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const adapters: Array<
  [string, () => Promise<{ driver: SqlDriver; cleanup: () => Promise<void>; schema?: string }>]
> = [
  ['PGlite', async () => ({ driver: await PgliteDriver.open(), cleanup: async () => undefined })],
  [
    'PostgreSQL',
    async () => {
      const url = await testPostgresUrl();
      const schema = uniqueSchemaName('es_sql');
      return {
        driver: new PgDriver({ connectionString: url, max: 10 }),
        schema,
        cleanup: () => dropSchema(url, schema),
      };
    },
  ],
];

describe.each(adapters)('SqlEventStore on %s', (_name, openDriver) => {
  let driver: SlowCommitDriver;
  let store: SqlEventStore;
  /** A second store on the same database: another writer, as another process would be. */
  let otherWriter: SqlEventStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openDriver();
    driver = new SlowCommitDriver(opened.driver);
    cleanup = opened.cleanup;
    store = await SqlEventStore.open(driver, opened.schema ? { schema: opened.schema } : {});
    otherWriter = await SqlEventStore.open(driver, opened.schema ? { schema: opened.schema } : {});
  });

  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('acknowledges a retried append even after the stream moved on, without writing it again', async () => {
    const stream = `s-${randomUUID()}`;
    const original = [event('A')];
    const first = await store.append(stream, original, { expectedRevision: 'no_stream' });
    await store.append(stream, [event('B')], { expectedRevision: 0n });

    const retried = await store.append(stream, original, { expectedRevision: 'no_stream' });

    expect(retried).toEqual(first);
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('refuses an append that overlaps an earlier one only in part', async () => {
    const stream = `s-${randomUUID()}`;
    const stored = event('A');
    await store.append(stream, [stored], { expectedRevision: 'no_stream' });

    await expect(
      store.append(stream, [stored, event('B')], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(EventIdConflictError);
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('refuses an event id that another stream already holds', async () => {
    const shared = event('A');
    await store.append(`s-${randomUUID()}`, [shared], { expectedRevision: 'no_stream' });

    await expect(
      store.append(`s-${randomUUID()}`, [shared], { expectedRevision: 'no_stream' }),
    ).rejects.toBeInstanceOf(EventIdConflictError);
  });

  it('migrates idempotently: opening the store again keeps its events', async () => {
    const stream = `s-${randomUUID()}`;
    await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
    const schemaOf = (store as unknown as { schema: string }).schema;

    await SqlEventStore.open(driver, { schema: schemaOf });

    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('never lets a later append become visible before an earlier one that is slow to commit', async () => {
    const type = `Ordered-${randomUUID()}`;
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const subscribing = (async () => {
      for await (const e of store.subscribeToAll({
        from: 'end',
        eventTypes: [type],
        signal: controller.signal,
      })) {
        received.push(e);
        if (received.length === 2) break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));

    driver.delayNextCommit(750);
    const slow = store.append(`slow-${randomUUID()}`, [event(type, { order: 'first' })], {
      expectedRevision: 'any',
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fast = otherWriter.append(`fast-${randomUUID()}`, [event(type, { order: 'second' })], {
      expectedRevision: 'any',
    });
    const [slowResult, fastResult] = await Promise.all([slow, fast]);
    const timeout = setTimeout(() => controller.abort(), 10_000);
    await subscribing;
    clearTimeout(timeout);

    expect(slowResult.position < fastResult.position).toBe(true);
    expect(received.map((e) => e.data)).toEqual([{ order: 'first' }, { order: 'second' }]);
  });

  it('reads a rare type without walking the events of other types, statistics or none', async () => {
    const [common, rare] = [`Common-${randomUUID()}`, `Rare-${randomUUID()}`];
    for (let chunk = 0; chunk < 10; chunk++) {
      await store.append(
        `bulk-${randomUUID()}`,
        Array.from({ length: 1_000 }, (_, i) => event(common, { i })),
        { expectedRevision: 'no_stream' },
      );
    }
    await store.append(`rare-${randomUUID()}`, [event(rare)], { expectedRevision: 'no_stream' });

    // As a projection subscribes: several types, most of them absent from the log.
    const read = await store.readAll({
      eventTypes: [rare, `Absent-${randomUUID()}`, `Absent-${randomUUID()}`],
      maxCount: 100,
    });
    const { sql, params } = driver.lastQuery ?? { sql: 'no query', params: [] };
    const [explained] = await driver.query<Record<string, unknown>>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      params,
    );
    const plan = Object.values(explained)[0];

    expect(read.map((e) => e.type)).toEqual([rare]);
    expect(rowsFilteredOut(plan)).toBeLessThan(100);
  });

  it('writes appends that arrive together in one commit, each keeping its own expected revision', async () => {
    const claimed = `claimed-${randomUUID()}`;
    await store.append(claimed, [event('Claimed')], { expectedRevision: 'no_stream' });
    const before = driver.groupCommits;

    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 19 }, (_, i) =>
        store.append(`group-${randomUUID()}`, [event('Grouped', { i })], { expectedRevision: 'no_stream' }),
      ),
      store.append(claimed, [event('Stale')], { expectedRevision: 'no_stream' }),
    ]);

    expect(driver.groupCommits - before).toBe(1);
    const stale = outcomes[19];
    expect(stale.status === 'rejected' && stale.reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(stale.status === 'rejected' && stale.reason).toMatchObject({ streamId: claimed, actual: 0n });
    const positions = outcomes
      .slice(0, 19)
      .map((o) => (o as PromiseFulfilledResult<AppendResult>).value.position);
    expect(new Set(positions).size).toBe(19);
    expect(await store.readStream(claimed)).toHaveLength(1);
  });

  it('fails only the append PostgreSQL refuses when a group statement fails', async () => {
    const streams = Array.from({ length: 5 }, () => `s-${randomUUID()}`);

    const outcomes = await Promise.allSettled([
      ...streams.map((stream) => store.append(stream, [event('Fine')], { expectedRevision: 'no_stream' })),
      // jsonb holds no NUL character: this one fails the whole group's statement.
      store.append(`nul-${randomUUID()}`, [event('Nul', { text: 'a\u0000b' })], { expectedRevision: 'any' }),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual([...streams.map(() => 'fulfilled'), 'rejected']);
    for (const stream of streams) expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('writes a multi-stream append whole or not at all, and other appends of its group regardless', async () => {
    const [fresh, claimed, bystander] = [randomUUID(), randomUUID(), randomUUID()].map((id) => `s-${id}`);
    await store.append(claimed, [event('Claimed')], { expectedRevision: 'no_stream' });

    const [together, alone] = await Promise.allSettled([
      store.appendToStreams([
        { streamId: fresh, events: [event('A')], expectedRevision: 'no_stream' },
        { streamId: claimed, events: [event('B')], expectedRevision: 'no_stream' },
      ]),
      store.append(bystander, [event('C')], { expectedRevision: 'no_stream' }),
    ]);

    expect(together.status).toBe('rejected');
    expect(alone.status).toBe('fulfilled');
    expect(await store.readStream(fresh)).toEqual([]);
    expect(await store.readStream(bystander)).toHaveLength(1);
  });
});

describe('SqlEventStore.close', () => {
  it('ends the live subscriptions of the store, so none outlives it', async () => {
    const store = await SqlEventStore.open(await PgliteDriver.open());
    const ended = (async () => {
      for await (const _ of store.subscribeToAll({ eventTypes: ['Never'] })) break;
      return 'ended';
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));

    await store.close();

    await expect(ended).resolves.toBe('ended');
  });
});

/** Rows a plan read and threw away, summed over its nodes. */
function rowsFilteredOut(plan: unknown): number {
  const nodes = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Array<{ Plan: PlanNode }>;
  const walk = (node: PlanNode): number =>
    (node['Rows Removed by Filter'] ?? 0) + (node.Plans ?? []).reduce((sum, child) => sum + walk(child), 0);
  return walk(nodes[0].Plan);
}

interface PlanNode {
  readonly 'Rows Removed by Filter'?: number;
  readonly Plans?: readonly PlanNode[];
}

function event(type: string, data: unknown = {}): EventToAppend {
  return { id: randomUUID(), type, data };
}
