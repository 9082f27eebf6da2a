import { retry, sleepUnlessAborted } from '@leadledger/eventsourcing';
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
  const { handleBatch, context, observer } = options;
  const sleep = options.sleep ?? sleepUnlessAborted;
  try {
    await retry(
      async ({ number }) => {
        // The wait before a retry may outlast the group's session: show the group this member lives.
        if (number > 1) await heartbeatBetweenTries(context);
        await handleBatch(batch, context);
      },
      {
        ...options.retry,
        shouldRetry: (error) =>
          !(error instanceof PermanentMessageError || error instanceof HeartbeatFailure),
        onRetry: (error, tried) => observer?.onRetry?.(batch, tried, error),
        sleep: (ms) => sleep(ms),
      },
    );
    return undefined;
  } catch (error) {
    // A failed heartbeat is the consumer's (e.g. it is stopping), not the batch's: no dead letter for it.
    if (error instanceof HeartbeatFailure) throw error.cause;
    return error;
  }
}

/** Tells the consumer's own failure apart from the handler's inside the retry loop. */
class HeartbeatFailure extends Error {
  override readonly name = 'HeartbeatFailure';
}

async function heartbeatBetweenTries(context: BatchContext): Promise<void> {
  try {
    await context.heartbeat();
  } catch (error) {
    throw new HeartbeatFailure('the heartbeat between tries failed', { cause: error });
  }
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

function now(): Date {
  return new Date();
}
