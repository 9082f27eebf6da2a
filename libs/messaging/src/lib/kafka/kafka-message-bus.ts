import { performance } from 'node:perf_hooks';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { deadLetterTopicOf } from '../dead-letter';
import {
  DEFAULT_RETRY_POLICY,
  type ConsumeOptions,
  type Consumption,
  type IncomingMessage,
  type MessageBus,
  type MessageHeaders,
  type OutgoingMessage,
  type RetryPolicy,
} from '../message-bus.port';
import type { MessagingObserver } from '../messaging-observer';
import { deliverUnlessStopped, StopSignal } from './stoppable-delivery';

export interface KafkaMessageBusOptions {
  readonly clientId: string;
  /** `host:port`; prefer 127.0.0.1 over localhost, which Node may resolve to ::1. */
  readonly brokers: readonly string[];
  /** For consume() calls that bring no policy of their own. */
  readonly retry?: RetryPolicy;
  readonly observer?: MessagingObserver;
  /** kafkajs' own logging; WARN by default because INFO logs every group join. */
  readonly logLevel?: KafkaLogLevel;
  /** Partitions of the topics this bus creates; parallelism per consumer group is bounded by it. */
  readonly topicPartitions?: number;
  /** Partitions one consumer handles at once; each partition still goes strictly in order. */
  readonly partitionsConsumedConcurrently?: number;
  readonly pingTimeoutMs?: number;
  /**
   * How long the broker may hold an empty fetch. stop() waits for the fetch in flight, so this
   * bounds how long a shutdown takes: kafkajs' 5 s default by far dominates it; 500 ms is the
   * Java client's default (fetch.max.wait.ms) and costs two idle fetches a second.
   */
  readonly maxFetchWaitMs?: number;
}

const DEFAULT_TOPIC_PARTITIONS = 3;
const DEFAULT_PING_TIMEOUT_MS = 3_000;
const DEFAULT_MAX_FETCH_WAIT_MS = 500;

