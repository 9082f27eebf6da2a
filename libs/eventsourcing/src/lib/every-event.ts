import type { EventStore, GlobalPosition, RecordedEvent } from './event-store.port';

/**
 * Every stored event of these types, oldest first, paging through the log until it ends: for
 * replays and scans that read what is there now, not a subscription that waits for more.
 */
export async function* everyEventOf(
  store: EventStore,
  eventTypes: readonly string[],
  pageSize = 500,
): AsyncGenerator<RecordedEvent> {
  let after: GlobalPosition | undefined;
  for (;;) {
    const page = await store.readAll({
      eventTypes,
      maxCount: pageSize,
      ...(after === undefined ? {} : { after }),
    });
    if (page.length === 0) return;
    yield* page;
    after = page[page.length - 1].position;
  }
}
