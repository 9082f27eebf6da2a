/** What a stream knows of an event beyond its type and data. */
export interface EventMeta {
  readonly id: string;
  /** Business time (RFC 3339): when it happened, which may be long before it was recorded (an import). */
  readonly occurredAt: string;
}

/**
 * A stream's behaviour as three pure values: the state before any event, how an event changes the
 * state, and what events a command produces in a state. No I/O: the command handler reads, folds,
 * decides and appends; a projection or a view folds with the same `evolve`.
 *
 * `decide` refuses a command by throwing a DomainError, and returns no events when the command
 * changes nothing (a duplicate).
 */
export interface Decider<Command, State, Event> {
  readonly initialState: State;
  decide(command: Command, state: State): Event[];
  /** `meta` serves deciders that explain by event id or weigh by event time (scoring's decay). */
  evolve(state: State, event: Event, meta: EventMeta): State;
}
