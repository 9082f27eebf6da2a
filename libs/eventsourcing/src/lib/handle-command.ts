import {
  InvalidEventDataError,
  type Actor,
  type DomainEvent,
  type EventMetadata,
} from '@leadledger/contracts';
import type { Decider, EventMeta } from './decider';
import { catalogCodec, type EventCodec } from './event-codec';
import { deriveEventId } from './derive-id';
import { DomainError } from './domain-error';
import { WrongExpectedRevisionError } from './event-store.errors';
import type {
  EventStore,
  EventToAppend,
  GlobalPosition,
  RecordedEvent,
  StreamAppend,
  StreamRevision,
} from './event-store.port';
import { retry, type RetryPolicy } from './retry';

/** Who and what caused a command: stamped on every event it produces. */
export interface CommandContext {
  /** The request, message or event being handled; a command already recorded under it is not run again. */
  readonly causationId: string;
  readonly correlationId: string;
  readonly actor: Actor;
  /** Business time of the occurrence (RFC 3339). */
  readonly occurredAt: string;
  /** Who the caller says it acts for, unverified: recorded beside `actor`, never as it. */
  readonly claimedActor?: string;
}

export interface HandlerIdentity {
  /** Names the handler in derived event ids: two handlers of one input write different events. */
  readonly handler: string;
  /** URI-reference of the service: the events' CloudEvents `source`. */
  readonly source: string;
}

export interface Decided<State, Event> {
  readonly state: State;
  /** The events recorded for this command: appended now, or, when it was handled before, back then. */
  readonly events: readonly Event[];
  /** The stream already recorded events of this causation: a redelivery, nothing was decided. */
  readonly alreadyHandled: boolean;
  /** The stream's last revision after the command (undefined: the stream still does not exist): an ETag. */
  readonly revision: StreamRevision | undefined;
  /** Global position of the command's last event, when it appended any: what a reader waits for. */
  readonly position?: GlobalPosition;
}

export interface AggregatedStream<State> {
  readonly state: State;
  /** The stream's last revision; undefined when the stream does not exist. */
  readonly revision: StreamRevision | undefined;
  /** Global position of the stream's last event. */
  readonly position?: GlobalPosition;
}

/**
 * Five services write to one lead's stream, so a command that loses the race for a revision is
 * decided again on the fresh state. The waits grow and are fully jittered so the losers of one
 * race do not meet again in the next; twenty writers on one stream all get through.
 */
export const DEFAULT_COMMAND_RETRY: RetryPolicy = {
  attempts: 12,
  initialDelayMs: 5,
  maxDelayMs: 500,
  jitter: 1,
};

/**
 * A state already folded from the stream up to `revision`: reading resumes after it. Streams are
 * append-only, so it stays true; but the causation check sees only the events read after it, so the
 * caller answers for commands whose causation may lie before it.
 */
export interface StreamSnapshot<State> {
  readonly state: State;
  readonly revision: StreamRevision;
}

