import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import {
  BaseRpcContext,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
} from '@nestjs/microservices';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type {
  BatchContext,
  Consumption,
  IncomingMessage,
  MessageBus,
  RetryPolicy,
} from '../message-bus.port';

/**
 * Names this transport in `@EventPattern(topic, MESSAGE_BUS_TRANSPORT)` when an app runs several
 * transports and a handler belongs to this one only; handlers without a transport go to all.
 */
export const MESSAGE_BUS_TRANSPORT = Symbol('leadledger.message-bus');

export interface MessageBusTransportOptions {
  /** The group of handlers that name none (`@EventPattern(topic, { consumerGroup })` names one). */
  readonly groupId: string;
  readonly retry?: RetryPolicy;
  /** A new group starts at the oldest message (default) rather than only new ones. */
  readonly fromBeginning?: boolean;
}

/** What `@Ctx()` receives: the batch's topic, partition and group, and its heartbeat. */
export class MessageBusContext
  extends BaseRpcContext<[topic: string, partition: number, consumerGroup: string]>
  implements BatchContext
{
  constructor(
    args: [topic: string, partition: number, consumerGroup: string],
    private readonly batchContext: BatchContext,
  ) {
    super(args);
  }

  getTopic(): string {
    return this.args[0];
  }

  getPartition(): number {
    return this.args[1];
  }

  getConsumerGroup(): string {
    return this.args[2];
  }

  heartbeat(): Promise<void> {
    return this.batchContext.heartbeat();
  }
}

/**
 * Stands for the error a handler threw after Nest's default RPC exception filter replaced it with
 * `{ status: 'error', message: 'Internal server error' }` (having logged the original). Without
 * MessageBusExceptionFilter, this is what retries and dead letters see.
 */
export class MaskedHandlerError extends Error {
  override readonly name = 'MaskedHandlerError';
}

/**
 * Hands a handler's exception to the message bus untouched. Nest's default RPC exception filter
 * turns every exception into `{ status, message: 'Internal server error' }`: the handler still
 * fails (and is retried), but a PermanentMessageError is no longer recognised (so it is retried
 * before it is dead-lettered) and the dead letter's `dlq_error` loses the reason. Register it on
 * the microservice: `microservice.useGlobalFilters(new MessageBusExceptionFilter())`, or per
 * controller with `@UseFilters(MessageBusExceptionFilter)`. Not as APP_FILTER in a hybrid app: it
 * would catch HTTP exceptions too.
 */
@Catch()
export class MessageBusExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * A Nest microservice transport over any MessageBus, with batch handlers:
 *
 * ```ts
 * @EventPattern(TOPICS.leadsInbound)
 * async handle(@Payload() batch: IncomingMessage[], @Ctx() context: MessageBusContext) { ... }
 * ```
 *
 * A handler gets one partition's batch, in order; resolving commits it, throwing hands it to the
 * bus' delivery policy (retries, poison isolation, `<topic>.dlq`).
 *
 * Why not Nest's built-in Kafka transport (ServerKafka): it consumes with kafkajs' eachMessage, one
 * message at a time, so there are no batch handlers; and a handler that keeps throwing makes the
 * whole consumer fail, restart and fetch the same message again, so one poison message stops its
 * partition for good: it has no bounded retries and no dead-letter topic. It also ties handlers to
 * Kafka, while the embedded pipeline runs the same controllers on the in-process bus.
 *
 * The transport owns the consumption, not the bus: close() stops consuming and leaves the bus,
 * which publishers may share, to whoever created it.
 */
export class MessageBusTransport extends Server implements CustomTransportStrategy {
  override transportId = MESSAGE_BUS_TRANSPORT;
  private consumptions: Consumption[] = [];

  constructor(
    private readonly bus: MessageBus,
    private readonly options: MessageBusTransportOptions,
  ) {
    super();
  }

