import {
  eventTypeOf,
  InvalidEventDataError,
  toDomainEvent,
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
