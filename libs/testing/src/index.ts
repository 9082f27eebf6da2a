export { testPostgresUrl, uniqueSchemaName, dropSchema } from './lib/postgres';
export {
  ensureTopics,
  recordTopics,
  testKafkaBrokers,
  type ReceivedMessage,
  type TopicRecorder,
} from './lib/kafka';
export { testEventStoreDbConnectionString, eventStoreDbConfigured } from './lib/eventstoredb';
export { dockerAvailable } from './lib/docker';
export { parseExposition, sampleValue, type Family, type Sample } from './lib/prometheus-text';
export { eventually } from './lib/eventually';
export { realServicesEnvironment } from './lib/services-environment';
export {
  startPipelineProcess,
  freePort,
  type PipelineProcess,
  type PipelineProcessOptions,
} from './lib/pipeline-process';
export { TEST_ADMIN_KEY, ADMIN_HEADERS, asAdmin } from './lib/credentials';
export {
  startTestIdentityProvider,
  TEST_ISSUER,
  TEST_AUDIENCE,
  type TestIdentityProvider,
} from './lib/jwks-server';
export { exitOf, type ChildExit } from './lib/child-exit';
export { ManualClock } from './lib/manual-clock';
export { expectOnlyConfigurationErrors, type ConfigurationFuzz } from './lib/configuration-fuzz';
