export * from './lib/message-bus.port';
export * from './lib/dead-letter';
export * from './lib/deliver-batch';
export * from './lib/handling/derive-event-id';
export * from './lib/handling/decide-and-append';
export * from './lib/relay/event-relay';
export * from './lib/messaging-observer';
export { ConsumptionStoppedError } from './lib/kafka/stoppable-delivery';
export { KafkaMessageBus, type KafkaMessageBusOptions } from './lib/kafka/kafka-message-bus';
export {
  InProcessMessageBus,
  ConsumerGroupStoppedError,
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
