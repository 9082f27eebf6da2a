export { describeEventStoreContract, type EventStoreContractOptions } from './event-store.contract';
export { describeCheckpointStoreContract } from './checkpoint-store.contract';
