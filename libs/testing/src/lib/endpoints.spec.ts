import { createServer, type Server } from 'node:net';
import { dockerAvailable } from './docker';
import { eventStoreDbConfigured } from './eventstoredb';
import { testKafkaBrokers } from './kafka';
import { testPostgresUrl } from './postgres';

/** A port that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Each resolver memoizes its first answer, so each is called by one test only.
describe('test endpoints from the environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails, never skips, when KAFKA_BROKERS names a broker that does not answer', async () => {
    const port = await closedPort();
    process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;

    await expect(testKafkaBrokers()).rejects.toThrow(
      `no Kafka broker from KAFKA_BROKERS (127.0.0.1:${port})`,
    );
  });

  it('fails, never skips, when DATABASE_URL names a server that does not answer', async () => {
    const port = await closedPort();
    process.env.DATABASE_URL = `postgres://app:secret@127.0.0.1:${port}/leads`;

    const failure = testPostgresUrl();
    await expect(failure).rejects.toThrow(/PostgreSQL from DATABASE_URL .* does not answer/);
    await expect(failure).rejects.toThrow('postgres://app:***@127.0.0.1');
  });

  it('reports EventStoreDB as not configured without its connection string or Docker', async () => {
    delete process.env.EVENTSTORE_CONNECTION_STRING;

    expect(eventStoreDbConfigured()).toBe(dockerAvailable());
    process.env.EVENTSTORE_CONNECTION_STRING = 'esdb://127.0.0.1:2113?tls=false';
    expect(eventStoreDbConfigured()).toBe(true);
  });
});
