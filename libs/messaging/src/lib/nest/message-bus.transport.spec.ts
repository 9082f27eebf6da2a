import { Controller, Injectable, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { DEAD_LETTER_HEADERS } from '../dead-letter';
import { InProcessMessageBus } from '../in-process/in-process-message-bus';
import { PermanentMessageError, type IncomingMessage, type RetryPolicy } from '../message-bus.port';
import { MessageBusContext, MessageBusExceptionFilter, MessageBusTransport } from './message-bus.transport';

const INBOUND = 'leadledger.leads.inbound';
const LIFECYCLE = 'leadledger.leads.lifecycle';
const FAST_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 };

/** What the controller saw, shared with the test through Nest's container. */
@Injectable()
class Seen {
  readonly batches: Array<{
    values: string[];
    topic: string;
    partition: number;
    group: string;
    isContext: boolean;
  }> = [];
  readonly inboundCalls: string[][] = [];
  readonly groups: string[] = [];
}

@Controller()
class LeadsController {
  constructor(private readonly seen: Seen) {}

  @EventPattern(LIFECYCLE)
  async onLifecycle(@Payload() batch: IncomingMessage[], @Ctx() context: MessageBusContext): Promise<void> {
    await context.heartbeat();
    this.seen.batches.push({
      values: batch.map((m) => m.value ?? ''),
      topic: context.getTopic(),
      partition: context.getPartition(),
      group: context.getConsumerGroup(),
      isContext: context instanceof MessageBusContext,
    });
  }

  @EventPattern(INBOUND)
  async onInbound(@Payload() batch: IncomingMessage[]): Promise<void> {
    this.seen.inboundCalls.push(batch.map((m) => m.value ?? ''));
    if (batch.some((m) => m.value === 'not json')) throw new PermanentMessageError('payload: not JSON');
  }
}

const SCORED = 'leadledger.test.scored';

/** Two modules on one topic, each as its own consumer group, as the pipeline runs them. */
@Controller()
class ScoringController {
  constructor(private readonly seen: Seen) {}

  @EventPattern(SCORED, { consumerGroup: 'marketing-scoring' })
  async onScored(@Payload() batch: IncomingMessage[], @Ctx() context: MessageBusContext): Promise<void> {
    this.seen.groups.push(`${context.getConsumerGroup()}:${batch.map((m) => m.value).join(',')}`);
    if (batch.some((m) => m.value === 'poison')) throw new PermanentMessageError('scoring cannot take it');
  }
}

@Controller()
class AcceptanceController {
  constructor(private readonly seen: Seen) {}

  @EventPattern(`${SCORED}.copy`, { consumerGroup: 'sales-acceptance' })
  async onScored(@Payload() batch: IncomingMessage[], @Ctx() context: MessageBusContext): Promise<void> {
    this.seen.groups.push(`${context.getConsumerGroup()}:${batch.map((m) => m.value).join(',')}`);
  }
}

@Module({ controllers: [LeadsController], providers: [Seen] })
class LeadsModule {}

@Module({ controllers: [ScoringController, AcceptanceController], providers: [Seen] })
class TwoGroupsModule {}

