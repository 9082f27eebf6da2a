/**
 * The event store port. Streams are append-only; every event has a revision within its stream
 * (0-based) and a position in the global log that only ever grows in the order subscribers see it.
 * Revisions and positions are bigint because EventStoreDB's are 64-bit.
 */
export type StreamRevision = bigint;
export type GlobalPosition = bigint;

/** `no_stream`: the stream must not exist; `stream_exists`: it must; a revision: its last event must be that one. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | StreamRevision;

export type EventMetadata = Record<string, unknown>;

export interface EventToAppend<TData = unknown> {
  /** A UUID chosen by the writer; appending an id the stream already holds is a no-op, which makes retries safe. */
  readonly id: string;
  readonly type: string;
  readonly data: TData;
  readonly metadata?: EventMetadata;
}

export interface RecordedEvent<TData = unknown> {
  readonly id: string;
  readonly streamId: string;
  readonly revision: StreamRevision;
  readonly position: GlobalPosition;
  readonly type: string;
  readonly data: TData;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append: pass it as the next expected revision. */
  readonly nextExpectedRevision: StreamRevision;
  /** Global position of the last event of this append. */
  readonly position: GlobalPosition;
}

/** One stream's part of a multi-stream append. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expectedRevision: ExpectedRevision;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). */
  readonly fromRevision?: StreamRevision;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Strictly after this position; from the first event when absent. */
  readonly after?: GlobalPosition;
  readonly maxCount?: number;
  readonly eventTypes?: readonly string[];
}

export interface SubscribeToAllOptions {
  /** `start` (default): from the first event; `end`: only what is appended from now on; a position: strictly after it. */
  readonly from?: 'start' | 'end' | GlobalPosition;
  /** Deliver only events of these types; every other event is skipped by the store. */
  readonly eventTypes?: readonly string[];
  /** Ends the subscription: the iterator completes. Breaking out of `for await` does the same. */
  readonly signal?: AbortSignal;
}

export interface EventStore {
  append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several distinct streams with one call, one result per append in the order given,
   * each append checked as `append` checks it. On the SQL stores all of them are written or none
   * (the first failure is thrown). EventStoreDB has no transaction across streams: there they are
   * written one after another and a failure leaves the earlier ones written, so a caller must stay
   * correct when only a prefix lands (retrying the same appends completes it, since event ids make
   * a repeated append a no-op).
   */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** The stream's events oldest first; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** One page of the global log, oldest first; empty once past the end. For replays and tools that must stop. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up then live: every matching event once, in global order, until aborted. */
  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<RecordedEvent>;
  /** Resolves when the store answers; for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
