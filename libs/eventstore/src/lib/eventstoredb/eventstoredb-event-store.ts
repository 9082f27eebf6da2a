import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { assertAppendable, assertAppendableTogether } from '../append-guards';
import {
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeToAllOptions,
  backoffDelay,
  sleepUnlessAborted,
  type RetryPolicy,
} from '@leadledger/eventsourcing';
import { EventStoreDbCheckpointStore } from './eventstoredb-checkpoint-store';

/** Resubscribing after a drop backs off like every other retry in the repo (the core's backoffDelay). */
const RESUBSCRIBE_BACKOFF: RetryPolicy = {
  attempts: Infinity,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  jitter: 0.5,
};
const RAW_PAGE_SIZE = 1_000;

/**
 * EventStoreDB's log position is a (commit, prepare) pair. Packed as commit·2^64 + prepare it is one
 * bigint that sorts exactly as the pair does, so the port keeps a single comparable position.
 */
export function packPosition(position: Position): GlobalPosition {
  return (position.commit << 64n) | position.prepare;
}

export function unpackPosition(position: GlobalPosition): Position {
  return { commit: position >> 64n, prepare: position & 0xffff_ffff_ffff_ffffn };
}

/** The production event store. A dropped subscription is resumed after the last event it delivered. */
export class EventStoreDbEventStore implements EventStore {
  readonly checkpoints: EventStoreDbCheckpointStore;

  constructor(
    private readonly client: EventStoreDBClient,
    /** Told of every drop before the subscription resumes, so an operator sees a flapping server. */
    private readonly onSubscriptionDropped: (error: unknown) => void = () => undefined,
  ) {
    this.checkpoints = new EventStoreDbCheckpointStore(client);
  }

  static fromConnectionString(
    connectionString: string,
    onSubscriptionDropped?: (error: unknown) => void,
  ): EventStoreDbEventStore {
    return new EventStoreDbEventStore(
      EventStoreDBClient.connectionString(connectionString),
      onSubscriptionDropped,
    );
  }

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    assertAppendable(streamId, events);
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) =>
          jsonEvent({
            id: event.id,
            type: event.type,
            data: (event.data ?? null) as never,
            metadata: (event.metadata ?? {}) as never,
          }),
        ),
        { expectedRevision: options.expectedRevision },
      );
      if (!result.position)
        throw new Error(`stream ${streamId}: EventStoreDB returned no position for an append`);
      return { nextExpectedRevision: result.nextExpectedRevision, position: packPosition(result.position) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(streamId, options.expectedRevision, error.actualVersion);
      }
      throw error;
    }
  }

  /**
   * EventStoreDB has no transaction across streams: one append after another, in the order given,
   * and a failure leaves the earlier ones written (the port's contract says so).
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    assertAppendableTogether(appends);
    const results: AppendResult[] = [];
    for (const { streamId, events, expectedRevision } of appends) {
      results.push(await this.append(streamId, events, { expectedRevision }));
    }
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: FORWARDS,
        fromRevision: options.fromRevision ?? START,
        ...(options.maxCount === undefined ? {} : { maxCount: BigInt(options.maxCount) }),
      });
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 500;
    const wanted = options.eventTypes ? new Set(options.eventTypes) : undefined;
    const events: RecordedEvent[] = [];
    let after = options.after;
    // $all reads take no type filter, so the page is filtered here; pages of only unwanted events are
    // read past, so that an empty answer still means the end of the log.
    while (events.length < maxCount) {
      let read = 0;
      for await (const resolved of this.client.readAll({
        direction: FORWARDS,
        fromPosition: after === undefined ? START : unpackPosition(after),
        maxCount: BigInt(RAW_PAGE_SIZE),
      })) {
        read++;
        const event = toRecordedEvent(resolved);
        if (!event || (after !== undefined && event.position <= after)) continue;
        after = event.position;
        if (!event.type.startsWith('$') && (!wanted || wanted.has(event.type))) events.push(event);
        if (events.length === maxCount) break;
      }
      if (read < RAW_PAGE_SIZE) break;
    }
    return events;
  }

  async *subscribeToAll(options: SubscribeToAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const { signal, eventTypes } = options;
    const filter = filterOf(eventTypes);
    let from = options.from ?? 'start';
    let failures = 0;
    while (!signal?.aborted) {
      const subscription = this.client.subscribeToAll({
        fromPosition: from === 'start' ? START : from === 'end' ? END : unpackPosition(from),
        filter,
      });
      const unsubscribe = () => void subscription.unsubscribe().catch(() => undefined);
      signal?.addEventListener('abort', unsubscribe);
      try {
        for await (const resolved of subscription) {
          const event = toRecordedEvent(resolved);
          if (!event) continue;
          failures = 0;
          from = event.position;
          yield event;
        }
        if (signal?.aborted) return;
      } catch (error) {
        if (signal?.aborted) return;
        // A dropped connection or a server restart: resume after the last delivered event.
        this.onSubscriptionDropped(error);
        await sleepUnlessAborted(backoffDelay(++failures, RESUBSCRIBE_BACKOFF), signal);
      } finally {
        signal?.removeEventListener('abort', unsubscribe);
        unsubscribe();
      }
    }
  }

  async ping(): Promise<void> {
    for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }))
      break;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || !event.isJson) return undefined;
  const position = 'position' in event && event.position ? packPosition(event.position as Position) : -1n;
  return {
    id: event.id,
    streamId: event.streamId,
    revision: event.revision,
    position,
    type: event.type,
    data: event.data,
    metadata: (event.metadata ?? {}) as EventMetadata,
    recordedAt: event.created,
  };
}

function filterOf(eventTypes: readonly string[] | undefined) {
  return eventTypes
    ? eventTypeFilter({ regex: `^(${eventTypes.map(escapeRegex).join('|')})$` })
    : excludeSystemEvents();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