describe('MessageBusTransport', () => {
  let bus: InProcessMessageBus;
  let app: INestMicroservice;

  async function start(options: { keepHandlerErrors: boolean; module?: Type }): Promise<Seen> {
    app = await NestFactory.createMicroservice(options.module ?? LeadsModule, {
      strategy: new MessageBusTransport(bus, { groupId: 'lead-capture', retry: FAST_RETRY }),
      logger: false,
    });
    if (options.keepHandlerErrors) app.useGlobalFilters(new MessageBusExceptionFilter());
    await app.listen();
    return app.get(Seen);
  }

  async function collectDeadLettersOf(topic: string): Promise<IncomingMessage[]> {
    const deadLetters: IncomingMessage[] = [];
    await bus.consume({
      groupId: 'dlq-inspector',
      topics: [`${topic}.dlq`],
      handleBatch: async (batch) => void deadLetters.push(...batch),
    });
    return deadLetters;
  }

  beforeEach(() => {
    bus = new InProcessMessageBus();
  });

  afterEach(async () => {
    await app?.close();
    await bus.close();
  });

  it('hands an @EventPattern handler the whole batch as @Payload and a MessageBusContext as @Ctx', async () => {
    const seen = await start({ keepHandlerErrors: true });

    await bus.publish(
      ['captured', 'scored', 'qualified'].map((value) => ({
        topic: LIFECYCLE,
        key: 'lead-1',
        value,
        headers: {},
      })),
    );
    await bus.whenIdle();

    expect(seen.batches).toEqual([
      {
        values: ['captured', 'scored', 'qualified'],
        topic: LIFECYCLE,
        partition: expect.any(Number),
        group: 'lead-capture',
        isContext: true,
      },
    ]);
  });

  it('lets a handler error reach the bus: a PermanentMessageError is dead-lettered at once, with its reason', async () => {
    const seen = await start({ keepHandlerErrors: true });
    const deadLetters = await collectDeadLettersOf(INBOUND);

    await bus.publish(
      ['{"ok":1}', 'not json', '{"ok":2}'].map((value) => ({
        topic: INBOUND,
        key: 'lead-1',
        value,
        headers: {},
      })),
    );
    await bus.whenIdle();

    // The batch, then each message alone; the permanent failure was not retried.
    expect(seen.inboundCalls).toEqual([
      ['{"ok":1}', 'not json', '{"ok":2}'],
      ['{"ok":1}'],
      ['not json'],
      ['{"ok":2}'],
    ]);
    expect(deadLetters.map((m) => m.value)).toEqual(['not json']);
    expect(deadLetters[0].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.error]: 'payload: not JSON',
      [DEAD_LETTER_HEADERS.errorType]: 'PermanentMessageError',
      [DEAD_LETTER_HEADERS.originalTopic]: INBOUND,
      [DEAD_LETTER_HEADERS.originalOffset]: '1',
      [DEAD_LETTER_HEADERS.consumerGroup]: 'lead-capture',
    });
  });

  it('still dead-letters without MessageBusExceptionFilter, though Nest has masked the error by then', async () => {
    const seen = await start({ keepHandlerErrors: false });
    const deadLetters = await collectDeadLettersOf(INBOUND);

    await bus.publish([{ topic: INBOUND, key: 'lead-1', value: 'not json', headers: {} }]);
    await bus.whenIdle();

    // Masked, the permanent error is no longer recognised, so it used up the retries first.
    expect(seen.inboundCalls).toEqual([['not json'], ['not json'], ['not json']]);
    expect(deadLetters.map((m) => m.value)).toEqual(['not json']);
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.errorType]).toBe('MaskedHandlerError');
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.error]).toContain('Internal server error');
  });

  it('stops consuming when the microservice closes', async () => {
    const seen = await start({ keepHandlerErrors: true });
    await app.close();

    await bus.publish([{ topic: LIFECYCLE, key: 'lead-1', value: 'after close', headers: {} }]);
    await bus.whenIdle();

    expect(seen.batches).toEqual([]);
  });

  it('consumes as the consumer group a handler names, dead-lettering for that group only', async () => {
    const seen = await start({ keepHandlerErrors: true, module: TwoGroupsModule });
    const deadLetters = await collectDeadLettersOf(SCORED);

    await bus.publish([
      { topic: SCORED, key: 'lead-1', value: 'poison', headers: {} },
      { topic: `${SCORED}.copy`, key: 'lead-1', value: 'poison', headers: {} },
    ]);
    await bus.whenIdle();

    expect(seen.groups).toContain('marketing-scoring:poison');
    expect(seen.groups).toContain('sales-acceptance:poison');
    expect(deadLetters.map((m) => m.headers[DEAD_LETTER_HEADERS.consumerGroup])).toEqual([
      'marketing-scoring',
    ]);
  });
});
