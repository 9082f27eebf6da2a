import { LEAD_IDENTITY_CLAIMED, identityStreamId, type LeadIdentityClaim } from '@leadledger/contracts';
import {
  DEFAULT_COMMAND_RETRY,
  WrongExpectedRevisionError,
  deriveEventId,
  retry,
  type EventStore,
} from '@leadledger/eventsourcing';

/**
 * Keeps "one lead per identity key" in the event store itself: each key claims its own stream,
 * created with `no_stream`, so of two concurrent first submissions exactly one wins on every store
 * (EventStoreDB, PostgreSQL, PGlite). Stream names hash the key, so no email appears in them.
 */
export class IdentityRegistry {
  constructor(private readonly store: EventStore) {}

  /**
   * The lead these keys identify: the one the first claimed key (most trusted first) points to, else
   * `candidateLeadId`. Keys not yet claimed are claimed for that lead, so a later submission carrying
   * only one of them finds it.
   */
  async resolve(keys: readonly string[], candidateLeadId: string): Promise<string> {
    // Another submission may claim a key between our read and our claim: look again, backing off
    // like any other writer that lost a race for a revision.
    return retry(
      async () => {
        const owners = await Promise.all(keys.map((key) => this.ownerOf(key)));
        const leadId = owners.find((owner) => owner !== undefined) ?? candidateLeadId;
        for (const [index, key] of keys.entries()) {
          if (owners[index] === undefined) await this.claim(key, leadId);
        }
        return leadId;
      },
      { ...DEFAULT_COMMAND_RETRY, shouldRetry: (error) => error instanceof WrongExpectedRevisionError },
    );
  }

  async ownerOf(key: string): Promise<string | undefined> {
    const [claim] = await this.store.readStream(identityStreamId(key), { maxCount: 1 });
    return (claim?.data as LeadIdentityClaim | undefined)?.leadId;
  }

  private async claim(key: string, leadId: string): Promise<void> {
    const data: LeadIdentityClaim = { leadId, keyKind: key.slice(0, key.indexOf(':')) };
    await this.store.append(
      identityStreamId(key),
      [{ id: deriveEventId(leadId, `identity:${key}`), type: LEAD_IDENTITY_CLAIMED, data }],
      { expectedRevision: 'no_stream' },
    );
  }
}
