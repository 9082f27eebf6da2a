export * from './lib/tokens';
export * from './lib/platform-config';
export { PlatformModule } from './lib/platform.module';
export { createServiceApp, runService, startServiceApp, type ServiceDefinition } from './lib/bootstrap';
export { DomainErrorFilter, HTTP_STATUS_OF_DOMAIN_ERROR } from './lib/http/domain-error.filter';
export {
  ReadModelDatabase,
  ManagedProjections,
  ManagedTicker,
  provideProjections,
  provideSchedule,
  type ScheduleOptions,
} from './lib/read-models';
export { ManagedLifecycleConsumer, provideLifecycleConsumer } from './lib/lifecycle-consumers';
