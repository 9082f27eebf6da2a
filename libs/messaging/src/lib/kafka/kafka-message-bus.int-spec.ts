import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { eventually, testKafkaBrokers } from '@leadledger/testing';
import { messageBusContract } from '../../testing/message-bus.contract';
import { deadLetterTopicOf } from '../dead-letter';
import type { Consumption, OutgoingMessage, RetryPolicy } from '../message-bus.port';
import type { MessagingObserver } from '../messaging-observer';
import { KafkaMessageBus } from './kafka-message-bus';

const FAST_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 };
const TEST_TIMEOUT_MS = 90_000;

jest.setTimeout(TEST_TIMEOUT_MS);

/** Topics the specs of this file created (dead-letter topics included), deleted once they are done. */
const createdTopics = new Set<string>();

function uniqueTopic(name: string): string {
  const topic = `leadledger.test.${name}.${randomUUID().slice(0, 8)}`;
  createdTopics.add(topic);
  createdTopics.add(deadLetterTopicOf(topic));
  return topic;
}

afterAll(async () => {
  const admin = new Kafka({
    clientId: 'messaging-int-cleanup',
    brokers: await testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const toDelete = [...createdTopics].filter((topic) => existing.has(topic));
    if (toDelete.length > 0) await admin.deleteTopics({ topics: toDelete }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
});

messageBusContract('KafkaMessageBus (real broker)', {
  createBus: async () =>
    new KafkaMessageBus({
      clientId: 'messaging-contract',
      brokers: await testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    }),
  newTopic: uniqueTopic,
  testTimeoutMs: TEST_TIMEOUT_MS,
  eventuallyTimeoutMs: 45_000,
});

describe('KafkaMessageBus (real broker)', () => {
  let brokers: string[];
  let admin: Admin;
  const buses: KafkaMessageBus[] = [];
  const consumptions: Consumption[] = [];

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

  it('retries a transient failure, then commits the batch only once it was handled, reporting each step', async () => {
    const topic = uniqueTopic('retry');
    const groupId = `g-${randomUUID()}`;
    const retries: number[] = [];
    const deadLettered: string[] = [];
    const lags: number[] = [];
    const published: string[] = [];
    const bus = newBus({
      onPublished: (messages) => published.push(...messages.map((m) => m.value)),
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
    await eventually(() => (calls.length >= 2 ? true : undefined), 45_000);
    const partition = await onlyPartitionWithMessages(topic);
    await eventually(
      async () => ((await committedOffset(groupId, topic, partition)) === '1' ? true : undefined),
      45_000,
    );

    expect(calls).toEqual([['first'], ['first']]);
    expect(published).toEqual(['first']);
    expect(retries).toEqual([1]);
    expect(deadLettered).toEqual([]);
    expect(lags).toEqual([0]);
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
