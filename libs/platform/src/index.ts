export * from './lib/tokens';
export * from './lib/platform-config';
export { PlatformModule } from './lib/platform.module';
export { createServiceApp, runService, startServiceApp, type ServiceDefinition } from './lib/bootstrap';
