import { dockerAvailable } from './docker';

let resolved: Promise<string | undefined> | undefined;

/**
 * An EventStoreDB connection string: `EVENTSTORE_CONNECTION_STRING` when set, else a testcontainer
 * where Docker runs, else undefined. EventStoreDB is the one optional service: no package registry
 * reachable here ships it, so its suite runs only where one of the two exists.
 */
export function testEventStoreDbConnectionString(): Promise<string | undefined> {
  resolved ??= resolveEventStoreDb();
  return resolved;
}

async function resolveEventStoreDb(): Promise<string | undefined> {
  const fromEnvironment = process.env.EVENTSTORE_CONNECTION_STRING;
  if (fromEnvironment) return fromEnvironment;
  if (!dockerAvailable()) return undefined;
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('eventstore/eventstore:24.10')
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_MEM_DB: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'None',
      EVENTSTORE_START_STANDARD_PROJECTIONS: 'false',
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((code) => code === 204))
    .start();
  return `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
}

/** Whether the EventStoreDB suite can run here; decided before jest collects the suite. */
export function eventStoreDbConfigured(): boolean {
  return Boolean(process.env.EVENTSTORE_CONNECTION_STRING) || dockerAvailable();
}
