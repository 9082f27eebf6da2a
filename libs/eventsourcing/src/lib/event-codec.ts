import {
  eventTypeOf,
  InvalidEventDataError,
  toDomainEvent,
  validateAgainst,
  validateEventData,
  type DomainEvent,
} from '@leadledger/contracts';

/** How a stream's events are stored: the lifecycle catalog's, or a bookkeeping stream's own. */
export interface EventCodec<Event> {
  /** The stored type and data; throws InvalidEventDataError for an event that breaks its contract. */
  encode(event: Event): { readonly type: string; readonly data: unknown };
  /**
   * The event in its domain form; undefined for a type this codec does not know (a newer producer's),
   * InvalidEventDataError for a known type that breaks its contract.
   */
  decode(stored: { readonly type: string; readonly data: unknown }): Event | undefined;
}

/** The lifecycle vocabulary (EVENT_CATALOG): what every lead and opportunity stream holds. */
export const catalogCodec: EventCodec<DomainEvent> = {
  encode(event) {
    const issues = validateEventData(event.type, event.data);
    if (issues.length > 0) throw new InvalidEventDataError(event.type, issues);
    return { type: eventTypeOf(event.type), data: event.data };
  },
  decode: toDomainEvent,
};

/** One event of a bookkeeping stream: its stored type and the class its data must satisfy. */
export interface InternalEventEntry {
  readonly type: string;
  readonly dataClass: new () => object;
}

/**
 * The codec of a bookkeeping stream (a rotation, a rep's availability) whose events are validated on
 * write and on read like the lifecycle's, without joining the lifecycle catalog the relay publishes.
 */
export function internalCodec<Entries extends Record<string, InternalEventEntry>>(
  entries: Entries,
): EventCodec<
  {
    [N in keyof Entries & string]: { readonly type: N; readonly data: InstanceType<Entries[N]['dataClass']> };
  }[keyof Entries & string]
> {
  const nameByType = new Map(Object.entries(entries).map(([name, { type }]) => [type, name]));
  type Event = { readonly type: keyof Entries & string; readonly data: never };
  const checked = (name: string, data: unknown) => {
    const issues = validateAgainst(entries[name].dataClass, data);
    if (issues.length > 0) throw new InvalidEventDataError(name, issues);
  };
  return {
    encode(event: Event) {
      checked(event.type, event.data);
      return { type: entries[event.type].type, data: event.data };
    },
    decode(stored) {
      const name = nameByType.get(stored.type);
      if (name === undefined) return undefined;
      checked(name, stored.data);
      return { type: name, data: stored.data } as never;
    },
  };
}
