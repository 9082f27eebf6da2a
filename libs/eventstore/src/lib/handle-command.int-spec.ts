// The command handler of the event-sourcing core, run against the real adapters.
import { randomUUID } from 'node:crypto';
import { InvalidEventDataError, leadStreamId, type DomainEvent } from '@leadledger/contracts';
import {
  DomainError,
  aggregateStream,
  deriveEventId,
  handleCommand,
  type CommandContext,
  type Decider,
  type EventStore,
  type StreamAppend,
} from '@leadledger/eventsourcing';
import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import { openEventStorage, type EventStorage } from './create-event-store';
import { PgDriver } from './sql/pg-driver';
import { SqlEventStore } from './sql/sql-event-store';

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

describe('handleCommand', () => {
  let storage: EventStorage;
  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
  });
  afterAll(() => storage.close());

  it('appends what the decider decides, with metadata and ids derived from the causation', async () => {
    const leadId = randomUUID();
    const ctx = context();

    const result = await handleCommand(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/pricing' },
      ctx,
    );

    const [stored] = await storage.events.readStream(leadStreamId(leadId));
    expect(result).toMatchObject({ alreadyHandled: false, state: ['/pricing'], revision: 0n });
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

  it("folds from a snapshot and reads only what came after it, others' appends included", async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);
    const first = await handleCommand(
      storage.events,
      engagements,
      identity,
      stream,
      { leadId, detail: '/a' },
      context(),
    );
    await handleCommand(storage.events, engagements, identity, stream, { leadId, detail: '/b' }, context());
    // The snapshot says only ['/a'] at revision 0: '/b' is read after it, so '/b' again is a duplicate.
    const snapshot = { state: first.state, revision: first.revision as bigint };

    const again = await handleCommand(
      storage.events,
      engagements,
      identity,
      stream,
      { leadId, detail: '/b' },
      context(),
      {
        snapshot,
      },
    );
    const next = await handleCommand(
      storage.events,
      engagements,
      identity,
      stream,
      { leadId, detail: '/c' },
      context(),
      {
        snapshot: { state: ['only what the snapshot says'], revision: 1n },
      },
    );

    expect(again).toMatchObject({ events: [], state: ['/a', '/b'], revision: 1n });
    expect(next).toMatchObject({ state: ['only what the snapshot says', '/c'], revision: 2n });
    expect(
      await aggregateStream(storage.events, stream, engagements, { snapshot: { state: [], revision: 2n } }),
    ).toEqual({
      state: [],
      revision: 2n,
    });
  });

  it('refuses as stale a command decided on a revision that is no longer the last (If-Match)', async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);
    const record = (detail: string, expectedRevision?: bigint) =>
      handleCommand(storage.events, engagements, identity, stream, { leadId, detail }, context(), {
        ...(expectedRevision !== undefined ? { expectedRevision } : {}),
      });
    await record('/a');
    await record('/b');

    await expect(record('/c', 0n)).rejects.toMatchObject({
      kind: 'stale',
      message: expect.stringMatching(/revision 1, not 0/),
    });
    await expect(record('/c', 1n)).resolves.toMatchObject({ revision: 2n });
  });

  it('does not decide a redelivered command again', async () => {
    const leadId = randomUUID();
    const ctx = context();
    await handleCommand(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/a' },
      ctx,
    );

    const redelivered = await handleCommand(
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
        handleCommand(storage.events, engagements, identity, stream, { leadId, detail }, context()),
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

    const attempt = handleCommand(
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

  it('skips a stored event that breaks its contract, reporting it, instead of failing every later command', async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);
    await storage.events.append(
      stream,
      [
        {
          id: randomUUID(),
          type: 'leadledger.lead.engagement-recorded.v1',
          data: { leadId, activity: 'carrier_pigeon' },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const reported: string[] = [];

    const result = await handleCommand(
      storage.events,
      engagements,
      identity,
      stream,
      { leadId, detail: '/after' },
      context(),
      {
        onUnreadable: (event, error) =>
          reported.push(`${event.revision}: ${error.issues.map((i) => i.path).join()}`),
      },
    );

    expect(result.state).toEqual(['/after']);
    expect(reported).toEqual(['0: activity']);
  });

  it('weighs an event by its recorded time when its business time cannot be read (a leap second)', async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);
    await storage.events.append(
      stream,
      [
        {
          id: randomUUID(),
          type: 'leadledger.lead.engagement-recorded.v1',
          data: { leadId, activity: 'page_view', detail: '/leap' },
          metadata: { occurredAt: '2016-12-31T23:59:60Z' },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const timed: Decider<Record_, string[], Recorded> = {
      ...engagements,
      evolve: (seen, _event, meta) => [...seen, meta.occurredAt],
    };

    const { state } = await aggregateStream(storage.events, stream, timed);

    const [stored] = await storage.events.readStream(stream);
    expect(state).toEqual([stored.recordedAt.toISOString()]);
  });

  it('writes the appends alongside with its own events, all or none, and leaves a lost race on them to the caller', async () => {
    const leadId = randomUUID();
    const [claim, taken] = [`claim-${randomUUID()}`, `claim-${randomUUID()}`];
    await storage.events.append(taken, [{ id: randomUUID(), type: 'Claimed', data: {} }], {
      expectedRevision: 'no_stream',
    });
    const claimOf = (streamId: string) => ({
      streamId,
      events: [{ id: randomUUID(), type: 'Claimed', data: { leadId } }],
      expectedRevision: 'no_stream' as const,
    });

    const lost = handleCommand(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/pricing' },
      context(),
      { alongside: [claimOf(claim), claimOf(taken)] },
    );
    await expect(lost).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', streamId: taken });
    expect(await storage.events.readStream(leadStreamId(leadId))).toEqual([]);
    expect(await storage.events.readStream(claim)).toEqual([]);

    const won = await handleCommand(
      storage.events,
      engagements,
      identity,
      leadStreamId(leadId),
      { leadId, detail: '/pricing' },
      context(),
      { alongside: [claimOf(claim)] },
    );
    expect(won.events).toHaveLength(1);
    expect(await storage.events.readStream(claim)).toHaveLength(1);
  });

  it('writes the appends alongside even when the command decides nothing', async () => {
    const leadId = randomUUID();
    const claim = `claim-${randomUUID()}`;
    const run = (alongside: { alongside?: readonly StreamAppend[] }) =>
      handleCommand(
        storage.events,
        engagements,
        identity,
        leadStreamId(leadId),
        { leadId, detail: '/pricing' },
        context(),
        alongside,
      );
    await run({});

    const unchanged = await run({
      alongside: [
        {
          streamId: claim,
          events: [{ id: randomUUID(), type: 'Claimed', data: {} }],
          expectedRevision: 'no_stream',
        },
      ],
    });

    expect(unchanged.events).toEqual([]);
    expect(await storage.events.readStream(claim)).toHaveLength(1);
  });

  it('derives different ids for different handlers of one input, and the same for the same', () => {
    const causation = randomUUID();

    expect(deriveEventId(causation, 'scoring')).toBe(deriveEventId(causation, 'scoring'));
    expect(deriveEventId(causation, 'scoring')).not.toBe(deriveEventId(causation, 'acceptance'));
    expect(deriveEventId(causation, 'scoring', 0)).not.toBe(deriveEventId(causation, 'scoring', 1));
  });
});

const racingSchema = uniqueSchemaName('es_racing');

/**
 * Five services write to one lead's stream. Twenty commands racing for one stream must all land or
 * fail with a clear conflict: none may vanish, none may land twice. On PostgreSQL the race is real
 * (a pool of connections); on PGlite it is interleaved on its one connection.
 */
describe.each([
  [
    'PGlite',
    async (): Promise<EventStore> => openEventStorage('pglite://memory').then((storage) => storage.events),
    async (): Promise<void> => undefined,
  ],
  [
    'PostgreSQL',
    async (): Promise<EventStore> =>
      SqlEventStore.open(new PgDriver({ connectionString: await testPostgresUrl(), max: 20 }), {
        schema: racingSchema,
      }),
    async (): Promise<void> => dropSchema(await testPostgresUrl(), racingSchema),
  ],
] as const)('handleCommand: 20 concurrent commands on one lead (%s)', (_name, open, drop) => {
  let store: EventStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  it('lands every command exactly once, or refuses it as a conflict', async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);
    const details = Array.from({ length: 20 }, (_, i) => `/page-${i}`);

    const outcomes = await Promise.allSettled(
      details.map((detail) =>
        handleCommand(store, engagements, identity, stream, { leadId, detail }, context()),
      ),
    );

    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(DomainError);
      expect((reason as DomainError).kind).toBe('conflict');
    }
    const landed = details.filter((_, i) => outcomes[i].status === 'fulfilled');
    const stored = (await store.readStream(stream)).map((e) => (e.data as { detail: string }).detail);
    expect([...stored].sort()).toEqual([...landed].sort());
    expect(new Set(stored).size).toBe(stored.length);
    // The backoff is there so that racing writers get through, not merely fail politely.
    expect(landed).toHaveLength(20);
  });

  it('gives up with a conflict, not a raw revision error, when the stream never stops changing', async () => {
    const leadId = randomUUID();
    const stream = leadStreamId(leadId);
    let interference = 0;
    const meddling: EventStore = {
      ...store,
      readStream: store.readStream.bind(store),
      append: async (streamId, events, options) => {
        // Another writer gets in between every read and append.
        await store.append(
          streamId,
          [
            {
              id: randomUUID(),
              type: 'leadledger.lead.engagement-recorded.v1',
              data: { leadId, activity: 'page_view', detail: `/other-${interference++}` },
            },
          ],
          { expectedRevision: 'any' },
        );
        return store.append(streamId, events, options);
      },
    };

    const attempt = handleCommand(
      meddling,
      engagements,
      identity,
      stream,
      { leadId, detail: '/mine' },
      context(),
      {
        retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      },
    );

    await expect(attempt).rejects.toThrow(DomainError);
    await expect(attempt).rejects.toMatchObject({ kind: 'conflict' });
    const stored = (await store.readStream(stream)).map((e) => (e.data as { detail: string }).detail);
    expect(stored).not.toContain('/mine');
  });
});
