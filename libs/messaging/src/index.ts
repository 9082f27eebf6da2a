export * from './lib/message-bus.port';
export * from './lib/dead-letter';
export * from './lib/deliver-batch';
export * from './lib/relay/event-relay';
export * from './lib/messaging-observer';
export {
  groupByStream,
  readLifecycleEvent,
  type LifecycleConsumer,
  type LifecycleEvent,
  type StreamEvents,
} from './lib/lifecycle/lifecycle-consumer';
export {
  consumeLifecycleFromBus,
  type LifecycleFromBusOptions,
} from './lib/lifecycle/consume-lifecycle-from-bus';
export {
  consumeLifecycleFromStore,
  lifecycleCheckpointName,
  type LifecycleFromStoreOptions,
  type LifecycleFromStoreObserver,
} from './lib/lifecycle/consume-lifecycle-from-store';
export { ConsumptionStoppedError } from './lib/kafka/stoppable-delivery';
export { KafkaMessageBus, type KafkaMessageBusOptions } from './lib/kafka/kafka-message-bus';
export {
  InProcessMessageBus,
  type InProcessMessageBusOptions,
} from './lib/in-process/in-process-message-bus';
export {
  MessageBusTransport,
  MessageBusContext,
  MessageBusExceptionFilter,
  MaskedHandlerError,
  MESSAGE_BUS_TRANSPORT,
  type MessageBusTransportOptions,
} from './lib/nest/message-bus.transport';
