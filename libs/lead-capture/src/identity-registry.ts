import {
  IDENTITY_STREAM_PREFIX,
  LEAD_IDENTITY_CLAIMED,
  identityStreamId,
  type LeadIdentityClaim,
} from '@leadledger/contracts';
import {
  WrongExpectedRevisionError,
  deriveEventId,
  type EventStore,
  type StreamAppend,
} from '@leadledger/eventsourcing';

/** Which lead a submission's identity keys point to, and the claims still to write for it. */
export interface IdentityPlan {
  readonly leadId: string;
  /** `no_stream` appends to the keys' streams, written with the lead's own events (handleCommand `alongside`). */
  readonly claims: readonly StreamAppend[];
}

/**
 * Keeps "one lead per identity key" in the event store itself: each key claims its own stream,
 * created with `no_stream`, so of two concurrent first submissions exactly one wins on every store
 * (EventStoreDB, PostgreSQL, PGlite). Stream names hash the key, so no email appears in them.
 */
export class IdentityRegistry {
  constructor(private readonly store: EventStore) {}

  /**
   * The lead these keys identify: the one the first claimed key (most trusted first) points to, else
   * `candidateLeadId`; and a claim for each key not yet claimed, so a later submission carrying only
   * one of them finds it. Another submission may claim a key before these claims are written: the
   * write then fails with `isLostClaimRace`, and the caller plans again.
   */
  async plan(keys: readonly string[], candidateLeadId: string): Promise<IdentityPlan> {
    const owners = await Promise.all(keys.map((key) => this.ownerOf(key)));
    const leadId = owners.find((owner) => owner !== undefined) ?? candidateLeadId;
    const claims = keys.filter((_, index) => owners[index] === undefined).map((key) => claimOf(key, leadId));
    return { leadId, claims };
  }

  async ownerOf(key: string): Promise<string | undefined> {
    const [claim] = await this.store.readStream(identityStreamId(key), { maxCount: 1 });
    return (claim?.data as LeadIdentityClaim | undefined)?.leadId;
  }
}

/** The error of a claim another submission wrote first. */
export function isLostClaimRace(error: unknown): boolean {
  return error instanceof WrongExpectedRevisionError && error.streamId.startsWith(IDENTITY_STREAM_PREFIX);
}

function claimOf(key: string, leadId: string): StreamAppend {
  const data: LeadIdentityClaim = { leadId, keyKind: key.slice(0, key.indexOf(':')) };
  return {
    streamId: identityStreamId(key),
    events: [{ id: deriveEventId(leadId, `identity:${key}`), type: LEAD_IDENTITY_CLAIMED, data }],
    expectedRevision: 'no_stream',
  };
}
