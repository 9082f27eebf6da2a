import { eventStoreDbConfigured, testEventStoreDbConnectionString } from '@leadledger/testing';
import { describeCheckpointStoreContract, describeEventStoreContract } from '../../testing';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

// No package registry reachable from our build machines ships EventStoreDB: this suite runs where
// EVENTSTORE_CONNECTION_STRING is set or Docker runs, and says so when it does not.
if (eventStoreDbConfigured()) {
  describeEventStoreContract(
    'EventStoreDB',
    async () => {
      const connectionString = await testEventStoreDbConnectionString();
      if (!connectionString) throw new Error('EventStoreDB was configured but did not start');
      return EventStoreDbEventStore.fromConnectionString(connectionString);
    },
    undefined,
    { atomicMultiStreamAppend: false },
  );
  describeCheckpointStoreContract('EventStoreDB', async () => {
    const connectionString = await testEventStoreDbConnectionString();
    if (!connectionString) throw new Error('EventStoreDB was configured but did not start');
    const store = EventStoreDbEventStore.fromConnectionString(connectionString);
    return { checkpoints: store.checkpoints, close: () => store.close() };
  });
} else {
  describe('EventStore contract: EventStoreDB', () => {
    it.skip('needs EVENTSTORE_CONNECTION_STRING or a Docker engine', () => undefined);
  });
}
