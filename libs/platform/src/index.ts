export * from './lib/tokens';
export * from './lib/platform-config';
export { PlatformModule } from './lib/platform.module';
export { createServiceApp, runService, startServiceApp, type ServiceDefinition } from './lib/bootstrap';
export { DomainErrorFilter, HTTP_STATUS_OF_DOMAIN_ERROR } from './lib/http/domain-error.filter';
export { HttpErrorFilter, errorTypeOf } from './lib/http/http-error.filter';
export {
  ERROR_CODES,
  errorBodyOf,
  type ErrorBody,
  type ErrorCode,
  type ErrorIssue,
} from './lib/http/error-body';
export { ApiErrorResponses, ERROR_BODY_SCHEMA } from './lib/http/api-error-responses';
export {
  ReadModelDatabase,
  ManagedProjections,
  ManagedTicker,
  provideProjections,
  provideSchedule,
  type ScheduleOptions,
} from './lib/read-models';
export { ManagedLifecycleConsumer, provideLifecycleConsumer } from './lib/lifecycle-consumers';
export { reportUnreadableEvents } from './lib/unreadable-events';
export { uuidParam, ApiUuidParam } from './lib/http/uuid-param';
export { IfMatch, ApiIfMatchHeader, etagOf } from './lib/http/if-match';
export { AcceptsMediaTypes } from './lib/http/json-bodies-only.guard';
export { ndjsonLines, type NdjsonLine } from './lib/http/ndjson-lines';
export { queryText, queryLimit, invalidField } from './lib/http/query-params';
export {
  invalidRequest,
  readRequest,
  requestBodyOf,
  tidyJson,
  type InvalidRequestBody,
  type ReadResult,
} from './lib/http/request-body';
export { ResourceOwners, type OwnershipResolver } from './lib/access/resource-owners';
export { callerCause, type CallerCause } from './lib/access/caller-cause';
export { routesOf, type RouteWithPolicy } from './lib/access/route-policies';
export { ApiKeyRegistry } from './lib/access/api-key-registry';
export { readAccessConfig, type AccessConfig } from './lib/access/access-config';
