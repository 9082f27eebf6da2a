import type { EventStore, GlobalPosition, RecordedEvent } from './event-store.port';

const TIMED_OUT = Symbol('timed out');

/**
 * Groups what an async iterable yields into batches of at most `maxSize`: a batch is cut when full,
 * or `maxWaitMs` after its first item when no more arrive. While catching up, batches fill at once;
 * live, an item waits at most `maxWaitMs` for company.
 */
export async function* inBatches<T>(
  source: AsyncIterable<T>,
  maxSize: number,
  maxWaitMs: number,
): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  // A next() that lost the race against the timer still owns the next item: keep it for the next batch.
  let pending: Promise<IteratorResult<T>> | undefined;
  try {
    while (true) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      const deadline = Date.now() + maxWaitMs;
      while (batch.length < maxSize) {
        pending = iterator.next();
        const next = await raceDeadline(pending, deadline);
        if (next === TIMED_OUT) break;
        pending = undefined;
        if (next.done) {
          yield batch;
          return;
        }
        batch.push(next.value);
      }
      yield batch;
    }
  } finally {
    await iterator.return?.();
  }
}

async function raceDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.race([promise, Promise.resolve(TIMED_OUT)]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), remaining);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SubscriptionInBatchesOptions {
  readonly from: 'start' | 'end' | GlobalPosition;
  readonly eventTypes?: readonly string[];
  readonly batchSize: number;
  readonly maxBatchWaitMs: number;
  readonly signal: AbortSignal;
}

/**
 * The store's events from `from`, in batches, for readers that checkpoint per batch (the relay,
 * consumers, projections). Leaving the loop early (a failed batch, a break) aborts the subscription
 * first: a live subscription waits for the next append, and an async iterator's return() waits for
 * that wait, so without the abort a reader that failed would resume only once something new was
 * appended.
 */
export async function* subscriptionInBatches(
  store: Pick<EventStore, 'subscribeToAll'>,
  options: SubscriptionInBatchesOptions,
): AsyncGenerator<RecordedEvent[]> {
  const leaving = new AbortController();
  const events = store.subscribeToAll({
    from: options.from,
    ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}),
    signal: AbortSignal.any([options.signal, leaving.signal]),
  });
  const batches = inBatches(events, options.batchSize, options.maxBatchWaitMs);
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    leaving.abort();
    await batches.return(undefined);
  }
}
