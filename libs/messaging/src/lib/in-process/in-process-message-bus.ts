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
  /** How long close() lets running consumers catch up before it stops them (default 5 s). */
  readonly drainTimeoutMs?: number;
  readonly observer?: MessagingObserver;
  readonly now?: () => Date;
}

const DEFAULT_PARTITIONS = 3;
const DEFAULT_MAX_RETAINED_PER_TOPIC = 10_000;
const DEFAULT_MAX_BATCH_SIZE = 500;
const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

/**
 * The MessageBus of the embedded single-process pipeline: no broker, and only guarantees Kafka
 * gives too, so code and tests that work here work on Kafka. Topics have partitions chosen by a
 * stable hash of the key, so one key's messages keep their order; every consumer group gets every
 * message; a group's members share the partitions; each partition's batch goes through the same
 * deliverBatch as on Kafka (retries, poison isolation, `<topic>.dlq`, an ordinary topic here that
 * others may consume); a group moves past a batch only once it was handled or dead-lettered, and a
 * group that stops and comes back resumes there (at least once, like committed offsets).
 *
 * publish() resolves once the messages are appended to their topics' logs, like a Kafka ack, and
 * delivery to the groups follows asynchronously: a resolved publish says nothing about handling.
 * Wait for the outcome instead (`eventually` in tests, whenIdle() where a process must drain).
 *
 * Nothing is durable: the logs and the groups' positions live in memory and die with the process,
 * so a message no group handled before then is lost although its publish resolved. That is why the
 * embedded pipeline's lifecycle consumers do not consume the relay's topics from this bus but read
 * the event store from checkpoints of their own (consumeLifecycleFromStore): this bus carries the
 * inbound messages and the dead letters only.
 *
 * Retention: every topic keeps its last `maxRetainedPerTopic` messages (10,000 by default) in
 * memory, for a group that subscribes later with fromBeginning, as a Kafka topic's retention does.
 * Older ones are dropped, except that a message a subscribed group has not reached yet is never
 * dropped. A group that comes back after its position was dropped resumes at the oldest retained
 * message.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly partitionCount: number;
  private readonly maxRetainedPerTopic: number;
  private readonly maxBatchSize: number;
  private readonly defaultRetry: RetryPolicy;
  private readonly drainTimeoutMs: number;
  private readonly observer: MessagingObserver | undefined;
  private readonly now: () => Date;
  private readonly topics = new Map<string, TopicLog>();
  /** A group's next offset per partition and topic; kept when the group stops, like Kafka's committed offsets. */
  private readonly groupPositions = new Map<string, number[]>();
  private readonly consumptions = new Set<InProcessConsumption>();
  /** The partition workers running now, and the wake-ups about to start more: what whenIdle() waits for. */
  private readonly runningWorkers = new Set<Promise<void>>();
  private scheduledWakeUps = 0;
  private closed = false;

  constructor(options: InProcessMessageBusOptions = {}) {
    this.partitionCount = options.partitions ?? DEFAULT_PARTITIONS;
    this.maxRetainedPerTopic = options.maxRetainedPerTopic ?? DEFAULT_MAX_RETAINED_PER_TOPIC;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.defaultRetry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.observer = options.observer;
    this.now = options.now ?? (() => new Date());
  }

  /** Resolves once the messages are in their topics' logs; the consumers get them afterwards. */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.assertOpen();
    const topics = new Set(messages.map((message) => this.append(message)));
    this.observer?.onPublished?.(messages);
    for (const topic of topics) this.wakeWorkers(topic);
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

  /**
   * Resolves once every running group has handled or dead-lettered everything published so far,
   * and what their handlers published in turn. A group that keeps failing on something other than
   * its handler (deliverBatch cannot store a dead letter) never gets idle: bound the wait.
   */
  async whenIdle(): Promise<void> {
    while (this.scheduledWakeUps > 0 || this.runningWorkers.size > 0) {
      if (this.runningWorkers.size > 0) await Promise.allSettled([...this.runningWorkers]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Lets the running groups catch up (for at most `drainTimeoutMs`), since nothing survives the
   * process, then stops them (an unfinished batch at its next safe point) and drops the logs.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await withTimeout(this.whenIdle(), this.drainTimeoutMs);
    await Promise.all([...this.consumptions].map((consumption) => consumption.stop()));
    this.topics.clear();
  }

  private append(outgoing: OutgoingMessage): TopicLog {
    const topic = this.topicLog(outgoing.topic);
    const partition = partitionOf(outgoing.key, this.partitionCount);
    const log = topic.partitions[partition];
    log.entries.push({
      topic: outgoing.topic,
      partition,
      offset: String(log.nextOffset),
      key: outgoing.key,
      value: outgoing.value,
      headers: { ...outgoing.headers },
      timestamp: this.now(),
    });
    log.nextOffset++;
    topic.retentionOrder.push(partition);
    this.trim(topic);
    return topic;
  }

  private wakeWorkers(topic: TopicLog): void {
    // Deferred so a handler never starts inside its publisher's call stack, and so that messages
    // published in one tick are delivered together.
    this.scheduledWakeUps++;
    queueMicrotask(() => {
      this.scheduledWakeUps--;
      for (const subscription of topic.subscriptions.values()) {
        for (let partition = 0; partition < this.partitionCount; partition++) {
          this.startWorker(topic, subscription, partition);
        }
      }
    });
  }

  /** One worker per group, topic and partition at a time, so a partition's batches go strictly in order. */
  private startWorker(topic: TopicLog, subscription: Subscription, partition: number): void {
    if (subscription.draining[partition]) return;
    subscription.draining[partition] = true;
    const worker = this.drainPartition(topic, subscription, partition).finally(() => {
      subscription.draining[partition] = false;
      this.runningWorkers.delete(worker);
    });
    this.runningWorkers.add(worker);
  }

  private async drainPartition(
    topic: TopicLog,
    subscription: Subscription,
    partition: number,
  ): Promise<void> {
    for (;;) {
      const member = subscription.memberFor(partition);
      const log = topic.partitions[partition];
      const from = Math.max(subscription.positions[partition], log.firstOffset);
      if (!member || from >= log.nextOffset) return;
      const until = Math.min(log.nextOffset, from + this.maxBatchSize);
      const batch = log.entries.slice(from - log.firstOffset, until - log.firstOffset);
      // Tracked as a whole, so a stopping member waits until the outcome is recorded, not just handled.
      const delivery = this.deliver(topic, subscription, batch, member);
      member.deliveries.add(delivery);
      try {
        await delivery;
      } finally {
        member.deliveries.delete(delivery);
      }
    }
  }

  /**
   * Hands one partition's batch to deliverBatch and moves the group past it once handled or
   * dead-lettered. Abandoned (stopping member) or failed deliveries leave the position where it was.
   */
  private async deliver(
    topic: TopicLog,
    subscription: Subscription,
    batch: readonly IncomingMessage[],
    member: GroupMember,
  ): Promise<void> {
    const { partition } = batch[0];
    const startedAt = performance.now();
    let delivered: boolean;
    try {
      delivered = await deliverUnlessStopped(batch, member.signal, {
        handleBatch: member.handleBatch,
        retry: member.retry,
        consumerGroup: member.groupId,
        context: { heartbeat: async () => undefined },
        publishDeadLetters: (deadLetters) => this.publish(deadLetters),
        observer: this.observer,
        now: this.now,
      });
    } catch (error) {
      // Only an unforeseen failure gets here (appending a dead letter cannot fail unless the bus
      // is closed). Like a crashed Kafka consumer, the batch is tried again after a pause.
      this.observer?.onConsumerError?.(member.groupId, error);
      await member.signal.sleep(member.retry.maxDelayMs);
      return;
    }
    if (!delivered) return;
    this.observer?.onConsumed?.(batch, (performance.now() - startedAt) / 1_000, member.groupId);

    const log = topic.partitions[partition];
    subscription.positions[partition] = Number(batch[batch.length - 1].offset) + 1;
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

interface PartitionLog {
  /** Offset of entries[0]; offsets before it were dropped by retention. */
  firstOffset: number;
  nextOffset: number;
  readonly entries: IncomingMessage[];
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

  /** Ends the in-flight deliveries at their next safe point; the group gets those batches again when it comes back. */
  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }
}

/** Resolves when `work` does or after `ms`, whichever comes first; never rejects. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
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
