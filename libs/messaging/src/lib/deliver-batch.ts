import { toDeadLetter } from './dead-letter';
import {
  PermanentMessageError,
  type BatchContext,
  type BatchHandler,
  type IncomingMessage,
  type OutgoingMessage,
  type RetryPolicy,
} from './message-bus.port';

export interface DeliveryObserver {
  onDeadLettered?(message: IncomingMessage, error: unknown): void;
  onRetry?(batch: readonly IncomingMessage[], attempt: number, error: unknown): void;
}

export interface DeliverBatchOptions {
  readonly handleBatch: BatchHandler;
  readonly retry: RetryPolicy;
  readonly consumerGroup: string;
  readonly context: BatchContext;
  /** Publishes dead letters; must resolve only once they are stored, so nothing is lost on commit. */
  readonly publishDeadLetters: (messages: readonly OutgoingMessage[]) => Promise<void>;
  readonly observer?: DeliveryObserver;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * The delivery policy both bus adapters share, for one partition's batch: try the batch with
 * retries; if it still fails, hand its messages over one at a time, in order, so a poison message
 * costs only itself: what still fails goes to the dead-letter topic and the rest is handled. When
 * this resolves, every message was handled or dead-lettered and the batch may be committed.
 */
export async function deliverBatch(
  batch: readonly IncomingMessage[],
  options: DeliverBatchOptions,
): Promise<void> {
  if (batch.length === 0) return;
  const batchError = await attempt(batch, options);
  if (batchError === undefined) return;
  if (batch.length === 1) {
    await deadLetter(batch[0], batchError, options);
    return;
  }
  for (const message of batch) {
    const error = await attempt([message], options);
    if (error !== undefined) await deadLetter(message, error, options);
  }
}

/** Resolves to undefined when handled, else to the last error once the retries are spent. */
async function attempt(batch: readonly IncomingMessage[], options: DeliverBatchOptions): Promise<unknown> {
  const { retry, handleBatch, context, observer } = options;
  const sleep = options.sleep ?? defaultSleep;
  let lastError: unknown;
  for (let tried = 1; tried <= retry.attempts; tried++) {
    try {
      await handleBatch(batch, context);
      return undefined;
    } catch (error) {
      lastError = error;
      if (error instanceof PermanentMessageError) return error;
      if (tried < retry.attempts) {
        observer?.onRetry?.(batch, tried, error);
        await sleep(Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (tried - 1)));
        await context.heartbeat();
      }
    }
  }
  return lastError ?? new Error('handler failed');
}

async function deadLetter(
  message: IncomingMessage,
  error: unknown,
  options: DeliverBatchOptions,
): Promise<void> {
  await options.publishDeadLetters([
    toDeadLetter(message, error, options.consumerGroup, (options.now ?? now)()),
  ]);
  options.observer?.onDeadLettered?.(message, error);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function now(): Date {
  return new Date();
}
