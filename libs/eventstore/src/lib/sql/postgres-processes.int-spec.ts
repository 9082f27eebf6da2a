import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { dropSchema, exitOf, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import type { RecordedEvent } from '@leadledger/eventsourcing';
import { PgDriver } from './pg-driver';
import { SqlEventStore } from './sql-event-store';

const FIXTURE = resolve(__dirname, 'fixtures/concurrent-writers.ts');
const REPO_ROOT = resolve(__dirname, '../../../../..');
const PROCESSES = 4;
const WRITERS_PER_PROCESS = 5;
const EVENTS_PER_WRITER = 150;

/**
 * Group commit orders appends within one process; the append lock must still order the groups of
 * several processes, so that a subscriber resuming after its last position misses nothing.
 */
describe('SqlEventStore on PostgreSQL with writers in several processes', () => {
  let url: string;
  let schema: string;
  let store: SqlEventStore;

  beforeAll(async () => {
    url = await testPostgresUrl();
    schema = uniqueSchemaName('es_processes');
    store = await SqlEventStore.open(new PgDriver({ connectionString: url, max: 4 }), { schema });
  });

  afterAll(async () => {
    await store.close();
    await dropSchema(url, schema);
  });

  it('delivers every event of 20 concurrent writers in 4 processes once, in position order', async () => {
    const type = `Concurrent-${randomUUID()}`;
    const total = PROCESSES * WRITERS_PER_PROCESS * EVENTS_PER_WRITER;
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const subscribing = (async () => {
      for await (const event of store.subscribeToAll({ eventTypes: [type], signal: controller.signal })) {
        received.push(event);
        if (received.length === total) break;
      }
    })();

    const exits = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        exitOf(
          spawn(
            process.execPath,
            [
              '-r',
              'ts-node/register/transpile-only',
              FIXTURE,
              url,
              schema,
              type,
              String(WRITERS_PER_PROCESS),
              String(EVENTS_PER_WRITER),
            ],
            {
              cwd: REPO_ROOT,
              env: { ...process.env, TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.tools.json') },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          ),
        ),
      ),
    );
    expect(exits.map((exit) => [exit.code, exit.stderr])).toEqual(exits.map(() => [0, '']));
    // Once every writer is done, whatever the subscriber still lacks arrives within the safety poll.
    const timeout = setTimeout(() => controller.abort(), 20_000);
    await subscribing;
    clearTimeout(timeout);

    const stored = await store.readAll({ eventTypes: [type], maxCount: total + 1 });
    const seen = received.map((event) => event.id);
    expect(stored).toHaveLength(total);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(stored.map((event) => event.id));
    const positions = stored.map((event) => event.position);
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }, 120_000);
});
