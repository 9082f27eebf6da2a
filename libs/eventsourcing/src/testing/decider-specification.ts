import { expect } from '@jest/globals';
import type { DomainEvent } from '@leadledger/contracts';
import { catalogCodec, type EventCodec } from '../lib/event-codec';
import type { Decider, EventMeta } from '../lib/decider';
import { DomainError, type DomainErrorKind } from '../lib/domain-error';

/** An event of the given history with the id and business time the store would have given it. */
export interface GivenEvent<Event> {
  readonly event: Event;
  readonly meta: EventMeta;
}

/** Pairs an event with its meta, for deciders that read event ids or times (scoring's decay). */
export function recorded<Event>(event: Event, meta: EventMeta): GivenEvent<Event> {
  return { event, meta };
}

const DEFAULT_OCCURRED_AT = '2026-01-01T00:00:00.000Z';

/** A readable, valid event id for the n-th event of a history. */
export const eventId = (n: number): string => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

export interface DeciderThen<Event> {
  /** The command decides exactly these events, each valid by its contract. */
  then(expected: readonly Event[]): void;
  /** The command decides no event: a duplicate, or nothing to change. */
  thenNothingHappened(): void;
  /** The command is refused with a DomainError of this kind (and a message matching `message`). */
  thenThrows(kind: DomainErrorKind, message?: RegExp | string): void;
  /** The events the command decides, each checked against its contract, for assertions of one's own. */
  decided(): Event[];
}

/**
 * Given events, when a command, then events: the one way deciders are specified here.
 *
 * ```ts
 * const spec = DeciderSpecification.for(leadDecider);
 * spec.given(captured).when(submitAgain).thenNothingHappened();
 * ```
 *
 * The history is folded with the decider's own `evolve`; events without meta get ids `eventId(1)`,
 * `eventId(2)`... and one business time. Every decided event is validated against its contract, as
 * the command handler does before storing it, so a spec cannot pass on an event the store would refuse.
 */
export const DeciderSpecification = {
  for<Command, State, Event = DomainEvent>(
    decider: Decider<Command, State, Event>,
    /** How the stream's events are stored, when not the lifecycle catalog's: its checks apply. */
    codec: EventCodec<Event> = catalogCodec as EventCodec<unknown> as EventCodec<Event>,
  ) {
    return {
      given(...history: ReadonlyArray<Event | GivenEvent<Event>>) {
        return {
          when(command: Command): DeciderThen<Event> {
            const run = (): Event[] => {
              const state = history.reduce<State>((folded, item, index) => {
                const { event, meta }: GivenEvent<Event> = isGivenEvent<Event>(item)
                  ? item
                  : {
                      event: item as Event,
                      meta: { id: eventId(index + 1), occurredAt: DEFAULT_OCCURRED_AT },
                    };
                return decider.evolve(folded, event, meta);
              }, decider.initialState);
              const decided = decider.decide(command, state);
              for (const event of decided) expect(contractProblemOf(codec, event)).toBeUndefined();
              return decided;
            };
            return {
              then: (expected) => expect(run()).toEqual(expected),
              thenNothingHappened: () => expect(run()).toEqual([]),
              thenThrows: (kind, message) => {
                let thrown: unknown;
                try {
                  run();
                } catch (error) {
                  thrown = error;
                }
                expect(thrown).toBeInstanceOf(DomainError);
                expect((thrown as DomainError).kind).toBe(kind);
                if (message !== undefined) expect((thrown as DomainError).message).toMatch(message);
              },
              decided: run,
            };
          },
        };
      },
    };
  },
};

function isGivenEvent<Event>(item: Event | GivenEvent<Event>): item is GivenEvent<Event> {
  return typeof item === 'object' && item !== null && 'event' in item && 'meta' in item;
}

/** Why the store would refuse the event (its contract's issues), or undefined. */
function contractProblemOf<Event>(codec: EventCodec<Event>, event: Event): string | undefined {
  try {
    codec.encode(event);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