/**
 * The MessageBus between services, on kafkajs. Publishing uses one idempotent producer (acks from
 * all in-sync replicas, one request in flight, Java-compatible murmur2 partitioning so a key lands
 * on the same partition whichever client wrote it). Each consume() is its own kafkajs consumer
 * that hands whole partition batches to deliverBatch and commits a batch's offsets only once
 * deliverBatch resolved, i.e. once every message was handled or dead-lettered.
 */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly pingKafka: Kafka;
  private readonly defaultRetry: RetryPolicy;
  private readonly observer: MessagingObserver | undefined;
  private readonly topicPartitions: number;
  private readonly partitionsConsumedConcurrently: number;
  private readonly pingTimeoutMs: number;
  private readonly maxFetchWaitMs: number;
  private producerConnection: Connection<Producer> | undefined;
  private adminConnection: Connection<Admin> | undefined;
  private pingAdminConnection: Connection<Admin> | undefined;
  /** Topics known to exist, so only a topic's first publish or consume asks the cluster. */
  private readonly existingTopics = new Set<string>();
  private readonly consumptions = new Set<KafkaConsumption>();
  private closed = false;

  constructor(options: KafkaMessageBusOptions) {
    const logLevel = options.logLevel ?? KafkaLogLevel.WARN;
    this.kafka = new Kafka({ clientId: options.clientId, brokers: [...options.brokers], logLevel });
    this.defaultRetry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.observer = options.observer;
    this.topicPartitions = options.topicPartitions ?? DEFAULT_TOPIC_PARTITIONS;
    this.partitionsConsumedConcurrently = options.partitionsConsumedConcurrently ?? this.topicPartitions;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    // kafkajs retries a failed connect for seconds and cannot be told to stop: a readiness probe
    // gets a client that tries once, within its timeout, and leaves nothing running behind it.
    this.pingKafka = new Kafka({
      clientId: `${options.clientId}-ping`,
      brokers: [...options.brokers],
      logLevel,
      retry: { retries: 0 },
      connectionTimeout: this.pingTimeoutMs,
      requestTimeout: this.pingTimeoutMs,
    });
    this.maxFetchWaitMs = options.maxFetchWaitMs ?? DEFAULT_MAX_FETCH_WAIT_MS;
  }

  /** Resolves once the broker acknowledged every message; all topics go in one request. */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.assertOpen();
    const byTopic = groupByTopic(messages);
    // A topic auto-created by a broker gets the broker's default partition count (often 1).
    await this.ensureTopics([...byTopic.keys()]);
    const producer = await this.connectedProducer();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, topicMessages]) => ({
        topic,
        messages: topicMessages.map(({ key, value, headers }) => ({ key, value, headers: { ...headers } })),
      })),
    });
    this.observer?.onPublished?.(messages);
  }

  /**
   * One kafkajs consumer per call. Use one consume() per consumer group listing all its topics:
   * kafkajs' assigners hand partitions of every topic any member subscribed to across all members,
   * and a member drops the partitions of topics it did not subscribe to, so two consumers of one
   * group with different topics would leave partitions unconsumed.
   */
  async consume(options: ConsumeOptions): Promise<Consumption> {
    this.assertOpen();
    const topics = [...new Set(options.topics)];
    this.assertSameTopicsAsOtherMembers(options.groupId, topics);
    // Created up front with their dead-letter topics, so the first message never meets a missing topic.
    await this.ensureTopics([...topics, ...topics.map(deadLetterTopicOf)]);

    const consumer = this.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: this.maxFetchWaitMs });
    const signal = new StopSignal();
    const consumption = new KafkaConsumption(options.groupId, topics, consumer, signal, () =>
      this.consumptions.delete(consumption),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.observer?.onConsumerError?.(options.groupId, payload.error),
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
      this.consumptions.add(consumption);
      await consumer.run({
        // Offsets are committed by hand, per batch, after delivery: never ahead of the handling.
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.handleKafkaBatch(payload, options, signal),
      });
      return consumption;
    } catch (error) {
      await consumption.stop().catch(() => undefined);
      throw error;
    }
  }

  async ping(): Promise<void> {
    await withTimeout(
      (async () => {
        this.pingAdminConnection ??= connectOrForget(
          this.pingKafka.admin(),
          () => (this.pingAdminConnection = undefined),
        );
        const admin = await this.pingAdminConnection.connected;
        await admin.describeCluster();
      })(),
      this.pingTimeoutMs,
      `Kafka did not answer within ${this.pingTimeoutMs} ms`,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.consumptions].map((consumption) => consumption.stop()));
    // The clients, not their connections: waiting for a connect still retrying would hold close() up.
    await Promise.allSettled(
      [this.producerConnection, this.adminConnection, this.pingAdminConnection].map((connection) =>
        connection?.client.disconnect(),
      ),
    );
  }

  private async handleKafkaBatch(
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
    options: ConsumeOptions,
    signal: StopSignal,
  ): Promise<void> {
    // A stale batch belongs to a partition that was moved (seek) or is being given up; handling it
    // would repeat work its next owner does.
    if (batch.isEmpty() || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const messages = batch.messages.map((message) => toIncomingMessage(topic, partition, message));
    const startedAt = performance.now();
    const delivered = await deliverUnlessStopped(messages, signal, {
      handleBatch: options.handleBatch,
      retry: options.retry ?? this.defaultRetry,
      consumerGroup: options.groupId,
      context: { heartbeat },
      publishDeadLetters: (deadLetters) => this.publish(deadLetters),
      observer: this.observer,
    });
    // Left unresolved, the partition is fetched again from its committed offset by whoever owns it next.
    if (!delivered || isStale()) return;
    this.observer?.onConsumed?.(messages, (performance.now() - startedAt) / 1_000, options.groupId);

    const lastOffset = batch.lastOffset();
    resolveOffset(lastOffset);
    await commitOffsetsIfNecessary({
      topics: [{ topic, partitions: [{ partition, offset: nextOffset(lastOffset) }] }],
    });
    this.observer?.onLag?.(topic, partition, Number(batch.offsetLag()), options.groupId);
  }

  private async ensureTopics(topics: readonly string[]): Promise<void> {
    const unknown = [...new Set(topics)].filter((topic) => !this.existingTopics.has(topic));
    if (unknown.length === 0) return;
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = unknown.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          topics: missing.map((topic) => ({ topic, numPartitions: this.topicPartitions })),
          waitForLeaders: true,
        });
      } catch (error) {
        // Another service created it in the meantime: that is the outcome we wanted.
        if (!isTopicAlreadyExists(error)) throw error;
      }
    }
    for (const topic of unknown) this.existingTopics.add(topic);
  }

  private connectedProducer(): Promise<Producer> {
    this.producerConnection ??= connectOrForget(
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
      () => (this.producerConnection = undefined),
    );
    return this.producerConnection.connected;
  }

  private connectedAdmin(): Promise<Admin> {
    this.adminConnection ??= connectOrForget(this.kafka.admin(), () => (this.adminConnection = undefined));
    return this.adminConnection.connected;
  }

  private assertSameTopicsAsOtherMembers(groupId: string, topics: readonly string[]): void {
    const subscription = [...topics].sort().join(',');
    for (const other of this.consumptions) {
      if (other.groupId === groupId && [...other.topics].sort().join(',') !== subscription) {
        throw new Error(
          `consumer group ${groupId} already consumes [${other.topics.join(', ')}] here; ` +
            `consume all of its topics in one consume() call`,
        );
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the Kafka message bus is closed');
  }
}

class KafkaConsumption implements Consumption {
  private stopping: Promise<void> | undefined;

  constructor(
    readonly groupId: string,
    readonly topics: readonly string[],
    private readonly consumer: Consumer,
    private readonly signal: StopSignal,
    private readonly onStopped: () => void,
  ) {}

  /**
   * Ends the in-flight batches at their next safe point (uncommitted, so they are delivered again),
   * leaves the group so its partitions move on at once, and disconnects.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.signal.stop();
      try {
        await this.consumer.disconnect();
      } finally {
        this.onStopped();
      }
    })();
    return this.stopping;
  }
}

function toIncomingMessage(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    value: message.value?.toString('utf8') ?? null,
    headers: decodeHeaders(message.headers),
    timestamp: new Date(Number(message.timestamp)),
  };
}

/** A header repeated in a record counts with its last value, as Java's Headers.lastHeader reads it. */
function decodeHeaders(headers: IHeaders | undefined): MessageHeaders {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined && last !== null) decoded[name] = last.toString();
  }
  return decoded;
}

function groupByTopic(messages: readonly OutgoingMessage[]): Map<string, OutgoingMessage[]> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const message of messages) {
    const topicMessages = byTopic.get(message.topic) ?? [];
    topicMessages.push(message);
    byTopic.set(message.topic, topicMessages);
  }
  return byTopic;
}

/** Kafka commits the offset of the next message to read, not of the last one read. */
function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

interface Connection<Client> {
  readonly client: Client;
  readonly connected: Promise<Client>;
}

/** A failed connection is forgotten so the next call tries again instead of failing forever. */
function connectOrForget<Client extends { connect(): Promise<void> }>(
  client: Client,
  forget: () => void,
): Connection<Client> {
  const connected = client.connect().then(
    () => client,
    (error: unknown) => {
      forget();
      throw error;
    },
  );
  return { client, connected };
}

function isTopicAlreadyExists(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const failure = error as { type?: unknown; errors?: unknown; cause?: unknown };
  if (failure.type === 'TOPIC_ALREADY_EXISTS') return true;
  if (Array.isArray(failure.errors) && failure.errors.length > 0)
    return failure.errors.every(isTopicAlreadyExists);
  return failure.cause !== undefined && isTopicAlreadyExists(failure.cause);
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