  /** Called by Nest once the handlers are registered; `callback(error)` fails app.listen(). */
  listen(callback: (error?: unknown) => void): void {
    this.startConsuming().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    const consumptions = this.consumptions;
    this.consumptions = [];
    await Promise.all(consumptions.map((consumption) => consumption.stop()));
  }

  on(): never {
    throw new Error('MessageBusTransport emits no events; observe the bus through its MessagingObserver');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async startConsuming(): Promise<void> {
    const handlersByGroup = new Map<string, Map<string, MessageHandler>>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) {
        throw new Error(
          `@MessagePattern(${pattern}) needs a reply channel the message bus does not have; use @EventPattern`,
        );
      }
      if (!/^[A-Za-z0-9._-]+$/.test(pattern)) {
        throw new Error(`@EventPattern(${pattern}) must name a topic`);
      }
      if (handler.next) {
        // Nest chains a second handler of one pattern behind the first and runs both in one delivery,
        // so they could not be given groups of their own: consume a topic in several modules with
        // LifecycleConsumer values, or give one module the topic.
        throw new Error(`@EventPattern(${pattern}) is declared twice; one handler per topic per app`);
      }
      const group = consumerGroupOf(handler) ?? this.options.groupId;
      const topics = handlersByGroup.get(group) ?? new Map<string, MessageHandler>();
      topics.set(pattern, handler);
      handlersByGroup.set(group, topics);
    }
    if (handlersByGroup.size === 0) {
      this.logger.warn(`no @EventPattern handlers: consumer group ${this.options.groupId} consumes nothing`);
      return;
    }
    // One consume() per group for all its topics: on Kafka, members of one group must subscribe to
    // the same topics. Each module names its own group, so in a process running several modules a
    // message one of them cannot handle is dead-lettered for that module only.
    for (const [groupId, handlersByTopic] of handlersByGroup) {
      this.consumptions.push(
        await this.bus.consume({
          groupId,
          topics: [...handlersByTopic.keys()],
          retry: this.options.retry,
          fromBeginning: this.options.fromBeginning,
          handleBatch: (batch, context) => this.handleBatch(groupId, handlersByTopic, batch, context),
        }),
      );
    }
  }

  private async handleBatch(
    groupId: string,
    handlersByTopic: ReadonlyMap<string, MessageHandler>,
    batch: readonly IncomingMessage[],
    batchContext: BatchContext,
  ): Promise<void> {
    const { topic, partition } = batch[0];
    const handler = handlersByTopic.get(topic);
    if (!handler) throw new Error(`no @EventPattern handler for topic ${topic}`);
    const context = new MessageBusContext([topic, partition, groupId], batchContext);
    await this.withProcessingHooks(context, async () => {
      try {
        // Nest's handler proxy catches exceptions and returns them as an erroring Observable
        // (through the exception filters); unwrapping it here is what makes a throw reach the bus.
        const result: unknown = await handler([...batch], context);
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      } catch (error) {
        throw unmasked(error);
      }
    });
  }

  /** Runs the work inside Nest's processing hooks (instrumentation), as the built-in transports do. */
  private withProcessingHooks(context: MessageBusContext, work: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(this.transportId, context, () => {
        const done = work().finally(() => this.onProcessingEndHook?.(this.transportId, context));
        done.then(resolve, reject);
        return done;
      });
    });
  }
}

/** `@EventPattern(topic, { consumerGroup: 'lead-capture' })`: the module's own group, else the app's. */
export function consumerGroupOf(handler: MessageHandler): string | undefined {
  const group: unknown = handler.extras?.consumerGroup;
  return typeof group === 'string' && group.length > 0 ? group : undefined;
}

function unmasked(error: unknown): unknown {
  if (error instanceof Error) return error;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return new MaskedHandlerError(
      `${String(error.message)} (Nest's default exception filter hid the handler's error; ` +
        `register MessageBusExceptionFilter to keep it)`,
    );
  }
  return new MaskedHandlerError(String(error));
}