export interface HandleCommandOptions<Event = DomainEvent, State = unknown> {
  readonly retry?: RetryPolicy;
  /** Fold from here rather than from the stream's start: for long streams whose state is small. */
  readonly snapshot?: StreamSnapshot<State>;
  /**
   * The revision the caller decided on (HTTP If-Match): a stream that moved on since refuses the
   * command as `stale` instead of deciding it again on what the caller has not seen.
   */
  readonly expectedRevision?: StreamRevision;
  /** How the stream's events are stored; the lifecycle catalog's when absent. */
  readonly codec?: EventCodec<Event>;
  /**
   * Decide on the stream as it is and return what would be appended, appending nothing: a preview
   * that takes the very path a real run takes (a causation already recorded included).
   */
  readonly dryRun?: boolean;
  /** Reports a stored event that breaks its contract; it is skipped either way. */
  readonly onUnreadable?: UnreadableEventHandler;
  /**
   * Appends to other streams that must land with this command's events or not at all (lead
   * capture's identity claims): one multi-stream append. Written even when the command decides
   * nothing or was handled before, so a claim missed by an earlier crash is made good. A failure on
   * one of these streams is the caller's to handle (it is not retried here: deciding this stream
   * again cannot change another stream's revision).
   */
  readonly alongside?: readonly StreamAppend[];
  /** For tests that need no waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * What to do with a stored event that breaks its contract (a bug of an earlier version, a write by
 * hand): skipped, so one bad event cannot make its stream unprocessable for good, and reported, so
 * the skip is logged and counted rather than silent.
 */
export type UnreadableEventHandler = (event: RecordedEvent, error: InvalidEventDataError) => void;

export interface AggregateOptions<Event = DomainEvent, State = unknown> {
  /** How the stream's events are stored; the lifecycle catalog's when absent. */
  readonly codec?: EventCodec<Event>;
  /** Fold from here rather than from the stream's start. */
  readonly snapshot?: StreamSnapshot<State>;
  /** Sees each event folded in, with its domain form. */
  readonly onEvent?: (event: RecordedEvent, domainEvent: Event) => void;
  readonly onUnreadable?: UnreadableEventHandler;
}

/**
 * The stream's state: every event it holds, oldest first, folded by the decider. Events of types the
 * catalog does not know (a newer producer's) are skipped; so is an event that breaks its contract,
 * reported to `onUnreadable`.
 */
export async function aggregateStream<State, Event = DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>,
  options: AggregateOptions<Event, State> = {},
): Promise<AggregatedStream<State>> {
  const { snapshot } = options;
  const recorded = await store.readStream(streamId, snapshot ? { fromRevision: snapshot.revision + 1n } : {});
  const codec = options.codec ?? (catalogCodec as EventCodec<unknown> as EventCodec<Event>);
  let state = snapshot ? snapshot.state : decider.initialState;
  for (const event of recorded) {
    const domainEvent = readableEvent(event, codec, options.onUnreadable);
    if (!domainEvent) continue;
    state = decider.evolve(state, domainEvent, metaOf(event));
    options.onEvent?.(event, domainEvent);
  }
  const last = recorded[recorded.length - 1];
  if (!last) return { state, revision: snapshot?.revision };
  return { state, revision: last.revision, position: last.position };
}

function readableEvent<Event>(
  event: RecordedEvent,
  codec: EventCodec<Event>,
  onUnreadable: UnreadableEventHandler | undefined,
): Event | undefined {
  try {
    return codec.decode(event);
  } catch (error) {
    if (!(error instanceof InvalidEventDataError)) throw error;
    onUnreadable?.(event, error);
    return undefined;
  }
}

/**
 * Runs a command against one stream: read, fold, decide, append at the revision read. Another writer
 * in between makes the append fail on its revision, and the command is decided again on the fresh
 * state, with backoff (DEFAULT_COMMAND_RETRY); when the retries are spent it fails as a `conflict`.
 * A command whose causation the stream already records is not decided again, and the ids of the
 * events it appends derive from its causation: redeliveries change nothing.
 */
export async function handleCommand<Command, State, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  identity: HandlerIdentity,
  streamId: string,
  command: Command,
  context: CommandContext,
  options?: HandleCommandOptions<Event, State>,
): Promise<Decided<State, Event>>;
/** A bookkeeping stream outside the lifecycle catalog names how its events are stored. */
export async function handleCommand<Command, State, Event>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  identity: HandlerIdentity,
  streamId: string,
  command: Command,
  context: CommandContext,
  options: HandleCommandOptions<Event, State> & { readonly codec: EventCodec<Event> },
): Promise<Decided<State, Event>>;
export async function handleCommand<Command, State, Event>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  identity: HandlerIdentity,
  streamId: string,
  command: Command,
  context: CommandContext,
  options: HandleCommandOptions<Event, State> = {},
): Promise<Decided<State, Event>> {
  const policy = options.retry ?? DEFAULT_COMMAND_RETRY;
  const codec = options.codec ?? (catalogCodec as EventCodec<unknown> as EventCodec<Event>);
  try {
    return await retry(
      () =>
        decideAndAppendOnce(
          store,
          decider,
          identity,
          streamId,
          command,
          context,
          codec,
          options.dryRun ?? false,
          options.onUnreadable,
          options.snapshot,
          options.expectedRevision,
          options.alongside ?? [],
        ),
      {
        ...policy,
        shouldRetry: (error) => error instanceof WrongExpectedRevisionError && error.streamId === streamId,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      },
    );
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError) || error.streamId !== streamId) throw error;
    throw new DomainError(
      'conflict',
      `stream ${streamId} kept changing under this command (${policy.attempts} tries); try again`,
    );
  }
}

