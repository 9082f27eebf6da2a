import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_RETRY_POLICY,
  type BatchHandler,
  type ConsumeOptions,
  type Consumption,
  type IncomingMessage,
  type MessageBus,
  type OutgoingMessage,
  type RetryPolicy,
} from '../message-bus.port';
import type { MessagingObserver } from '../messaging-observer';
import { deliverUnlessStopped, StopSignal } from '../kafka/stoppable-delivery';

export interface InProcessMessageBusOptions {
  /** Like a Kafka topic's partitions: a key always maps to the same one, so its messages keep their order. */
  readonly partitions?: number;
  /** Messages kept per topic for groups that subscribe later; the oldest go first. */
  readonly maxRetainedPerTopic?: number;
  readonly maxBatchSize?: number;
  /** For consume() calls that bring no policy of their own. */
  readonly retry?: RetryPolicy;
  readonly observer?: MessagingObserver;
  readonly now?: () => Date;
}

/** Rejects a publish() whose messages a consumer group can no longer handle: it stopped first. */
export class ConsumerGroupStoppedError extends Error {
  override readonly name = 'ConsumerGroupStoppedError';
}

const DEFAULT_PARTITIONS = 3;
const DEFAULT_MAX_RETAINED_PER_TOPIC = 10_000;
const DEFAULT_MAX_BATCH_SIZE = 500;

