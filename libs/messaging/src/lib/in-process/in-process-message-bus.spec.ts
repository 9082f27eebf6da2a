import { eventually } from '@leadledger/testing';
import { CONTRACT_RETRY, messageBusContract } from '../../testing/message-bus.contract';
import type { IncomingMessage, OutgoingMessage } from '../message-bus.port';
import type { MessagingObserver } from '../messaging-observer';
import { PermanentMessageError } from '../message-bus.port';
import { InProcessMessageBus, partitionOf } from './in-process-message-bus';

messageBusContract('InProcessMessageBus', {
  createBus: async () => new InProcessMessageBus({ drainTimeoutMs: 100 }),
  testTimeoutMs: 10_000,
  eventuallyTimeoutMs: 5_000,
});

const message = (topic: string, key: string, value: string): OutgoingMessage => ({
  topic,
  key,
  value,
  headers: {},
});

const valuesOf = (batch: readonly IncomingMessage[]): string[] => batch.map((m) => m.value ?? '');

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('InProcessMessageBus', () => {
  let bus: InProcessMessageBus;

  beforeEach(() => {
    bus = new InProcessMessageBus({ retry: CONTRACT_RETRY, drainTimeoutMs: 100 });
  });

  afterEach(async () => {
    await bus.close();
  });

  it('puts a key on the partition its FNV-1a hash names, numbering offsets per partition from 0', async () => {
    const received: IncomingMessage[] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => void received.push(...batch),
    });
    const keys = ['lead-a', 'lead-b', 'lead-c', 'lead-d', 'lead-e'];

    for (let round = 0; round < 4; round++) {
      await bus.publish(keys.map((key) => message('leads', key, `${key}:${round}`)));
    }
    await bus.whenIdle();

    expect(received).toHaveLength(20);
    for (const key of keys) {
      expect(new Set(received.filter((m) => m.key === key).map((m) => m.partition))).toEqual(
        new Set([partitionOf(key, 3)]),
      );
    }
    for (const partition of [0, 1, 2]) {
      const offsets = received.filter((m) => m.partition === partition).map((m) => m.offset);
      expect(offsets).toEqual(offsets.map((_, index) => String(index)));
    }
  });

  it('hands messages published together to the handler as one batch', async () => {
    const batches: string[][] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => void batches.push(valuesOf(batch)),
    });

    await bus.publish(['a', 'b', 'c'].map((value) => message('leads', 'lead-1', value)));
    await bus.whenIdle();

    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('lets handlers publish anywhere, their own partition included, and whenIdle() waits for that too', async () => {
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
          await bus.publish([message('leads', m.key ?? '', 'accepted')]);
        }
      },
    });

    await bus.publish([message('leads', 'lead-1', 'captured')]);
    await bus.whenIdle();

    expect(handled[0]).toBe('scoring:captured');
    expect([...handled].sort()).toEqual([
      'acceptance:scored',
      'scoring:accepted',
      'scoring:captured',
      'scoring:rescored',
    ]);
  });

  it('reports deliveries, dead letters and lag to its observer', async () => {
    const observed: string[] = [];
    const observer: MessagingObserver = {
      onPublished: (messages) => observed.push(`published:${messages.length}`),
      onDeadLettered: (m) => observed.push(`dead-lettered:${m.value}`),
      onConsumed: (batch, seconds, group) =>
        observed.push(`consumed:${group}:${batch.length}:${seconds >= 0}`),
      onLag: (_topic, _partition, lag, group) => observed.push(`lag:${group}:${lag}`),
    };
    bus = new InProcessMessageBus({ retry: CONTRACT_RETRY, observer, drainTimeoutMs: 100 });
    await bus.consume({
      groupId: 'lead-capture',
      topics: ['leads.inbound'],
      handleBatch: async (batch) => {
        if (batch.some((m) => m.value === 'poison')) throw new PermanentMessageError('not JSON');
      },
    });

    await bus.publish(['first', 'poison', 'next'].map((value) => message('leads.inbound', 'lead-1', value)));
    await bus.whenIdle();

    expect(observed).toEqual([
      'published:3',
      'published:1', // the dead letter
      'dead-lettered:poison',
      'consumed:lead-capture:3:true',
      'lag:lead-capture:0',
    ]);
  });

  it('bounds what it retains per topic, dropping the oldest', async () => {
    bus = new InProcessMessageBus({ retry: CONTRACT_RETRY, maxRetainedPerTopic: 5 });
    const values = Array.from({ length: 8 }, (_, i) => `v${i}`);
    for (const value of values) await bus.publish([message('leads', `lead-${value}`, value)]);
    const received: string[] = [];

    await bus.consume({
      groupId: 'late',
      topics: ['leads'],
      handleBatch: async (batch) => void received.push(...valuesOf(batch)),
    });
    await bus.publish([message('leads', 'lead-x', 'after')]);
    await bus.whenIdle();

    expect(received.sort()).toEqual(['after', 'v3', 'v4', 'v5', 'v6', 'v7']);
  });

  it('never drops what a subscribed group has yet to handle, whatever the bound', async () => {
    bus = new InProcessMessageBus({ retry: CONTRACT_RETRY, maxRetainedPerTopic: 2 });
    const release = gate();
    const received: string[] = [];
    await bus.consume({
      groupId: 'slow',
      topics: ['leads'],
      handleBatch: async (batch) => {
        await release.opened;
        received.push(...valuesOf(batch));
      },
    });

    for (let i = 0; i < 6; i++) await bus.publish([message('leads', 'lead-1', `v${i}`)]);
    release.open();
    await bus.whenIdle();

    expect(received).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('resumes a group where it stopped, with what was published meanwhile, like committed offsets', async () => {
    const received: string[] = [];
    const handleBatch = async (batch: readonly IncomingMessage[]) => void received.push(...valuesOf(batch));
    const first = await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch });
    await bus.publish([message('leads', 'lead-1', 'before-stop')]);
    await bus.whenIdle();
    await first.stop();

    await bus.publish([message('leads', 'lead-1', 'while-stopped')]);
    await bus.consume({ groupId: 'scoring', topics: ['leads'], handleBatch });
    await bus.publish([message('leads', 'lead-1', 'after-restart')]);
    await eventually(() => (received.length >= 3 ? true : undefined), 2_000);

    expect(received).toEqual(['before-stop', 'while-stopped', 'after-restart']);
  });

  it('lets running groups catch up on close(), for at most drainTimeoutMs', async () => {
    const handled: string[] = [];
    await bus.consume({
      groupId: 'scoring',
      topics: ['leads'],
      handleBatch: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled.push(...valuesOf(batch));
      },
    });
    await bus.publish([message('leads', 'lead-1', 'published-before-close')]);

    await bus.close();

    expect(handled).toEqual(['published-before-close']);
  });

  it('answers ping() until closed and refuses work afterwards', async () => {
    await expect(bus.ping()).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow('closed');
    await expect(bus.publish([message('leads', 'k', 'v')])).rejects.toThrow('closed');
  });
});
