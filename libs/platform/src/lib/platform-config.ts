import { isIP } from 'node:net';
import {
  InvalidEventStoreUrlError,
  parseEventStoreUrl,
  type EventStoreLocation,
} from '@leadledger/eventstore';

export interface PlatformConfig {
  /** Names the service in metrics, logs, the consumer group and the events' `source`. */
  readonly service: string;
  /** EVENT_STORE: esdb://…, postgres://…, or pglite://<directory>. */
  readonly eventStoreUrl: string;
  /** KAFKA_BROKERS; absent: the in-process bus (embedded pipeline only). */
  readonly kafkaBrokers?: readonly string[];
  /** PORT for HTTP. */
  readonly port: number;
  /**
   * HOST: the address HTTP listens on. 127.0.0.1 unless set: a try-out pipeline (perhaps with
   * AUTH=disabled) is reachable from other machines only when someone says so (0.0.0.0).
   */
  readonly host: string;
  /**
   * TRUST_PROXY: which proxies in front may name the client (X-Forwarded-For): a hop count, or
   * addresses, CIDRs and `loopback` / `linklocal` / `uniquelocal`. False unless set, so a client
   * cannot choose the address its failed authentications are counted against.
   */
  readonly trustProxy: false | number | string;
  /** RELAY: whether this process publishes the store's events to the bus. Run exactly one per store. */
  readonly relay: boolean;
  /** Where read models (projections) live. */
  readonly readModels: ReadModelsConfig;
}

export interface ReadModelsConfig {
  /**
   * READ_MODELS_URL: a PostgreSQL database for read models. Absent: the event store's own database,
   * which a SQL store has (and PGlite, with one connection, must share); EventStoreDB needs one.
   */
  readonly url?: string;
  /**
   * READ_SCHEMA: the schema analysts query. Defaults to `read`, or `<schema>_read` when EVENT_STORE
   * names a schema, so environments sharing one database keep their read models apart too.
   */
  readonly schema: string;
}

export interface PlatformDefaults {
  readonly service: string;
  readonly eventStoreUrl?: string;
  readonly port?: number;
  /** A standalone service hands work to the others through Kafka, so it refuses to start without it. */
  readonly requireKafka: boolean;
  readonly relay: boolean;
}

/** A configuration value that would make the process misbehave: it stops at start, naming the variable. */
export class InvalidConfigurationError extends Error {
  override readonly name = 'InvalidConfigurationError';

  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

const BROKER = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

export function readPlatformConfig(env: NodeJS.ProcessEnv, defaults: PlatformDefaults): PlatformConfig {
  const eventStoreUrl = env.EVENT_STORE?.trim() || defaults.eventStoreUrl;
  if (!eventStoreUrl)
    throw new InvalidConfigurationError(
      'EVENT_STORE',
      'is required: esdb://…, postgres://…, or pglite://<directory>',
    );
  let location: EventStoreLocation;
  try {
    location = parseEventStoreUrl(eventStoreUrl);
  } catch (error) {
    if (error instanceof InvalidEventStoreUrlError)
      throw new InvalidConfigurationError('EVENT_STORE', error.message.replace(/^EVENT_STORE /, ''));
    throw error;
  }
  const kafkaBrokers = readBrokers(env.KAFKA_BROKERS);
  if (defaults.requireKafka && !kafkaBrokers) {
    throw new InvalidConfigurationError(
      'KAFKA_BROKERS',
      `is required by ${defaults.service}: host:port[,host:port…] (only the pipeline app runs without Kafka)`,
    );
  }
  return {
    service: defaults.service,
    eventStoreUrl,
    ...(kafkaBrokers ? { kafkaBrokers } : {}),
    port: readPort(env.PORT, defaults.port ?? 3000),
    host: readHost(env.HOST),
    trustProxy: readTrustProxy(env.TRUST_PROXY),
    relay: readBoolean('RELAY', env.RELAY, defaults.relay),
    readModels: readReadModels(env, location),
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function readReadModels(env: NodeJS.ProcessEnv, location: EventStoreLocation): ReadModelsConfig {
  const url = env.READ_MODELS_URL?.trim() || undefined;
  if (url !== undefined && !/^postgres(ql)?:\/\//i.test(url)) {
    throw new InvalidConfigurationError('READ_MODELS_URL', `must be a postgres:// URL, got "${url}"`);
  }
  if (url === undefined && location.kind === 'eventstoredb') {
    throw new InvalidConfigurationError(
      'READ_MODELS_URL',
      'is required with an EventStoreDB EVENT_STORE: read models live in PostgreSQL (postgres://…)',
    );
  }
  const schema =
    env.READ_SCHEMA?.trim() || (location.schema && !url ? `${location.schema}_read`.slice(0, 63) : 'read');
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidConfigurationError(
      'READ_SCHEMA',
      `must be a lower-case SQL identifier, got "${schema}"`,
    );
  }
  return { ...(url ? { url } : {}), schema };
}

function readBrokers(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const brokers = value.split(',').map((broker) => broker.trim());
  const bad = brokers.find((broker) => !BROKER.test(broker));
  if (bad !== undefined) throw new InvalidConfigurationError('KAFKA_BROKERS', `has "${bad}", not host:port`);
  return brokers;
}

export const DEFAULT_HOST = '127.0.0.1';

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function readHost(value: string | undefined): string {
  const host = value?.trim();
  if (!host) return DEFAULT_HOST;
  // Node's listen() takes IPv6 without brackets; people write them with.
  const unbracketed = /^\[(.*)\]$/.exec(host)?.[1] ?? host;
  if (isIP(unbracketed) !== 0 || HOST_NAME.test(unbracketed)) return unbracketed;
  throw new InvalidConfigurationError(
    'HOST',
    `must be an IP address or a host name (0.0.0.0 for every interface), got "${value}"`,
  );
}

const PROXY_NAME = /^(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(\/\d{1,3})?)$/;

function readTrustProxy(value: string | undefined): false | number | string {
  const trusted = value?.trim();
  if (!trusted) return false;
  if (/^\d{1,2}$/.test(trusted)) return Number(trusted);
  const names = trusted.split(',').map((name) => name.trim());
  const bad = names.find(
    (name) => !PROXY_NAME.test(name) || (!name.includes('/') && /[.:]/.test(name) && isIP(name) === 0),
  );
  if (bad !== undefined) {
    throw new InvalidConfigurationError(
      'TRUST_PROXY',
      `must be a hop count or addresses, CIDRs, loopback, linklocal, uniquelocal; "${bad}" is none of them`,
    );
  }
  return names.join(',');
}

function readPort(value: string | undefined, fallback: number): number {
  return readWholeNumber('PORT', value, { min: 1, max: 65_535, fallback });
}

/** A whole-number setting within bounds, or its fallback when unset; anything else stops the process. */
export function readWholeNumber(
  variable: string,
  value: string | undefined,
  bounds: { readonly min: number; readonly max?: number; readonly fallback: number },
): number {
  if (value === undefined || value.trim() === '') return bounds.fallback;
  const number = Number(value);
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(number) || number < bounds.min || number > max) {
    const range =
      bounds.max === undefined ? `of at least ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
    throw new InvalidConfigurationError(variable, `must be a whole number ${range}, got "${value}"`);
  }
  return number;
}

function readBoolean(variable: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'on', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'off', 'no'].includes(normalized)) return false;
  throw new InvalidConfigurationError(variable, `must be true or false, got "${value}"`);
}
