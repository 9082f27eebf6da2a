import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { type CheckpointStore, type EventStore } from '@leadledger/eventsourcing';
import { PgDriver } from './sql/pg-driver';
import { PgliteDriver } from './sql/pglite-driver';
import type { SqlDriver } from './sql/sql-driver';
import { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store';

export type EventStoreKind = 'eventstoredb' | 'postgres' | 'pglite';

export interface EventStoreLocation {
  readonly kind: EventStoreKind;
  /** Connection string (eventstoredb, postgres) or data directory (pglite; undefined: in memory). */
  readonly target: string | undefined;
  /** PostgreSQL schema from `?schema=`, so environments can share a database; else the default. */
  readonly schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class InvalidEventStoreUrlError extends Error {
  override readonly name = 'InvalidEventStoreUrlError';
}

/**
 * Reads `EVENT_STORE`: `esdb://…` or `esdb+discover://…` (EventStoreDB), `postgres://…` or
 * `postgresql://…` (PostgreSQL), `pglite://<directory>` or `pglite://memory` (embedded).
 */
export function parseEventStoreUrl(url: string): EventStoreLocation {
  const trimmed = url.trim();
  const scheme = /^([a-z+]+):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'esdb':
    case 'esdb+discover':
      return { kind: 'eventstoredb', target: trimmed };
    case 'postgres':
    case 'postgresql':
      return withSchema(trimmed);
    case 'pglite': {
      const directory = trimmed.slice('pglite://'.length);
      if (!directory)
        throw new InvalidEventStoreUrlError('EVENT_STORE pglite:// needs a directory, or "memory"');
      return { kind: 'pglite', target: directory === 'memory' ? undefined : directory };
    }
    default:
      throw new InvalidEventStoreUrlError(
        `EVENT_STORE "${url}" is not an event store URL: use esdb://…, postgres://…, or pglite://<directory>`,
      );
  }
}

function withSchema(url: string): EventStoreLocation {
  const match = /[?&]schema=([^&]*)/.exec(url);
  if (!match) return { kind: 'postgres', target: url };
  const schema = decodeURIComponent(match[1]);
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidEventStoreUrlError(`EVENT_STORE schema "${schema}" must be a lower-case SQL identifier`);
  }
  // pg would pass an unknown parameter on to the server, which refuses it.
  const target = url.replace(/([?&])schema=[^&]*&?/, '$1').replace(/[?&]$/, '');
  return { kind: 'postgres', target, schema };
}

export interface CreateEventStoreOptions extends SqlEventStoreOptions {
  readonly onSubscriptionDropped?: (error: unknown) => void;
}

/** An event store and the checkpoints kept beside it, on one connection; close once. */
export interface EventStorage {
  readonly kind: EventStoreKind;
  readonly events: EventStore;
  readonly checkpoints: CheckpointStore;
  /**
   * The store's own database when it is SQL (postgres, pglite), for read models kept beside the
   * events (libs/projections): PGlite has one connection, so they must share it. Owned by the
   * storage: closed by close(), never by its borrowers. Undefined for EventStoreDB.
   */
  readonly sql?: SqlDriver;
  close(): Promise<void>;
}

export async function openEventStorage(
  url: string,
  options: CreateEventStoreOptions = {},
): Promise<EventStorage> {
  const location = parseEventStoreUrl(url);
  const { store, sql } = await openStore(location, options);
  return {
    kind: location.kind,
    events: store,
    checkpoints: store.checkpoints,
    ...(sql ? { sql } : {}),
    close: () => store.close(),
  };
}

async function openStore(
  location: EventStoreLocation,
  options: CreateEventStoreOptions,
): Promise<{ store: SqlEventStore | EventStoreDbEventStore; sql?: SqlDriver }> {
  switch (location.kind) {
    case 'eventstoredb':
      return {
        store: EventStoreDbEventStore.fromConnectionString(
          location.target as string,
          options.onSubscriptionDropped,
        ),
      };
    case 'postgres': {
      const sql = new PgDriver({ connectionString: location.target, max: 20 });
      const store = await closingOnFailure(sql, () =>
        SqlEventStore.open(sql, { ...options, ...(location.schema ? { schema: location.schema } : {}) }),
      );
      return { store, sql };
    }
    case 'pglite': {
      const sql = await PgliteDriver.open(location.target);
      return { store: await closingOnFailure(sql, () => SqlEventStore.open(sql, options)), sql };
    }
  }
}

/** A store that failed to open (migrations refused, say) must not keep its pool or directory lock. */
async function closingOnFailure<T>(sql: SqlDriver, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    await sql.close().catch(() => undefined);
    throw error;
  }
}
