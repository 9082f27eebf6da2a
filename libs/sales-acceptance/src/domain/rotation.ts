import { Instant, Optional, Text } from '@leadledger/contracts';
import { deriveId, internalCodec, type Decider } from '@leadledger/eventsourcing';
import { IsBoolean, IsUUID } from 'class-validator';
import { nextInRotation, type SalesTeam } from './sales-team';

/*
 * Two bookkeeping streams of sales-acceptance, outside the lifecycle the relay publishes: each team's
 * round-robin (who got the last lead), and each rep's availability. Both are event streams so that
 * who got which lead, and why, is reproducible from the store like everything else.
 */

export class SalesRepPickedData {
  @IsUUID() readonly leadId!: string;
  @Text(50) readonly team!: string;
  @Text(200) readonly rep!: string;
}

export class RepAvailabilityChangedData {
  @Text(200) readonly rep!: string;
  @IsBoolean() readonly available!: boolean;
  /** Away until then, and available again from then on without another change. */
  @Optional() @Instant() readonly until?: string;
  @Optional() @Text(500) readonly note?: string;
}

export const salesBookkeepingCodec = internalCodec({
  SalesRepPicked: { type: 'leadledger.internal.sales-rep-picked', dataClass: SalesRepPickedData },
  RepAvailabilityChanged: {
    type: 'leadledger.internal.sales-rep-availability-changed',
    dataClass: RepAvailabilityChangedData,
  },
});

export const rotationStreamId = (team: string): string => `sales-rotation-${team}`;
/** Rep ids are e-mail-like; the stream id derives from them so that no character of theirs reaches it. */
export const repStreamId = (rep: string): string => `sales-rep-${deriveId('sales-rep', rep)}`;

export type RotationEvent = { readonly type: 'SalesRepPicked'; readonly data: SalesRepPickedData };
export interface RotationState {
  readonly lastRep?: string;
}
export interface PickRep {
  readonly leadId: string;
  readonly team: SalesTeam;
  /** Who may take this lead, in the team's rep order (assignmentCandidates). */
  readonly candidates: readonly string[];
  /** Skipped when anyone else may take it: a reassignment goes to someone new. */
  readonly exclude?: string;
}

/**
 * A team's round-robin. The pick is recorded under the cause of the assignment (the MQL, the SLA
 * firing), so a redelivered cause finds its pick and gets the same rep: fair and deterministic.
 */
export const rotationDecider: Decider<PickRep, RotationState, RotationEvent> = {
  initialState: {},
  decide({ leadId, team, candidates, exclude }, state) {
    const others = candidates.filter((rep) => rep !== exclude);
    const rep = nextInRotation(team, others.length > 0 ? others : candidates, state.lastRep);
    return [{ type: 'SalesRepPicked', data: { leadId, team: team.id, rep } }];
  },
  evolve: (_state, event) => ({ lastRep: event.data.rep }),
};

export type AvailabilityEvent = {
  readonly type: 'RepAvailabilityChanged';
  readonly data: RepAvailabilityChangedData;
};
export interface AvailabilityState {
  readonly available: boolean;
  readonly until?: string;
  readonly note?: string;
}
export interface SetAvailability {
  readonly rep: string;
  readonly available: boolean;
  readonly until?: string;
  readonly note?: string;
}

/** Marked by a manager: a rep away is skipped by assignment until back (or until `until`). */
export const availabilityDecider: Decider<SetAvailability, AvailabilityState, AvailabilityEvent> = {
  initialState: { available: true },
  decide(command, state) {
    const until = command.available ? undefined : command.until;
    if (state.available === command.available && state.until === until && state.note === command.note)
      return [];
    return [
      {
        type: 'RepAvailabilityChanged',
        data: {
          rep: command.rep,
          available: command.available,
          ...(until ? { until } : {}),
          ...(command.note ? { note: command.note } : {}),
        },
      },
    ];
  },
  evolve: (_state, { data }) => ({
    available: data.available,
    ...(data.until ? { until: data.until } : {}),
    ...(data.note ? { note: data.note } : {}),
  }),
};

export function isAvailableAt(state: AvailabilityState, now: Date): boolean {
  return state.available || (state.until !== undefined && now.getTime() >= Date.parse(state.until));
}