/**
 * The MessageBus of the embedded single-process pipeline: no broker, the same delivery semantics
 * where they matter. Topics have partitions chosen by a stable hash of the key, so one key's
 * messages keep their order; every consumer group gets every message once; a group's members share
 * the partitions; each partition's batch goes through the same deliverBatch as on Kafka (retries,
 * poison isolation, `<topic>.dlq`, which is an ordinary topic here that others may consume).
 *
 * Why publish() waits for the consumers: the relay checkpoints its position in the event store
 * after publish() resolves. Kafka makes that safe because an acknowledged message is durable; this
 * bus has no durable log, so a message only counts as safe once handled. publish() therefore
 * resolves only after every consumer group subscribed to the topic has handled or dead-lettered the
 * messages, and transitively whatever their handlers published in turn (a dead letter, a follow-up
 * message). A crash before that leaves the checkpoint behind, and the relay publishes again after
 * the restart: at least once, as on Kafka. If a group stops before handling, publish() rejects
 * with ConsumerGroupStoppedError for the same reason. A group that subscribes only after a message
 * was published does not hold that publish back, so start the consumers before the relay.
 *
 * Why this cannot deadlock: a partition worker never waits for another worker. A publish() made
 * inside a delivery (a handler's, or deliverBatch's dead letter) only appends and resolves at once;
 * what it published is recorded with the delivery, and the outer publish() that waits for this
 * delivery waits for those messages too. So a handler may publish to any topic, its own partition
 * included, or into a cycle of groups, without waiting on its own delivery.
 *
 * Retention: every topic keeps its last `maxRetainedPerTopic` messages (10,000 by default) in
 * memory, for a group that subscribes later with fromBeginning, as a Kafka topic's retention does.
 * Older ones are dropped, except that a message a subscribed group has not reached yet is never
 * dropped. A group that comes back after its position was dropped resumes at the oldest retained
 * message. Nothing survives the process.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly partitionCount: number;
  private readonly maxRetainedPerTopic: number;
  private readonly maxBatchSize: number;
  private readonly defaultRetry: RetryPolicy;
  private readonly observer: MessagingObserver | undefined;
  private readonly now: () => Date;
  private readonly topics = new Map<string, TopicLog>();
  /** A group's next offset per partition and topic; kept when the group stops, like Kafka's committed offsets. */
  private readonly groupPositions = new Map<string, number[]>();
  private readonly consumptions = new Set<InProcessConsumption>();
  /** Set while a delivery runs, so a publish() from inside it can be told apart. */
  private readonly deliveryScope = new AsyncLocalStorage<DeliveryScope>();
  private closed = false;

  constructor(options: InProcessMessageBusOptions = {}) {
    this.partitionCount = options.partitions ?? DEFAULT_PARTITIONS;
    this.maxRetainedPerTopic = options.maxRetainedPerTopic ?? DEFAULT_MAX_RETAINED_PER_TOPIC;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.defaultRetry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.observer = options.observer;
    this.now = options.now ?? (() => new Date());
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.assertOpen();
    const appended = messages.map((message) => this.append(message));
    this.observer?.onPublished?.(messages);
    for (const topic of new Set(appended.map(({ topic }) => topic))) this.wakeWorkers(topic);

    const handled = appended.map(({ handled }) => handled);
    const scope = this.deliveryScope.getStore();
    if (scope) {
      scope.published.push(...handled);
      return;
    }
    await Promise.all(handled);
  }

  async consume(options: ConsumeOptions): Promise<Consumption> {
    this.assertOpen();
    const member: GroupMember = {
      groupId: options.groupId,
      handleBatch: options.handleBatch,
      retry: options.retry ?? this.defaultRetry,
      signal: new StopSignal(),
      deliveries: new Set(),
    };
    const topics = [...new Set(options.topics)].map((name) => this.topicLog(name));
    for (const topic of topics) {
      const subscription = this.subscriptionOf(topic, options.groupId, options.fromBeginning ?? true);
      subscription.members.push(member);
    }
    const consumption: InProcessConsumption = new InProcessConsumption(async () => {
      await this.leave(member, topics);
      this.consumptions.delete(consumption);
    });
    this.consumptions.add(consumption);
    for (const topic of topics) this.wakeWorkers(topic);
    return consumption;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumptions].map((consumption) => consumption.stop()));
    this.topics.clear();
  }

  private append(outgoing: OutgoingMessage): { topic: TopicLog; handled: Promise<void> } {
    const topic = this.topicLog(outgoing.topic);
    const partition = partitionOf(outgoing.key, this.partitionCount);
    const log = topic.partitions[partition];
    const entry: LogEntry = {
      message: {
        topic: outgoing.topic,
        partition,
        offset: String(log.nextOffset),
        key: outgoing.key,
        value: outgoing.value,
        headers: { ...outgoing.headers },
        timestamp: this.now(),
      },
      handledBy: new Map(),
    };
    for (const groupId of topic.subscriptions.keys()) entry.handledBy.set(groupId, deferred());
    log.entries.push(entry);
    log.nextOffset++;
    topic.retentionOrder.push(partition);
    this.trim(topic);
    const handled = Promise.all([...entry.handledBy.values()].map(({ promise }) => promise)).then(
      () => undefined,
    );
    // Nobody may be waiting (a publish inside a delivery whose outcome nobody awaits any more).
    handled.catch(() => undefined);
    return { topic, handled };
  }

  private wakeWorkers(topic: TopicLog): void {
    // Deferred so a handler never starts inside its publisher's call stack, and so that messages
    // published in one tick are delivered together. Workers run outside any delivery scope, even
    // when woken by a publish inside a handler.
    queueMicrotask(() =>
      this.deliveryScope.exit(() => {
        for (const subscription of topic.subscriptions.values()) {
          for (let partition = 0; partition < this.partitionCount; partition++) {
            void this.drainPartition(topic, subscription, partition);
          }
        }
      }),
    );
  }

  /** One worker per group, topic and partition: batches strictly in order, one at a time. */
  private async drainPartition(
    topic: TopicLog,
    subscription: Subscription,
    partition: number,
  ): Promise<void> {
    if (subscription.draining[partition]) return;
    subscription.draining[partition] = true;
    try {
      for (;;) {
        const member = subscription.memberFor(partition);
        const log = topic.partitions[partition];
        const from = Math.max(subscription.positions[partition], log.firstOffset);
        if (!member || from >= log.nextOffset) return;
        const until = Math.min(log.nextOffset, from + this.maxBatchSize);
        const entries = log.entries.slice(from - log.firstOffset, until - log.firstOffset);
        // Tracked as a whole, so a stopping member waits until the outcome is recorded, not just handled.
        const delivery = this.deliver(topic, subscription, entries, member);
        member.deliveries.add(delivery);
        try {
          await delivery;
        } finally {
          member.deliveries.delete(delivery);
        }
      }
    } finally {
      subscription.draining[partition] = false;
    }
  }

  /**
   * Hands one partition's entries to deliverBatch and moves the group past them once handled.
   * Abandoned (stopping member) or failed deliveries leave the position where it was.
   */
  private async deliver(
    topic: TopicLog,
    subscription: Subscription,
    entries: readonly LogEntry[],
    member: GroupMember,
  ): Promise<void> {
    const batch = entries.map(({ message }) => message);
    const { partition } = batch[0];
    const scope: DeliveryScope = { published: [] };
    const startedAt = performance.now();
    let delivered: boolean;
    try {
      delivered = await this.deliveryScope.run(scope, () =>
        deliverUnlessStopped(batch, member.signal, {
          handleBatch: member.handleBatch,
          retry: member.retry,
          consumerGroup: member.groupId,
          context: { heartbeat: async () => undefined },
          publishDeadLetters: (deadLetters) => this.publish(deadLetters),
          observer: this.observer,
          now: this.now,
        }),
      );
    } catch (error) {
      // Only an unforeseen failure gets here (appending a dead letter cannot fail). Like a crashed
      // Kafka consumer, the batch is tried again after a pause instead of being skipped.
      this.observer?.onConsumerError?.(member.groupId, error);
      await member.signal.sleep(member.retry.maxDelayMs);
      return;
    }
    if (!delivered) return;
    this.observer?.onConsumed?.(batch, (performance.now() - startedAt) / 1_000, member.groupId);

    const log = topic.partitions[partition];
    subscription.positions[partition] = Number(batch[batch.length - 1].offset) + 1;
    const publishedMeanwhile = Promise.all(scope.published).then(() => undefined);
    publishedMeanwhile.catch(() => undefined); // awaited through handledBy, if anyone still waits
    for (const entry of entries) {
      // Settles once what the handler published has been handled too (see the class comment).
      entry.handledBy.get(member.groupId)?.resolve(publishedMeanwhile);
      entry.handledBy.delete(member.groupId);
    }
    this.observer?.onLag?.(
      topic.name,
      partition,
      log.nextOffset - subscription.positions[partition],
      member.groupId,
    );
    this.trim(topic);
  }

  private async leave(member: GroupMember, topics: readonly TopicLog[]): Promise<void> {
    member.signal.stop();
    for (const topic of topics) topic.subscriptions.get(member.groupId)?.remove(member);
    await Promise.allSettled([...member.deliveries]);
    for (const topic of topics) {
      const subscription = topic.subscriptions.get(member.groupId);
      if (!subscription) continue;
      if (subscription.members.length > 0) {
        this.wakeWorkers(topic); // the remaining members take over this member's partitions
        continue;
      }
      topic.subscriptions.delete(member.groupId);
      this.abandonPendingOf(topic, member.groupId);
    }
  }

  /** Nobody will handle these for the group any more: their publishers must not count them as safe. */
  private abandonPendingOf(topic: TopicLog, groupId: string): void {
    for (const log of topic.partitions) {
      for (const entry of log.entries) {
        const pending = entry.handledBy.get(groupId);
        if (!pending) continue;
        pending.reject(
          new ConsumerGroupStoppedError(`consumer group ${groupId} stopped before handling ${topic.name}`),
        );
        entry.handledBy.delete(groupId);
      }
    }
  }

  /** Drops the oldest messages beyond the bound that no subscribed group still has to handle. */
  private trim(topic: TopicLog): void {
    while (topic.retentionOrder.length > this.maxRetainedPerTopic) {
      const partition = topic.retentionOrder[0];
      const log = topic.partitions[partition];
      const stillNeeded = [...topic.subscriptions.values()].some(
        (subscription) => subscription.positions[partition] <= log.firstOffset,
      );
      if (stillNeeded) return;
      topic.retentionOrder.shift();
      log.entries.shift();
      log.firstOffset++;
    }
  }

  private topicLog(name: string): TopicLog {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = {
        name,
        partitions: Array.from({ length: this.partitionCount }, () => ({
          firstOffset: 0,
          nextOffset: 0,
          entries: [],
        })),
        retentionOrder: [],
        subscriptions: new Map(),
      };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private subscriptionOf(topic: TopicLog, groupId: string, fromBeginning: boolean): Subscription {
    const existing = topic.subscriptions.get(groupId);
    if (existing) return existing;
    const positionKey = `${groupId}\u0000${topic.name}`;
    let positions = this.groupPositions.get(positionKey);
    if (!positions) {
      positions = topic.partitions.map((log) => (fromBeginning ? log.firstOffset : log.nextOffset));
      this.groupPositions.set(positionKey, positions);
    }
    const subscription = new Subscription(groupId, positions, this.partitionCount);
    topic.subscriptions.set(groupId, subscription);
    return subscription;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-process message bus is closed');
  }
}

