export { describeEventStoreContract, type EventStoreContractOptions } from './event-store.contract';
