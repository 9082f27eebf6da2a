import type { RetryPolicy } from '@leadledger/eventsourcing';

// Delivery retries through the repo's one retry helper, so it takes that helper's policy.
export type { RetryPolicy };

/**
 * The message bus port: publish batches, consume as a group with batch handlers, commit after
 * handling. Adapters: Kafka (kafkajs) between services, in-process inside the embedded pipeline.
 * Delivery is at least once; handlers must be idempotent (docs/architecture.md, "Delivery guarantees").
 */
export type MessageHeaders = Record<string, string>;

export interface OutgoingMessage {
  readonly topic: string;
  /** Messages with one key keep their order: the key is the stream's id. */
  readonly key: string;
  readonly value: string;
  readonly headers: MessageHeaders;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: MessageHeaders;
  readonly timestamp: Date;
}

export interface BatchContext {
  /** Keeps the consumer's group membership alive during long work; call it between slow steps. */
  heartbeat(): Promise<void>;
}

/** Handles messages of one topic partition, in order. Resolving commits them; throwing retries. */
export type BatchHandler = (batch: readonly IncomingMessage[], context: BatchContext) => Promise<void>;

/** Consumers of one partition that failed together must not retry in lockstep, hence the jitter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  jitter: 0.5,
};

export interface ConsumeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handleBatch: BatchHandler;
  /** Tries per batch (and per isolated message) before the message goes to the dead-letter topic. */
  readonly retry?: RetryPolicy;
  /** A new group starts at the oldest message (default) rather than only new ones. */
  readonly fromBeginning?: boolean;
}

export interface Consumption {
  stop(): Promise<void>;
}

export interface MessageBus {
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumption>;
  /** Resolves when the bus answers; for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a handler for a message that no retry can fix (it is malformed): dead-lettered at once. */
export class PermanentMessageError extends Error {
  override readonly name = 'PermanentMessageError';
}