async function decideAndAppendOnce<Command, State, Event>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  identity: HandlerIdentity,
  streamId: string,
  command: Command,
  context: CommandContext,
  codec: EventCodec<Event>,
  dryRun: boolean,
  onUnreadable: UnreadableEventHandler | undefined,
  snapshot: StreamSnapshot<State> | undefined,
  expectedRevision: StreamRevision | undefined,
  alongside: readonly StreamAppend[],
): Promise<Decided<State, Event>> {
  const earlier: Event[] = [];
  const current = await aggregateStream(store, streamId, decider, {
    codec,
    ...(snapshot ? { snapshot } : {}),
    onEvent: (event, domainEvent) => {
      if (causedBy(event, context.causationId, identity.source)) earlier.push(domainEvent);
    },
    ...(onUnreadable ? { onUnreadable } : {}),
  });
  if (earlier.length > 0) {
    if (alongside.length > 0 && !dryRun) await store.appendToStreams(alongside);
    return { ...current, events: earlier, alreadyHandled: true };
  }
  if (expectedRevision !== undefined && current.revision !== expectedRevision) {
    throw new DomainError(
      'stale',
      `stream ${streamId} is at revision ${current.revision ?? 'none'}, not ${expectedRevision}: read it again`,
    );
  }
  const decided = decider.decide(command, current.state);
  if (decided.length === 0) {
    if (alongside.length > 0 && !dryRun) await store.appendToStreams(alongside);
    return { ...current, events: [], alreadyHandled: false };
  }
  const toAppend = decided.map((event, index) => toEventToAppend(event, index, identity, context, codec));
  const state = decided.reduce(
    (folded, event, index) =>
      decider.evolve(folded, event, { id: toAppend[index].id, occurredAt: context.occurredAt }),
    current.state,
  );
  if (dryRun) return { state, events: decided, alreadyHandled: false, revision: current.revision };
  const ownAppend = {
    streamId,
    events: toAppend,
    expectedRevision: current.revision ?? 'no_stream',
  } as const;
  const appended =
    alongside.length === 0
      ? await store.append(streamId, toAppend, ownAppend)
      : (await store.appendToStreams([ownAppend, ...alongside]))[0];
  return {
    state,
    events: decided,
    alreadyHandled: false,
    revision: appended.nextExpectedRevision,
    position: appended.position,
  };
}

/**
 * The stored form of a decided event. Its data is checked against the contract here, where every
 * service writes: an event a decider got wrong is refused before it is stored, instead of making
 * every later read of its stream fail.
 */
export function toEventToAppend<Event = DomainEvent>(
  event: Event,
  index: number,
  identity: HandlerIdentity,
  context: CommandContext,
  codec: EventCodec<Event> = catalogCodec as EventCodec<unknown> as EventCodec<Event>,
): EventToAppend {
  const { type, data } = codec.encode(event);
  const metadata: EventMetadata = {
    correlationId: context.correlationId,
    causationId: context.causationId,
    actor: context.actor,
    occurredAt: context.occurredAt,
    source: identity.source,
  };
  return {
    id: deriveEventId(context.causationId, identity.handler, index),
    type,
    data,
    metadata: context.claimedActor ? { ...metadata, claimedActor: context.claimedActor } : metadata,
  };
}

/**
 * Business time of a stored event: its `occurredAt`, else (absent, or a time no Date can read) when
 * it was recorded. Deciders weigh by it (scoring's decay): an unreadable time must not poison them.
 */
export function metaOf(event: RecordedEvent): EventMeta {
  const occurredAt = event.metadata.occurredAt;
  const readable = typeof occurredAt === 'string' && !Number.isNaN(Date.parse(occurredAt));
  return { id: event.id, occurredAt: readable ? occurredAt : event.recordedAt.toISOString() };
}

function causedBy(event: RecordedEvent, causationId: string, source: string): boolean {
  return event.metadata.causationId === causationId && event.metadata.source === source;
}
