import { testKafkaBrokers } from '@leadledger/testing';
import { logLevel } from 'kafkajs';
import { lifecycleFromBusCases } from '../../testing/lifecycle-from-bus.cases';
import { KafkaMessageBus } from '../kafka/kafka-message-bus';

lifecycleFromBusCases('KafkaMessageBus (real broker)', {
  createBus: async () =>
    new KafkaMessageBus({
      clientId: 'lifecycle-from-bus-spec',
      brokers: await testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    }),
  testTimeoutMs: 90_000,
  eventuallyTimeoutMs: 60_000,
});
