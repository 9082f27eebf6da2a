import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeToAllOptions,
} from '@leadledger/eventstore';

/** Counts what is appended, by event type, for `leadledger_events_appended_total`; otherwise the store itself. */
export class CountingEventStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly onAppended: (eventType: string, count: number) => void,
  ) {}

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const result = await this.store.append(streamId, events, options);
    this.count(events);
    return result;
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const results = await this.store.appendToStreams(appends);
    this.count(appends.flatMap((append) => append.events));
    return results;
  }

  private count(events: readonly EventToAppend[]): void {
    const counts = new Map<string, number>();
    for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    counts.forEach((count, type) => this.onAppended(type, count));
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }

  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<RecordedEvent> {
    return this.store.subscribeToAll(options);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
