import {
  subscriptionInBatches,
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
 * aborts; a failing `handle` ends the subscription (at once, see subscriptionInBatches) and is thrown.
 */
export async function forEachStoredBatch(
  store: EventStore,
  options: StoredBatchesOptions,
  handle: (batch: readonly RecordedEvent[]) => Promise<void>,
): Promise<void> {
  for await (const batch of subscriptionInBatches(store, {
    from: options.from,
    eventTypes: options.eventTypes,
    batchSize: options.batchSize,
    maxBatchWaitMs: options.maxBatchWaitMs,
    signal: options.signal,
  })) {
    await handle(batch);
  }
}
