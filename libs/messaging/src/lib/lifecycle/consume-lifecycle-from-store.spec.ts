import { randomUUID } from 'node:crypto';
import { LEADS_LIFECYCLE_TOPIC, leadStreamId } from '@leadledger/contracts';
import type { CheckpointStore, GlobalPosition } from '@leadledger/eventsourcing';
import { PgliteDriver, SqlEventStore } from '@leadledger/eventstore';
import { eventually } from '@leadledger/testing';
import { appendToLead, describeCalls, engagement, erased, recycled } from '../../testing/lifecycle-fixtures';
import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from '../dead-letter';
import { InProcessMessageBus } from '../in-process/in-process-message-bus';
import type { Consumption, IncomingMessage, RetryPolicy } from '../message-bus.port';
import {
  consumeLifecycleFromStore,
  lifecycleCheckpointName,
  type LifecycleFromStoreObserver,
} from './consume-lifecycle-from-store';
import type { LifecycleConsumer, StreamEvents } from './lifecycle-consumer';

const FAST_RETRY: RetryPolicy = { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 };
const soon = <T>(find: () => T | undefined | Promise<T | undefined>) => eventually(find, 10_000);

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('consumeLifecycleFromStore (PGlite in memory)', () => {
  // Starting PGlite takes seconds, so the tests share one, each in a schema of its own.
  let driver: PgliteDriver;
  let schemas = 0;
  let store: SqlEventStore;
  let bus: InProcessMessageBus;
  let deadLetters: IncomingMessage[];
  const consumptions: Consumption[] = [];

  function consumerOf(
    handle: LifecycleConsumer['handle'],
    eventTypes: LifecycleConsumer['eventTypes'] = ['LeadEngagementRecorded', 'LeadRecycled'],
  ): LifecycleConsumer {
    return { name: 'scoring', category: 'lead', eventTypes, handle };
  }

  function start(
    consumer: LifecycleConsumer,
    observer?: LifecycleFromStoreObserver,
    checkpoints: CheckpointStore = store.checkpoints,
  ): Consumption {
    const consumption = consumeLifecycleFromStore(store, checkpoints, consumer, {
      deadLetters: bus,
      retry: FAST_RETRY,
      restartDelayMs: 5,
      observer,
      now: () => new Date('2026-11-23T10:00:00Z'),
    });
    consumptions.push(consumption);
    return consumption;
  }

  /** Records what handle() was given, as `leadId:EventName` per call. */
  function recording() {
    const calls: StreamEvents[][] = [];
    return { calls, handle: async (streams: readonly StreamEvents[]) => void calls.push([...streams]) };
  }

  beforeAll(async () => {
    driver = await PgliteDriver.open();
  }, 60_000);

  afterAll(async () => {
    await driver?.close();
  });

  beforeEach(async () => {
    store = await SqlEventStore.open(driver, { schema: `lifecycle_${++schemas}`, subscriptionPollMs: 20 });
    bus = new InProcessMessageBus({ drainTimeoutMs: 100 });
    deadLetters = [];
    await bus.consume({
      groupId: 'dlq-inspector',
      topics: [deadLetterTopicOf(LEADS_LIFECYCLE_TOPIC)],
      handleBatch: async (batch) => void deadLetters.push(...batch),
    });
  });

  afterEach(async () => {
    await Promise.all(consumptions.splice(0).map((consumption) => consumption.stop()));
    await bus.close();
    // Not store.close(): it would close the shared driver.
  });

  it('hands over one batch grouped per stream, in order, only the listed types, and checkpoints it', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await appendToLead(store, a, engagement(a), erased(a));
    await appendToLead(store, b, recycled(b));
    await appendToLead(store, a, engagement(a, 'email_click'));
    const { calls, handle } = recording();
    const checkpointed: GlobalPosition[] = [];

    start(consumerOf(handle), { onCheckpointed: (_name, position) => checkpointed.push(position) });
    await soon(() => (checkpointed.length > 0 ? true : undefined));

    expect(describeCalls(calls)).toEqual([
      [`${a}:LeadEngagementRecorded`, `${a}:LeadEngagementRecorded`, `${b}:LeadRecycled`],
    ]);
    expect(calls[0].map((stream) => stream.streamId)).toEqual([leadStreamId(a), leadStreamId(b)]);
    expect(calls[0][0].events.map(({ envelope }) => envelope.data)).toEqual([
      { leadId: a, activity: 'page_view' },
      { leadId: a, activity: 'email_click' },
    ]);
    expect(await store.checkpoints.load(lifecycleCheckpointName('scoring'))).toBe(4n);
  });

  it('follows new events live, and after a restart resumes after its checkpoint', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await appendToLead(store, a, engagement(a));
    const { calls, handle } = recording();
    const first = start(consumerOf(handle));
    await soon(() => (calls.length >= 1 ? true : undefined));
    await appendToLead(store, a, recycled(a));
    await soon(() => (calls.length >= 2 ? true : undefined));
    await first.stop();

    await appendToLead(store, b, engagement(b));
    start(consumerOf(handle));
    await soon(() => (calls.length >= 3 ? true : undefined));

    expect(describeCalls(calls)).toEqual([
      [`${a}:LeadEngagementRecorded`],
      [`${a}:LeadRecycled`],
      [`${b}:LeadEngagementRecorded`],
    ]);
  });

  it('retries a failing batch, then dead-letters only the stream that still fails, and moves on', async () => {
    const [healthy, broken] = [randomUUID(), randomUUID()];
    await appendToLead(store, healthy, engagement(healthy));
    await appendToLead(store, broken, engagement(broken), recycled(broken));
    const handled: string[][] = [];
    const observed: string[] = [];
    const observer: LifecycleFromStoreObserver = {
      onRetry: (_name, attempt) => observed.push(`retry:${attempt}`),
      onDeadLettered: (name, events, error) =>
        observed.push(`dead-lettered:${name}:${events.length}:${(error as Error).message}`),
      onCheckpointed: (_name, position) => observed.push(`checkpointed:${position}`),
    };

    start(
      consumerOf(async (streams) => {
        if (streams.some((stream) => stream.id === broken)) throw new Error('projection table locked');
        handled.push(describeCalls([streams]).flat());
      }),
      observer,
    );
    await soon(() => (observed.some((entry) => entry.startsWith('checkpointed')) ? true : undefined));
    await bus.whenIdle();

    expect(handled).toEqual([[`${healthy}:LeadEngagementRecorded`]]);
    expect(observed).toEqual([
      'retry:1', // the batch
      'retry:1', // the broken stream alone
      'dead-lettered:scoring:2:projection table locked',
      'checkpointed:3',
    ]);
    expect(deadLetters.map((m) => m.headers[DEAD_LETTER_HEADERS.eventType])).toEqual([
      'leadledger.lead.engagement-recorded.v1',
      'leadledger.lead.recycled.v1',
    ]);
    expect(deadLetters[0]).toMatchObject({
      topic: 'leadledger.leads.lifecycle.dlq',
      key: leadStreamId(broken),
      value: JSON.stringify({ leadId: broken, activity: 'page_view' }),
      headers: {
        ce_subject: leadStreamId(broken),
        ce_type: 'leadledger.lead.engagement-recorded.v1',
        [DEAD_LETTER_HEADERS.error]: 'projection table locked',
        [DEAD_LETTER_HEADERS.errorType]: 'Error',
        [DEAD_LETTER_HEADERS.originalTopic]: LEADS_LIFECYCLE_TOPIC,
        [DEAD_LETTER_HEADERS.consumerGroup]: 'scoring',
        [DEAD_LETTER_HEADERS.failedAt]: '2026-11-23T10:00:00.000Z',
        [DEAD_LETTER_HEADERS.streamId]: leadStreamId(broken),
        [DEAD_LETTER_HEADERS.position]: '2',
      },
    });
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.eventId]).toBe(deadLetters[0].headers['ce_id']);
  });

  it('dead-letters an event whose data breaks its contract, without retrying it, and handles the rest', async () => {
    const lead = randomUUID();
    await appendToLead(store, lead, engagement(lead, 'telepathy'), recycled(lead));
    const { calls, handle } = recording();
    const retries: number[] = [];

    start(consumerOf(handle), { onRetry: (_name, attempt) => retries.push(attempt) });
    await soon(() => (calls.length >= 1 && deadLetters.length >= 1 ? true : undefined));

    expect(describeCalls(calls)).toEqual([[`${lead}:LeadRecycled`]]);
    expect(retries).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.errorType]: 'PermanentMessageError',
      [DEAD_LETTER_HEADERS.position]: '1',
    });
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.error]).toContain(
      'invalid LeadEngagementRecorded data',
    );
  });

  it('stopped mid-batch, keeps its checkpoint and hands the batch over again after the restart', async () => {
    const lead = randomUUID();
    await appendToLead(store, lead, engagement(lead));
    const started = gate();
    const released = gate();
    const handledByFirst: string[] = [];
    const first = start(
      consumerOf(async (streams, context) => {
        started.open();
        await released.opened;
        await context.heartbeat(); // where a stopping consumer gives the batch up
        handledByFirst.push(...describeCalls([streams]).flat());
      }),
    );
    await started.opened;
    const stopping = first.stop();
    released.open();
    await stopping;

    expect(handledByFirst).toEqual([]);
    expect(deadLetters).toEqual([]);
    expect(await store.checkpoints.load(lifecycleCheckpointName('scoring'))).toBeUndefined();

    const { calls, handle } = recording();
    start(consumerOf(handle));
    await soon(() => (calls.length >= 1 ? true : undefined));
    expect(describeCalls(calls)).toEqual([[`${lead}:LeadEngagementRecorded`]]);
  });

  it('resumes from its checkpoint after a failure outside handle(): the batch is handled again, not lost', async () => {
    const lead = randomUUID();
    await appendToLead(store, lead, engagement(lead));
    const failures: string[] = [];
    let savesToFail = 1;
    const flakyCheckpoints: CheckpointStore = {
      load: (name) => store.checkpoints.load(name),
      save: async (name, position) => {
        if (savesToFail-- > 0) throw new Error('connection reset');
        await store.checkpoints.save(name, position);
      },
    };
    const { calls, handle } = recording();

    start(
      consumerOf(handle),
      { onFailure: (_name, error) => failures.push(String(error)) },
      flakyCheckpoints,
    );
    await soon(() => (calls.length >= 2 ? true : undefined));
    await soon(async () =>
      (await store.checkpoints.load(lifecycleCheckpointName('scoring'))) === 1n ? true : undefined,
    );

    expect(failures).toEqual(['Error: connection reset']);
    expect(describeCalls(calls)).toEqual([
      [`${lead}:LeadEngagementRecorded`],
      [`${lead}:LeadEngagementRecorded`],
    ]);
  });
});
