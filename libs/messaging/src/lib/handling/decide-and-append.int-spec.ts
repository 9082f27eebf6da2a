import { randomUUID } from 'node:crypto';
import { InvalidEventDataError, leadStreamId, type DomainEvent } from '@leadledger/contracts';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { decideAndAppend, type CommandContext, type Decider } from './decide-and-append';
import { deriveEventId } from './derive-event-id';

type Recorded = DomainEvent<'LeadEngagementRecorded'>;
type Record_ = { leadId: string; detail: string };

/** Records an engagement unless the same detail was recorded already: enough to see what the handler does. */
const engagements: Decider<Record_, string[], Recorded> = {
  initialState: [],
  decide: (command, seen) =>
    seen.includes(command.detail)
      ? []
      : [
          {
            type: 'LeadEngagementRecorded',
            data: { leadId: command.leadId, activity: 'page_view', detail: command.detail },
          },
        ],
  evolve: (seen, event) => [...seen, event.data.detail ?? ''],
};

const identity = { handler: 'test-recorder', source: '/leadledger/test' };

function context(causationId = randomUUID()): CommandContext {
  return {
    causationId,
    correlationId: randomUUID(),
    actor: 'system:test',
    occurredAt: '2026-11-23T10:00:00Z',
  };
}

describe('decideAndAppend', () => {
  let storage: EventStorage;
  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
  });
  afterAll(() => storage.close());

  it('appends what the decider decides, with metadata and ids derived from the causation', async () => {
    const leadId = randomUUID();
    const ctx = context();

    const result = await decideAndAppend(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/pricing' },
      ctx,
    );

    const [stored] = await storage.events.readStream(leadStreamId(leadId));
    expect(result).toMatchObject({ alreadyHandled: false, state: ['/pricing'] });
    expect(stored.id).toBe(deriveEventId(ctx.causationId, identity.handler, 0));
    expect(stored.type).toBe('leadledger.lead.engagement-recorded.v1');
    expect(stored.metadata).toEqual({
      correlationId: ctx.correlationId,
      causationId: ctx.causationId,
      actor: 'system:test',
      occurredAt: '2026-11-23T10:00:00Z',
      source: '/leadledger/test',
    });
  });

  it('does not decide a redelivered command again', async () => {
    const leadId = randomUUID();
    const ctx = context();
    await decideAndAppend(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/a' },
      ctx,
    );

    const redelivered = await decideAndAppend(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/b' },
      ctx,
    );

    expect(redelivered.alreadyHandled).toBe(true);
    expect(redelivered.events.map((e) => e.data.detail)).toEqual(['/a']);
    expect(await storage.events.readStream(leadStreamId(leadId))).toHaveLength(1);
  });

  it('decides again on fresh state when another writer got in first, so no command is lost', async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);

    await Promise.all(
      ['/a', '/b', '/c', '/d', '/e'].map((detail) =>
        decideAndAppend(storage.events, engagements, identity, stream, { leadId, detail }, context()),
      ),
    );

    const details = (await storage.events.readStream(stream)).map(
      (e) => (e.data as { detail: string }).detail,
    );
    expect(details.sort()).toEqual(['/a', '/b', '/c', '/d', '/e']);
  });

  it('refuses a decided event that breaks its contract, storing nothing', async () => {
    const leadId = randomUUID();
    const sloppy: typeof engagements = {
      ...engagements,
      decide: (command) => [
        {
          type: 'LeadEngagementRecorded',
          data: { leadId: command.leadId, activity: 'carrier_pigeon' as 'page_view' },
        },
      ],
    };

    const attempt = decideAndAppend(
      storage.events,
      sloppy,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/x' },
      context(),
    );

    await expect(attempt).rejects.toThrow(InvalidEventDataError);
    await expect(attempt).rejects.toThrow(/activity/);
    expect(await storage.events.readStream(leadStreamId(leadId))).toEqual([]);
  });

  it('derives different ids for different handlers of one input, and the same for the same', () => {
    const causation = randomUUID();

    expect(deriveEventId(causation, 'scoring')).toBe(deriveEventId(causation, 'scoring'));
    expect(deriveEventId(causation, 'scoring')).not.toBe(deriveEventId(causation, 'acceptance'));
    expect(deriveEventId(causation, 'scoring', 0)).not.toBe(deriveEventId(causation, 'scoring', 1));
  });
});
