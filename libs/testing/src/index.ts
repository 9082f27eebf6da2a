export { testPostgresUrl, uniqueSchemaName, dropSchema } from './lib/postgres';
export { testKafkaBrokers } from './lib/kafka';
export { testEventStoreDbConnectionString, eventStoreDbConfigured } from './lib/eventstoredb';
export { dockerAvailable } from './lib/docker';
