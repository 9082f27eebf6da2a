import {
  inBatches,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@leadledger/eventsourcing';

export interface StoredBatchesOptions {
  readonly from: 'start' | GlobalPosition;
  readonly eventTypes: readonly string[];
  readonly batchSize: number;
  readonly maxBatchWaitMs: number;
  readonly signal: AbortSignal;
}

/**
 * Subscribes to the store from `from` and hands `handle` one batch at a time, until `signal`
 * aborts; a failing `handle` ends the subscription and is thrown.
 *
 * Why the subscription is aborted on failure rather than left to `for await`: leaving the loop
 * returns the iterator, and inBatches' return waits for the subscription's next() still in flight
 * for the following batch, which, live, settles only when another event is appended. Without the
 * abort, a reader whose checkpoint could not be saved would resume only after the next append.
 */
export async function forEachStoredBatch(
  store: EventStore,
  options: StoredBatchesOptions,
  handle: (batch: readonly RecordedEvent[]) => Promise<void>,
): Promise<void> {
  const failed = new AbortController();
  const events = store.subscribeToAll({
    from: options.from,
    eventTypes: options.eventTypes,
    signal: AbortSignal.any([options.signal, failed.signal]),
  });
  for await (const batch of inBatches(events, options.batchSize, options.maxBatchWaitMs)) {
    try {
      await handle(batch);
    } catch (error) {
      failed.abort();
      throw error;
    }
  }
}
