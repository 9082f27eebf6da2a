import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { testKafkaBrokers } from '@leadledger/testing';
import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from '../dead-letter';
import {
  PermanentMessageError,
  type Consumption,
  type IncomingMessage,
  type OutgoingMessage,
  type RetryPolicy,
} from '../message-bus.port';
import type { MessagingObserver } from '../messaging-observer';
import { KafkaMessageBus } from './kafka-message-bus';

const FAST_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 };
const TEST_TIMEOUT_MS = 90_000;

jest.setTimeout(TEST_TIMEOUT_MS);

/** Polls until `check` holds; fails with `what` instead of hanging. */
async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('KafkaMessageBus (real broker)', () => {
  let brokers: string[];
  let admin: Admin;
  const buses: KafkaMessageBus[] = [];
  const consumptions: Consumption[] = [];
  const createdTopics = new Set<string>();

  function newBus(observer?: MessagingObserver): KafkaMessageBus {
    const bus = new KafkaMessageBus({
      clientId: 'messaging-int',
      brokers,
      retry: FAST_RETRY,
      observer,
      logLevel: logLevel.NOTHING,
    });
    buses.push(bus);
    return bus;
  }

  function uniqueTopic(name: string): string {
    const topic = `leadledger.test.${name}.${randomUUID().slice(0, 8)}`;
    createdTopics.add(topic);
    createdTopics.add(deadLetterTopicOf(topic));
    return topic;
  }

  async function consume(
    bus: KafkaMessageBus,
    ...args: Parameters<KafkaMessageBus['consume']>
  ): Promise<Consumption> {
    const consumption = await bus.consume(...args);
    consumptions.push(consumption);
    return consumption;
  }

  async function committedOffset(groupId: string, topic: string, partition: number): Promise<string> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  }

  /** The test keys all messages alike, so exactly one partition holds them. */
  async function onlyPartitionWithMessages(topic: string): Promise<number> {
    const withMessages = (await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== '0');
    expect(withMessages).toHaveLength(1);
    return withMessages[0].partition;
  }

  const outgoing = (
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

  beforeAll(async () => {
    brokers = await testKafkaBrokers();
    admin = new Kafka({ clientId: 'messaging-int-admin', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(consumptions.map((consumption) => consumption.stop()));
    await Promise.allSettled(buses.map((bus) => bus.close()));
    const existing = new Set(await admin.listTopics());
    const toDelete = [...createdTopics].filter((topic) => existing.has(topic));
    if (toDelete.length > 0) await admin.deleteTopics({ topics: toDelete }).catch(() => undefined);
    await admin.disconnect();
  });

  it('answers ping() when the broker does, and fails it quickly when none answers', async () => {
    await expect(newBus().ping()).resolves.toBeUndefined();
    const nowhere = new KafkaMessageBus({
      clientId: 'nowhere',
      brokers: ['127.0.0.1:1'],
      pingTimeoutMs: 500,
      logLevel: logLevel.NOTHING,
    });
    buses.push(nowhere);
    await expect(nowhere.ping()).rejects.toThrow();
  });

  it('creates a consumed topic with its dead-letter topic, 3 partitions each', async () => {
    const topic = uniqueTopic('created');
    await consume(newBus(), {
      groupId: `g-${randomUUID()}`,
      topics: [topic],
      handleBatch: async () => undefined,
    });

    const { topics } = await admin.fetchTopicMetadata({ topics: [topic, deadLetterTopicOf(topic)] });
    expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(
      [
        [topic, 3],
        [deadLetterTopicOf(topic), 3],
      ].sort(),
    );
  });

  it('publishes and consumes keys, values and headers, keeping each key in order on one partition', async () => {
    const topic = uniqueTopic('order');
    const published: string[] = [];
    const observer: MessagingObserver = {
      onPublished: (messages) => published.push(...messages.map((m) => m.value)),
    };
    const bus = newBus(observer);
    const received: IncomingMessage[] = [];
    await consume(bus, {
      groupId: `g-${randomUUID()}`,
      topics: [topic],
      handleBatch: async (batch) => void received.push(...batch),
    });
    const keys = ['lead-a', 'lead-b', 'lead-c', 'lead-d'];

    for (let round = 0; round < 5; round++) {
      await bus.publish(
        keys.map((key) =>
          outgoing(topic, key, `${key}:${round}`, {
            ce_type: 'leadledger.lead.captured.v1',
            ce_id: `${key}-${round}`,
          }),
        ),
      );
    }
    await eventually('all 20 messages', () => received.length >= 20);

    expect(received).toHaveLength(20);
    expect(published).toHaveLength(20);
    for (const key of keys) {
      const ofKey = received.filter((m) => m.key === key);
      expect(ofKey.map((m) => m.value)).toEqual([0, 1, 2, 3, 4].map((round) => `${key}:${round}`));
      expect(ofKey.map((m) => m.headers)).toEqual(
        [0, 1, 2, 3, 4].map((round) => ({
          ce_type: 'leadledger.lead.captured.v1',
          ce_id: `${key}-${round}`,
        })),
      );
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
    }
    expect(
      received.every((m) => m.topic === topic && /^\d+$/.test(m.offset) && m.timestamp instanceof Date),
    ).toBe(true);
  });

  it('dead-letters a malformed message with why and where, and handles the next message of its partition', async () => {
    const topic = uniqueTopic('poison');
    const groupId = `lead-capture-${randomUUID().slice(0, 8)}`;
    const bus = newBus();
    const handled: IncomingMessage[] = [];
    const deadLetters: IncomingMessage[] = [];
    await consume(bus, {
      groupId,
      topics: [topic],
      handleBatch: async (batch) => {
        for (const message of batch) {
          try {
            JSON.parse(message.value ?? '');
          } catch {
            throw new PermanentMessageError(`not JSON at offset ${message.offset}`);
          }
        }
        handled.push(...batch);
      },
    });
    await consume(bus, {
      groupId: `dlq-inspector-${randomUUID()}`,
      topics: [deadLetterTopicOf(topic)],
      handleBatch: async (batch) => void deadLetters.push(...batch),
    });

    await bus.publish(
      ['{"seq":1}', '{not json', '{"seq":2}'].map((value) =>
        outgoing(topic, 'lead-1', value, { ce_id: value }),
      ),
    );
    await eventually(
      'the dead letter and both good messages',
      () => deadLetters.length >= 1 && handled.length >= 2,
    );

    expect(handled.map((m) => m.value)).toEqual(['{"seq":1}', '{"seq":2}']);
    const partition = handled[0].partition;
    expect(handled[1].partition).toBe(partition);
    expect(Number(handled[1].offset)).toBeGreaterThan(Number(handled[0].offset) + 1);
    const poisonOffset = String(Number(handled[0].offset) + 1);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      topic: deadLetterTopicOf(topic),
      key: 'lead-1',
      value: '{not json',
      headers: {
        ce_id: '{not json',
        [DEAD_LETTER_HEADERS.error]: `not JSON at offset ${poisonOffset}`,
        [DEAD_LETTER_HEADERS.errorType]: 'PermanentMessageError',
        [DEAD_LETTER_HEADERS.originalTopic]: topic,
        [DEAD_LETTER_HEADERS.originalPartition]: String(partition),
        [DEAD_LETTER_HEADERS.originalOffset]: poisonOffset,
        [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
      },
    });
  });

  it('retries a transient failure, then commits the batch only once it was handled', async () => {
    const topic = uniqueTopic('retry');
    const groupId = `g-${randomUUID()}`;
    const retries: number[] = [];
    const deadLettered: string[] = [];
    const lags: number[] = [];
    const bus = newBus({
      onRetry: (_batch, attempt) => retries.push(attempt),
      onDeadLettered: (message) => deadLettered.push(message.value ?? ''),
      onLag: (_topic, _partition, lag) => lags.push(lag),
    });
    const calls: string[][] = [];
    await consume(bus, {
      groupId,
      topics: [topic],
      handleBatch: async (batch) => {
        calls.push(batch.map((m) => m.value ?? ''));
        if (calls.length === 1) throw new Error('store busy');
      },
    });

    await bus.publish([outgoing(topic, 'lead-1', 'first')]);
    await eventually('the second delivery', () => calls.length >= 2);
    const partition = await onlyPartitionWithMessages(topic);
    await eventually('the commit', async () => (await committedOffset(groupId, topic, partition)) === '1');

    expect(calls).toEqual([['first'], ['first']]);
    expect(retries).toEqual([1]);
    expect(deadLettered).toEqual([]);
    expect(lags).toEqual([0]);
  });

  it('delivers again, to the next member of the group, a batch whose consumer stopped before handling it', async () => {
    const topic = uniqueTopic('stop');
    const groupId = `g-${randomUUID()}`;
    const bus = newBus();
    const started = gate();
    const released = gate();
    const handledByFirst: string[] = [];
    const first = await consume(bus, {
      groupId,
      topics: [topic],
      handleBatch: async (batch, context) => {
        started.open();
        await released.opened;
        await context.heartbeat(); // the safe point where a stopping consumer gives the batch up
        handledByFirst.push(...batch.map((m) => m.value ?? ''));
      },
    });

    await bus.publish(['a', 'b', 'c'].map((value) => outgoing(topic, 'lead-1', value)));
    await started.opened;
    const partition = await onlyPartitionWithMessages(topic);
    expect(await committedOffset(groupId, topic, partition)).toBe('-1'); // nothing committed while handling

    const stopping = first.stop();
    released.open();
    await stopping;
    expect(handledByFirst).toEqual([]);
    expect(await committedOffset(groupId, topic, partition)).toBe('-1');

    const handledBySecond: string[] = [];
    await consume(bus, {
      groupId,
      topics: [topic],
      handleBatch: async (batch) => void handledBySecond.push(...batch.map((m) => m.value ?? '')),
    });
    await eventually('the redelivery', () => handledBySecond.length >= 3);
    await eventually('the commit', async () => (await committedOffset(groupId, topic, partition)) === '3');

    expect(handledBySecond).toEqual(['a', 'b', 'c']);
  });

  it('refuses a second consumer of one group with different topics, which kafkajs would leave partly unassigned', async () => {
    const bus = newBus();
    const groupId = `g-${randomUUID()}`;
    await consume(bus, { groupId, topics: [uniqueTopic('one')], handleBatch: async () => undefined });

    await expect(
      bus.consume({ groupId, topics: [uniqueTopic('two')], handleBatch: async () => undefined }),
    ).rejects.toThrow('in one consume() call');
  });
});