interface LogEntry {
  readonly message: IncomingMessage;
  /** One per group subscribed when the message was published; settles when that group handled it. */
  readonly handledBy: Map<string, Deferred>;
}

interface PartitionLog {
  /** Offset of entries[0]; offsets before it were dropped by retention. */
  firstOffset: number;
  nextOffset: number;
  readonly entries: LogEntry[];
}

interface TopicLog {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
  /** The partition of every retained message, oldest first, so retention drops the topic's oldest. */
  readonly retentionOrder: number[];
  /** Groups with at least one running member. */
  readonly subscriptions: Map<string, Subscription>;
}

interface GroupMember {
  readonly groupId: string;
  readonly handleBatch: BatchHandler;
  readonly retry: RetryPolicy;
  readonly signal: StopSignal;
  readonly deliveries: Set<Promise<unknown>>;
}

interface DeliveryScope {
  /** What the delivery's handler published; the delivered messages count as handled once these are. */
  readonly published: Promise<void>[];
}

/** One group on one topic. */
class Subscription {
  readonly members: GroupMember[] = [];
  readonly draining: boolean[];

  constructor(
    readonly groupId: string,
    /** The group's next offset per partition; shared with the bus so it outlives the subscription. */
    readonly positions: number[],
    partitionCount: number,
  ) {
    this.draining = Array.from({ length: partitionCount }, () => false);
  }

  /** Members share the partitions, as a Kafka group's members do. */
  memberFor(partition: number): GroupMember | undefined {
    return this.members.length === 0 ? undefined : this.members[partition % this.members.length];
  }

  remove(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
  }
}

class InProcessConsumption implements Consumption {
  private stopping: Promise<void> | undefined;

  constructor(private readonly leave: () => Promise<void>) {}

  /** Ends the in-flight deliveries at their next safe point; publishes waiting on them reject. */
  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(value: void | PromiseLike<void>): void;
  reject(reason: unknown): void;
}

function deferred(): Deferred {
  let resolve!: (value: void | PromiseLike<void>) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  // A rejection that no publisher awaits any more must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** FNV-1a over the key's UTF-8 bytes: stable across runs and processes, unlike any object hash. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
