import {
  InvalidEventDataError,
  eventTypeOf,
  toDomainEvent,
  validateEventData,
  type Actor,
  type DomainEvent,
  type EventMetadata,
} from '@leadledger/contracts';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@leadledger/eventstore';
import { deriveEventId } from './derive-event-id';

/** What a stream knows of an event beyond its type and data. */
export interface EventMeta {
  readonly id: string;
  /** Business time (RFC 3339). */
  readonly occurredAt: string;
}

export interface Decider<Command, State, Event> {
  readonly initialState: State;
  decide(command: Command, state: State): Event[];
  /** `meta` serves deciders that explain by event id or weigh by event time (scoring's decay). */
  evolve(state: State, event: Event, meta: EventMeta): State;
}

/** Who and what caused a command: stamped on every event it produces. */
export interface CommandContext {
  /** The request, message or event being handled; a command already recorded under it is not run again. */
  readonly causationId: string;
  readonly correlationId: string;
  readonly actor: Actor;
  /** Business time of the occurrence (RFC 3339). */
  readonly occurredAt: string;
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
}

const MAX_ATTEMPTS = 5;

/**
 * Runs a command against one stream: read, fold, decide, append at the revision read. Another
 * writer in between makes the append fail on its revision, and the command is decided again on the
 * fresh state. A command whose causation the stream already records is not decided again, and the
 * ids of the events it appends derive from its causation: redeliveries change nothing.
 */
export async function decideAndAppend<Command, State, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  identity: HandlerIdentity,
  streamId: string,
  command: Command,
  context: CommandContext,
): Promise<Decided<State, Event>> {
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(streamId);
    let state = decider.initialState;
    const earlier: Event[] = [];
    for (const event of recorded) {
      const domainEvent = toDomainEvent(event) as Event | undefined;
      if (!domainEvent) continue;
      state = decider.evolve(state, domainEvent, metaOf(event));
      if (causedBy(event, context.causationId, identity.source)) earlier.push(domainEvent);
    }
    if (earlier.length > 0) return { state, events: earlier, alreadyHandled: true };
    const decided = decider.decide(command, state);
    if (decided.length === 0) return { state, events: [], alreadyHandled: false };
    const toAppend = decided.map((event, index) => toEventToAppend(event, index, identity, context));
    try {
      await store.append(streamId, toAppend, {
        expectedRevision: recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1].revision,
      });
      const after = decided.reduce(
        (current, event, index) =>
          decider.evolve(current, event, { id: toAppend[index].id, occurredAt: context.occurredAt }),
        state,
      );
      return { state: after, events: decided, alreadyHandled: false };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * The stored form of a decided event. Its data is checked against the contract here, where every
 * service writes: an event a decider got wrong is refused before it is stored, instead of making
 * every later read of its stream fail.
 */
export function toEventToAppend(
  event: DomainEvent,
  index: number,
  identity: HandlerIdentity,
  context: CommandContext,
): EventToAppend {
  const issues = validateEventData(event.type, event.data);
  if (issues.length > 0) throw new InvalidEventDataError(event.type, issues);
  const metadata: EventMetadata = {
    correlationId: context.correlationId,
    causationId: context.causationId,
    actor: context.actor,
    occurredAt: context.occurredAt,
    source: identity.source,
  };
  return {
    id: deriveEventId(context.causationId, identity.handler, index),
    type: eventTypeOf(event.type),
    data: event.data,
    metadata,
  };
}

function metaOf(event: RecordedEvent): EventMeta {
  const occurredAt = event.metadata.occurredAt;
  return {
    id: event.id,
    occurredAt: typeof occurredAt === 'string' ? occurredAt : event.recordedAt.toISOString(),
  };
}

function causedBy(event: RecordedEvent, causationId: string, source: string): boolean {
  return event.metadata.causationId === causationId && event.metadata.source === source;
}
