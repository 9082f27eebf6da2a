import { randomUUID } from 'node:crypto';
import {
  InvalidAppendError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
  type RecordedEvent,
} from '../index';

export interface EventStoreContractOptions {
  /** How long a live subscription may take to deliver what the writers appended. */
  readonly deliveryTimeoutMs?: number;
  /**
   * Whether a multi-stream append is all or nothing. The SQL stores' is; EventStoreDB has no
   * transaction across streams, so there only the earlier appends of a failed one stay written.
   */
  readonly atomicMultiStreamAppend?: boolean;
}

/**
 * The behaviour every EventStore adapter must share. Each test writes to its own streams and event
 * types, so suites may share one store and the type filter is exercised by every subscription.
 */
export function describeEventStoreContract(
  adapter: string,
  openStore: () => Promise<EventStore>,
  closeStore: (store: EventStore) => Promise<void> = (store) => store.close(),
  options: EventStoreContractOptions = {},
): void {
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 45_000;
  // Jest's own limit sits above the delivery bound, so a slow delivery fails with what arrived.
  const heavyTestTimeoutMs = deliveryTimeoutMs + 15_000;

  describe(`EventStore contract: ${adapter}`, () => {
    let store: EventStore;

    beforeAll(async () => {
      store = await openStore();
    });

    afterAll(async () => {
      if (store) await closeStore(store);
    });

    describe('append and read', () => {
      it('reads a stream back oldest first, with revisions, types, data and metadata', async () => {
        const stream = streamName();
        const events = [event('Captured', { n: 1 }, { actor: 'user:ana' }), event('Scored', { n: 2 })];

        const result = await store.append(stream, events, { expectedRevision: 'no_stream' });
        const read = await store.readStream(stream);

        expect(result.nextExpectedRevision).toBe(1n);
        expect(read.map((e) => [e.id, e.revision, e.type, e.data])).toEqual([
          [events[0].id, 0n, 'Captured', { n: 1 }],
          [events[1].id, 1n, 'Scored', { n: 2 }],
        ]);
        expect(read[0].metadata).toMatchObject({ actor: 'user:ana' });
        expect(read[0].streamId).toBe(stream);
        expect(read[0].recordedAt).toBeInstanceOf(Date);
        expect(read[1].position).toBe(result.position);
        expect(read[1].position > read[0].position).toBe(true);
      });

      it('reads a stream that does not exist as empty', async () => {
        await expect(store.readStream(streamName())).resolves.toEqual([]);
      });

      it('reads from a revision, at most a count, in numeric order past ten', async () => {
        const stream = streamName();
        await store.append(
          stream,
          times(12, (i) => event('Step', { i })),
          { expectedRevision: 'no_stream' },
        );

        const read = await store.readStream(stream, { fromRevision: 8n, maxCount: 3 });

        expect(read.map((e) => e.data)).toEqual([{ i: 8 }, { i: 9 }, { i: 10 }]);
      });

      it('refuses an empty append and an event id that is not a UUID', async () => {
        await expect(store.append(streamName(), [], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(
          store.append(streamName(), [{ id: 'not-a-uuid', type: 'X', data: {} }], {
            expectedRevision: 'any',
          }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
      });
    });

    describe('expected revision', () => {
      it('appends at the exact revision and refuses a stale one with the actual revision', async () => {
        const stream = streamName();
        await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
        await store.append(stream, [event('B')], { expectedRevision: 0n });

        const stale = store.append(stream, [event('C')], { expectedRevision: 0n });

        await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(stale).rejects.toMatchObject({ streamId: stream, expected: 0n, actual: 1n });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('honours no_stream, stream_exists and any', async () => {
        const stream = streamName();
        await expect(
          store.append(stream, [event('A')], { expectedRevision: 'stream_exists' }),
        ).rejects.toMatchObject({
          actual: 'no_stream',
        });
        await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
        await expect(
          store.append(stream, [event('B')], { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await store.append(stream, [event('B')], { expectedRevision: 'stream_exists' });
        const result = await store.append(stream, [event('C')], { expectedRevision: 'any' });

        expect(result.nextExpectedRevision).toBe(2n);
      });

      it('lets exactly one of two appends with the same expected revision win', async () => {
        const stream = streamName();
        await store.append(stream, [event('Opened')], { expectedRevision: 'no_stream' });

        const outcomes = await Promise.allSettled([
          store.append(stream, [event('ByAna')], { expectedRevision: 0n }),
          store.append(stream, [event('ByBo')], { expectedRevision: 0n }),
        ]);

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const [rejected] = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(rejected.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('lets exactly one of ten concurrent creators of a stream win', async () => {
        const stream = streamName();

        const outcomes = await Promise.allSettled(
          times(10, (i) =>
            store.append(stream, [event('Created', { by: i })], { expectedRevision: 'no_stream' }),
          ),
        );

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('idempotent append', () => {
      it('acknowledges an append repeated with the same event ids and writes nothing twice', async () => {
        const stream = streamName();
        const events = [event('A'), event('B')];

        const first = await store.append(stream, events, { expectedRevision: 'no_stream' });
        const repeated = await store.append(stream, events, { expectedRevision: 'no_stream' });
        const repeatedWithAny = await store.append(stream, events, { expectedRevision: 'any' });

        expect(repeated.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(repeatedWithAny.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual(events.map((e) => e.id));
      });

      it('writes a repeated append once even when the repeats race each other', async () => {
        const stream = streamName();
        const events = [event('A')];

        await Promise.allSettled(times(5, () => store.append(stream, events, { expectedRevision: 'any' })));

        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('multi-stream append', () => {
      it('appends to several streams with one result per append, in the order given', async () => {
        const [created, existing] = [streamName(), streamName()];
        await store.append(existing, [event('A')], { expectedRevision: 'no_stream' });

        const results = await store.appendToStreams([
          { streamId: created, events: [event('X'), event('Y')], expectedRevision: 'no_stream' },
          { streamId: existing, events: [event('B')], expectedRevision: 0n },
        ]);

        expect(results.map((r) => r.nextExpectedRevision)).toEqual([1n, 1n]);
        expect(results[0].position < results[1].position).toBe(true);
        expect((await store.readStream(created)).map((e) => e.type)).toEqual(['X', 'Y']);
        const [, second] = await store.readStream(existing);
        expect(second.position).toBe(results[1].position);
      });

      it('acknowledges a repeated multi-stream append as the first, writing nothing twice', async () => {
        const appends = [
          { streamId: streamName(), events: [event('A')], expectedRevision: 'no_stream' as const },
          { streamId: streamName(), events: [event('B')], expectedRevision: 'no_stream' as const },
        ];

        const first = await store.appendToStreams(appends);
        const repeated = await store.appendToStreams(appends);

        expect(repeated).toEqual(first);
        for (const { streamId } of appends) expect(await store.readStream(streamId)).toHaveLength(1);
      });

      it('refuses a stale expected revision with its typed error', async () => {
        const [fresh, claimed] = [streamName(), streamName()];
        await store.append(claimed, [event('Claimed')], { expectedRevision: 'no_stream' });

        const attempt = store.appendToStreams([
          { streamId: fresh, events: [event('A')], expectedRevision: 'no_stream' },
          { streamId: claimed, events: [event('B')], expectedRevision: 'no_stream' },
        ]);

        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(attempt).rejects.toMatchObject({ streamId: claimed, actual: 0n });
        expect(await store.readStream(claimed)).toHaveLength(1);
        if (options.atomicMultiStreamAppend ?? true) expect(await store.readStream(fresh)).toEqual([]);
      });

      it('refuses no streams, a stream twice and an event id twice before writing anything', async () => {
        const stream = streamName();
        const shared = event('A');

        await expect(store.appendToStreams([])).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(
          store.appendToStreams([
            { streamId: stream, events: [event('A')], expectedRevision: 'any' },
            { streamId: stream, events: [event('B')], expectedRevision: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(
          store.appendToStreams([
            { streamId: stream, events: [shared], expectedRevision: 'any' },
            { streamId: streamName(), events: [shared], expectedRevision: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('read all', () => {
      it('pages through the global log after a position, filtered by type, and comes back empty at the end', async () => {
        const type = typeName('Paged');
        const stream = streamName();
        await store.append(
          stream,
          times(5, (i) => event(type, { i })),
          { expectedRevision: 'no_stream' },
        );
        await store.append(streamName(), [event(typeName('Other'))], { expectedRevision: 'no_stream' });

        const first = await store.readAll({ eventTypes: [type], maxCount: 3 });
        const second = await store.readAll({ after: first[2].position, eventTypes: [type], maxCount: 3 });
        const end = await store.readAll({ after: second[1].position, eventTypes: [type], maxCount: 3 });

        expect([...first, ...second].map((e) => e.data)).toEqual(times(5, (i) => ({ i })));
        expect(end).toEqual([]);
      });
    });

    describe('subscribe to all', () => {
      it('delivers only the filtered types, from the start, then live', async () => {
        const wanted = typeName('Wanted');
        const other = typeName('Other');
        await store.append(streamName(), [event(wanted, { n: 1 }), event(other)], {
          expectedRevision: 'no_stream',
        });
        const controller = new AbortController();
        const received = collect(
          store.subscribeToAll({ eventTypes: [wanted], signal: controller.signal }),
          2,
          controller,
        );

        await store.append(streamName(), [event(other), event(wanted, { n: 2 })], {
          expectedRevision: 'no_stream',
        });

        expect((await received).map((e) => [e.type, e.data])).toEqual([
          [wanted, { n: 1 }],
          [wanted, { n: 2 }],
        ]);
      });

      it("from 'end' delivers only what is appended after subscribing", async () => {
        const type = typeName('Later');
        await store.append(streamName(), [event(type, { n: 'before' })], { expectedRevision: 'no_stream' });
        const controller = new AbortController();
        const subscription = store.subscribeToAll({
          from: 'end',
          eventTypes: [type],
          signal: controller.signal,
        });
        const iterator = subscription[Symbol.asyncIterator]();
        const first = iterator.next();
        await pause(200);

        await store.append(streamName(), [event(type, { n: 'after' })], { expectedRevision: 'no_stream' });

        const { value } = await withTimeout(first, deliveryTimeoutMs);
        expect((value as RecordedEvent).data).toEqual({ n: 'after' });
        controller.abort();
        await iterator.return?.();
      });

      it('ends when aborted while waiting for events', async () => {
        const controller = new AbortController();
        const done = (async () => {
          let count = 0;
          for await (const _ of store.subscribeToAll({
            eventTypes: [typeName('Never')],
            signal: controller.signal,
          })) {
            count++;
          }
          return count;
        })();
        await pause(100);

        controller.abort();

        await expect(withTimeout(done, 10_000)).resolves.toBe(0);
      });

      it(
        'delivers 2,000 events from 20 concurrent writers to a live subscriber, all, once, in order',
        async () => {
          const type = typeName('Concurrent');
          const writers = 20;
          const perWriter = 100;
          const controller = new AbortController();
          const received = collect(
            store.subscribeToAll({ eventTypes: [type], signal: controller.signal }),
            writers * perWriter,
            controller,
          );

          const appended = await Promise.all(
            times(writers, () => appendInBatches(store, streamName(), type, perWriter)),
          );

          const events = await received;
          expectAllOnceInOrder(events, appended.flat());
        },
        heavyTestTimeoutMs,
      );

      it(
        'resumes from a checkpoint, while writers go on, missing nothing and repeating nothing',
        async () => {
          const type = typeName('Checkpointed');
          const writers = 5;
          const perWriter = 100;
          const total = writers * perWriter;
          const writing = Promise.all(
            times(writers, () => appendInBatches(store, streamName(), type, perWriter)),
          );

          const firstController = new AbortController();
          const beforeRestart = await collect(
            store.subscribeToAll({ eventTypes: [type], signal: firstController.signal }),
            total / 3,
            firstController,
          );
          const checkpoint: GlobalPosition = beforeRestart[beforeRestart.length - 1].position;
          const secondController = new AbortController();
          const afterRestart = await collect(
            store.subscribeToAll({ from: checkpoint, eventTypes: [type], signal: secondController.signal }),
            total - beforeRestart.length,
            secondController,
          );

          expectAllOnceInOrder([...beforeRestart, ...afterRestart], (await writing).flat());
        },
        heavyTestTimeoutMs,
      );
    });

    function collect(
      subscription: AsyncIterable<RecordedEvent>,
      count: number,
      controller: AbortController,
    ): Promise<RecordedEvent[]> {
      return (async () => {
        const timer = setTimeout(() => controller.abort(), deliveryTimeoutMs);
        const events: RecordedEvent[] = [];
        try {
          for await (const recorded of subscription) {
            events.push(recorded);
            if (events.length >= count) break;
          }
        } finally {
          clearTimeout(timer);
          controller.abort();
        }
        return events;
      })();
    }
  });
}

/** Appends `count` events to one stream in batches of 1 to 3, each at the revision it expects. */
async function appendInBatches(
  store: EventStore,
  stream: string,
  type: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  let expected: bigint | 'no_stream' = 'no_stream';
  while (ids.length < count) {
    const size = Math.min(1 + (ids.length % 3), count - ids.length);
    const batch = times(size, (i) => event(type, { stream, seq: ids.length + i }));
    const result = await store.append(stream, batch, { expectedRevision: expected });
    expected = result.nextExpectedRevision;
    ids.push(...batch.map((e) => e.id));
  }
  return ids;
}

function expectAllOnceInOrder(events: readonly RecordedEvent[], appendedIds: readonly string[]): void {
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...appendedIds].sort());
  const backwards = events.findIndex((e, i) => i > 0 && e.position <= events[i - 1].position);
  expect(backwards).toBe(-1);
  const lastRevision = new Map<string, bigint>();
  for (const e of events) {
    expect(e.revision).toBe((lastRevision.get(e.streamId) ?? -1n) + 1n);
    lastRevision.set(e.streamId, e.revision);
  }
}

function event(type: string, data: unknown = {}, metadata?: Record<string, unknown>): EventToAppend {
  return { id: randomUUID(), type, data, ...(metadata ? { metadata } : {}) };
}

function streamName(): string {
  return `contract-${randomUUID()}`;
}

function typeName(base: string): string {
  return `${base}-${randomUUID().slice(0, 8)}`;
}

function times<T>(count: number, make: (index: number) => T): T[] {
  return Array.from({ length: count }, (_, index) => make(index));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
