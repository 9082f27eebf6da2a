import { randomUUID } from 'node:crypto';
import { LEADS_LIFECYCLE_TOPIC } from '@leadledger/contracts';
import type { CheckpointStore } from '@leadledger/eventsourcing';
import { PgliteDriver, SqlEventStore } from '@leadledger/eventstore';
import { eventually } from '@leadledger/testing';
import { appendToLead, engagement } from '../../testing/lifecycle-fixtures';
import { InProcessMessageBus } from '../in-process/in-process-message-bus';
import type { IncomingMessage } from '../message-bus.port';
import { EventRelay } from './event-relay';

describe('EventRelay (PGlite in memory, in-process bus)', () => {
  let store: SqlEventStore;
  let bus: InProcessMessageBus;

  beforeAll(async () => {
    store = await SqlEventStore.open(await PgliteDriver.open(), { subscriptionPollMs: 20 });
    bus = new InProcessMessageBus({ drainTimeoutMs: 100 });
  }, 60_000);

  afterAll(async () => {
    await bus?.close();
    await store?.close();
  });

  it('resumes from its checkpoint right after a failed save, without waiting for another append', async () => {
    const lead = randomUUID();
    await appendToLead(store, lead, engagement(lead), engagement(lead, 'email_click'));
    const published: IncomingMessage[] = [];
    await bus.consume({
      groupId: 'recorder',
      topics: [LEADS_LIFECYCLE_TOPIC],
      handleBatch: async (batch) => void published.push(...batch),
    });
    let savesToFail = 1;
    const flakyCheckpoints: CheckpointStore = {
      load: (name) => store.checkpoints.load(name),
      save: async (name, position) => {
        if (savesToFail-- > 0) throw new Error('connection reset');
        await store.checkpoints.save(name, position);
      },
    };
    const failures: string[] = [];
    const relay = new EventRelay(store, flakyCheckpoints, bus, {
      name: 'relay-spec',
      restartDelayMs: 5,
      observer: { onFailure: (_name, error) => failures.push(String(error)) },
    });
    const stop = new AbortController();
    const running = relay.run(stop.signal);

    await eventually(
      async () => ((await store.checkpoints.load('relay-spec')) === 2n ? true : undefined),
      10_000,
    );
    stop.abort();
    await running;
    await bus.whenIdle();

    expect(failures).toEqual(['Error: connection reset']);
    // Published, lost its checkpoint, published again: at least once.
    expect(published.map((m) => m.headers['ce_subject'])).toEqual(Array(4).fill(`lead-${lead}`));
  });
});
