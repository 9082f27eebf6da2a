import { DEAD_LETTER_HEADERS } from '../dead-letter';
import {
  PermanentMessageError,
  type IncomingMessage,
  type OutgoingMessage,
  type RetryPolicy,
} from '../message-bus.port';
import type { MessagingObserver } from '../messaging-observer';
import { ConsumerGroupStoppedError, InProcessMessageBus, partitionOf } from './in-process-message-bus';

const FAST_RETRY: RetryPolicy = { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 };

const message = (
  topic: string,
  key: string,
  value: string,
  headers: Record<string, string> = {},
): OutgoingMessage => ({
  topic,
  key,
  value,
  headers,
});

/** Fails the test instead of hanging it when a publish never resolves (a deadlock). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('InProcessMessageBus', () => {
  let bus: InProcessMessageBus;

  beforeEach(() => {
    bus = new InProcessMessageBus({ retry: FAST_RETRY });
  });

  afterEach(async () => {
    await bus.close();
  });

  it('keeps the order of each key, puts a key always on one partition, and numbers offsets per partition', async () => {
    const received: IncomingMessage[] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        received.push(...batch);
      },
    });
    const keys = ['lead-a', 'lead-b', 'lead-c', 'lead-d', 'lead-e'];
    const publishes = Array.from({ length: 20 }, (_, round) =>
      bus.publish(keys.map((key) => message('leads', key, `${key}:${round}`))),
    );

    await Promise.all(publishes);

    expect(received).toHaveLength(100);
    for (const key of keys) {
      const ofKey = received.filter((m) => m.key === key);
      expect(ofKey.map((m) => m.value)).toEqual(Array.from({ length: 20 }, (_, round) => `${key}:${round}`));
      expect(new Set(ofKey.map((m) => m.partition))).toEqual(new Set([partitionOf(key, 3)]));
    }
    for (const partition of [0, 1, 2]) {
      const offsets = received.filter((m) => m.partition === partition).map((m) => m.offset);
      expect(offsets).toEqual(offsets.map((_, index) => String(index)));
    }
  });

  it("gives every group each message once, and shares a group's partitions among its members", async () => {
    const handledBy = { scoringOne: [] as string[], scoringTwo: [] as string[], forecasting: [] as string[] };
    const record = (into: string[]) => async (batch: readonly IncomingMessage[]) =>
      void into.push(...batch.map((m) => m.value ?? ''));
    await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch: record(handledBy.scoringOne) });
    await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch: record(handledBy.scoringTwo) });
    await bus.consume({
      groupId: 'forecasting',
      topics: ['leads'],
      handleBatch: record(handledBy.forecasting),
    });
    const values = Array.from({ length: 30 }, (_, i) => `v${i}`);

    await bus.publish(values.map((value, i) => message('leads', `lead-${i}`, value)));

    expect([...handledBy.scoringOne, ...handledBy.scoringTwo].sort()).toEqual([...values].sort());
    expect(handledBy.scoringOne.length).toBeGreaterThan(0);
    expect(handledBy.scoringTwo.length).toBeGreaterThan(0);
    expect([...handledBy.forecasting].sort()).toEqual([...values].sort());
  });

  it('resolves publish() only after every subscribed group has handled the messages', async () => {
    const handled: string[] = [];
    const slowly = (group: string) => async (batch: readonly IncomingMessage[]) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      handled.push(...batch.map((m) => `${group}:${m.value}`));
    };
    await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch: slowly('scoring') });
    await bus.consume({ groupId: 'acceptance', topics: ['leads'], handleBatch: slowly('acceptance') });

    await bus.publish([message('leads', 'lead-1', 'captured')]);

    expect(handled.sort()).toEqual(['acceptance:captured', 'scoring:captured']);
  });

  it('hands messages published together to the handler as one batch', async () => {
    const batches: string[][] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => void batches.push(batch.map((m) => m.value ?? '')),
    });

    await bus.publish(['a', 'b', 'c'].map((value) => message('leads', 'lead-1', value)));

    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('dead-letters a poison message to <topic>.dlq with why and where, and still handles the next one', async () => {
    const handled: string[] = [];
    const deadLetters: IncomingMessage[] = [];
    const observed: string[] = [];
    const observer: MessagingObserver = {
      onDeadLettered: (m) => observed.push(`dead-lettered:${m.value}`),
      onConsumed: (batch, seconds, group) =>
        observed.push(`consumed:${group}:${batch.length}:${seconds >= 0}`),
    };
    bus = new InProcessMessageBus({
      retry: FAST_RETRY,
      observer,
      now: () => new Date('2026-11-23T10:00:00Z'),
    });
    await bus.consume({
      groupId: 'lead-capture',
      topics: ['leads.inbound'],
      handleBatch: async (batch) => {
        if (batch.some((m) => m.value === 'poison'))
          throw new PermanentMessageError('email: must be an email');
        handled.push(...batch.map((m) => m.value ?? ''));
      },
    });
    await bus.consume({
      groupId: 'dlq-inspector',
      topics: ['leads.inbound.dlq'],
      handleBatch: async (batch) => void deadLetters.push(...batch),
    });

    await bus.publish(
      ['first', 'poison', 'next'].map((value) =>
        message('leads.inbound', 'lead-1', value, { ce_id: `id-${value}` }),
      ),
    );

    // publish() waited for the dead letter's consumer too: nothing is in flight any more.
    expect(handled).toEqual(['first', 'next']);
    expect(deadLetters).toHaveLength(1);
    const partition = partitionOf('lead-1', 3);
    expect(deadLetters[0]).toMatchObject({
      topic: 'leads.inbound.dlq',
      key: 'lead-1',
      value: 'poison',
      headers: {
        ce_id: 'id-poison',
        [DEAD_LETTER_HEADERS.error]: 'email: must be an email',
        [DEAD_LETTER_HEADERS.errorType]: 'PermanentMessageError',
        [DEAD_LETTER_HEADERS.originalTopic]: 'leads.inbound',
        [DEAD_LETTER_HEADERS.originalPartition]: String(partition),
        [DEAD_LETTER_HEADERS.originalOffset]: '1',
        [DEAD_LETTER_HEADERS.consumerGroup]: 'lead-capture',
        [DEAD_LETTER_HEADERS.failedAt]: '2026-11-23T10:00:00.000Z',
      },
    });
    expect(observed).toEqual(
      expect.arrayContaining([
        'dead-lettered:poison',
        'consumed:lead-capture:3:true',
        'consumed:dlq-inspector:1:true',
      ]),
    );
  });

  it('retries a failing batch and hands it over again until it succeeds', async () => {
    let failuresLeft = 1;
    const calls: string[][] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => {
        calls.push(batch.map((m) => m.value ?? ''));
        if (failuresLeft-- > 0) throw new Error('store busy');
      },
    });

    await bus.publish([message('leads', 'lead-1', 'a')]);

    expect(calls).toEqual([['a'], ['a']]);
  });

  it('does not deadlock when handlers publish: to another topic, back in a cycle, and onto their own partition', async () => {
    const handled: string[] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => {
        for (const m of batch) {
          handled.push(`scoring:${m.value}`);
          if (m.value === 'captured') {
            // Same key, so the same partition this very delivery is working on.
            await bus.publish([message('leads', m.key ?? '', 'rescored')]);
            await bus.publish([message('scores', m.key ?? '', 'scored')]);
          }
        }
      },
    });
    await bus.consume({
      groupId: 'acceptance',
      topics: ['scores'],
      handleBatch: async (batch) => {
        for (const m of batch) {
          handled.push(`acceptance:${m.value}`);
          // Back to the topic whose handler is waiting for this publish to return.
          await bus.publish([message('leads', m.key ?? '', 'accepted')]);
        }
      },
    });

    await within(2_000, bus.publish([message('leads', 'lead-1', 'captured')]));

    // The outer publish also waited for everything its handlers published in turn.
    expect(handled[0]).toBe('scoring:captured');
    expect([...handled].sort()).toEqual([
      'acceptance:scored',
      'scoring:accepted',
      'scoring:captured',
      'scoring:rescored',
    ]);
  });

  it('keeps messages published before anyone subscribed for a group that subscribes from the beginning', async () => {
    await bus.publish([message('leads', 'lead-1', 'early-1'), message('leads', 'lead-1', 'early-2')]);
    const fromBeginning: string[] = [];
    const onlyNew: string[] = [];

    await bus.consume({
      groupId: 'late',
      topics: ['leads'],
      fromBeginning: true,
      handleBatch: async (batch) => void fromBeginning.push(...batch.map((m) => m.value ?? '')),
    });
    await bus.consume({
      groupId: 'latest',
      topics: ['leads'],
      fromBeginning: false,
      handleBatch: async (batch) => void onlyNew.push(...batch.map((m) => m.value ?? '')),
    });
    await bus.publish([message('leads', 'lead-1', 'after')]);

    expect(fromBeginning).toEqual(['early-1', 'early-2', 'after']);
    expect(onlyNew).toEqual(['after']);
  });

  it('bounds what it retains per topic, dropping the oldest', async () => {
    bus = new InProcessMessageBus({ retry: FAST_RETRY, maxRetainedPerTopic: 5 });
    const values = Array.from({ length: 8 }, (_, i) => `v${i}`);
    for (const value of values) await bus.publish([message('leads', `lead-${value}`, value)]);
    const received: string[] = [];

    await bus.consume({
      groupId: 'late',
      topics: ['leads'],
      handleBatch: async (batch) => void received.push(...batch.map((m) => m.value ?? '')),
    });
    await bus.publish([message('leads', 'lead-x', 'after')]);

    expect(received.sort()).toEqual(['after', 'v3', 'v4', 'v5', 'v6', 'v7']);
  });

  it('resumes a group where it stopped, like committed offsets', async () => {
    const received: string[] = [];
    const handleBatch = async (batch: readonly IncomingMessage[]) =>
      void received.push(...batch.map((m) => m.value ?? ''));
    const first = await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch });
    await bus.publish([message('leads', 'lead-1', 'before-stop')]);
    await first.stop();

    await bus.publish([message('leads', 'lead-1', 'while-stopped')]);
    await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch });
    await bus.publish([message('leads', 'lead-1', 'after-restart')]);

    expect(received).toEqual(['before-stop', 'while-stopped', 'after-restart']);
  });

  it('rejects a publish whose group stops before handling it, so the publisher does not count it as safe', async () => {
    const started = gate();
    const released = gate();
    const handled: string[] = [];
    const consumption = await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch, context) => {
        started.open();
        await released.opened;
        await context.heartbeat(); // the safe point where a stop ends the delivery
        handled.push(...batch.map((m) => m.value ?? ''));
      },
    });

    const publishing = bus.publish([message('leads', 'lead-1', 'interrupted')]);
    await started.opened;
    const stopping = consumption.stop();
    released.open();
    await stopping;

    await expect(publishing).rejects.toBeInstanceOf(ConsumerGroupStoppedError);
    expect(handled).toEqual([]);
  });

  it('answers ping() until closed and refuses work afterwards', async () => {
    await expect(bus.ping()).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow('closed');
    await expect(bus.publish([message('leads', 'k', 'v')])).rejects.toThrow('closed');
  });
});
