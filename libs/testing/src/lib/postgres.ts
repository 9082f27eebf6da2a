import { Client } from 'pg';
import { dockerAvailable } from './docker';
import { runRepoScript } from './repo-scripts';

const LOCAL_TEST_DATABASE = 'leadledger_test';
let resolved: Promise<string> | undefined;

/**
 * A PostgreSQL URL for integration tests: `DATABASE_URL` when set, else a testcontainer where Docker
 * runs, else the server the repo's script starts on 127.0.0.1:5432. Never a skip: if none answers,
 * this rejects and the test fails.
 */
export function testPostgresUrl(): Promise<string> {
  resolved ??= resolvePostgresUrl();
  return resolved;
}

async function resolvePostgresUrl(): Promise<string> {
  const fromEnvironment = process.env.DATABASE_URL;
  if (fromEnvironment) {
    await assertPostgresAnswers(fromEnvironment, 'DATABASE_URL');
    return fromEnvironment;
  }
  if (dockerAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return container.getConnectionUri();
  }
  await runRepoScript('postgres', ['start']);
  await runRepoScript('postgres', ['ensure-db', LOCAL_TEST_DATABASE]);
  const url = `postgres://postgres@127.0.0.1:5432/${LOCAL_TEST_DATABASE}`;
  await assertPostgresAnswers(url, 'scripts/postgres.sh');
  return url;
}

async function assertPostgresAnswers(url: string, origin: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL from ${origin} (${redact(url)}) does not answer: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema name per test suite, so suites sharing one database never see each other's rows. */
export function uniqueSchemaName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
