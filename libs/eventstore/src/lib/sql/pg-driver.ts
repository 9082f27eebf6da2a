import { Client, Pool, type PoolConfig } from 'pg';
import { withoutDataOnFailure } from './query-errors';
import type { SqlDriver, SqlExecutor } from './sql-driver';

const LISTENER_RECONNECT_MS = 1_000;

/** PostgreSQL through a `pg` pool, with one shared connection for LISTEN that fans out to every listener. */
export class PgDriver implements SqlDriver {
  private readonly pool: Pool;
  private readonly listeners = new Map<string, Set<() => void>>();
  private listenerClient?: Promise<Client>;
  private closed = false;

  constructor(private readonly config: PoolConfig) {
    this.pool = new Pool(config);
    // An idle pooled connection that the server drops emits here; the pool replaces it on next use.
    this.pool.on('error', () => undefined);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await withoutDataOnFailure(() => this.pool.query(sql, params as unknown[]));
    return result.rows as Row[];
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlExecutor = {
      query: async <Row>(sql: string, params: readonly unknown[] = []) =>
        (await withoutDataOnFailure(() => client.query(sql, params as unknown[]))).rows as Row[],
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    let channelListeners = this.listeners.get(channel);
    if (!channelListeners) {
      channelListeners = new Set();
      this.listeners.set(channel, channelListeners);
      const client = await this.listenerConnection();
      await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } else {
      await this.listenerConnection();
    }
    channelListeners.add(onNotify);
    return async () => {
      channelListeners.delete(onNotify);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listenerClient;
    this.listenerClient = undefined;
    if (listener) await (await listener.catch(() => undefined))?.end().catch(() => undefined);
    await this.pool.end();
  }

  private listenerConnection(): Promise<Client> {
    this.listenerClient ??= this.connectListener();
    return this.listenerClient;
  }

  private async connectListener(): Promise<Client> {
    const client = new Client(this.config);
    client.on('notification', (message) => {
      for (const onNotify of this.listeners.get(message.channel) ?? []) onNotify();
    });
    // A lost LISTEN connection is re-established; meanwhile subscribers fall back to polling, so
    // nothing is missed, only delivered a little later.
    const reconnect = () => {
      if (this.closed) return;
      this.listenerClient = undefined;
      setTimeout(() => {
        if (this.closed || this.listeners.size === 0) return;
        this.listenerConnection()
          .then((fresh) =>
            Promise.all([...this.listeners.keys()].map((ch) => fresh.query(`LISTEN ${quoteIdentifier(ch)}`))),
          )
          .then(() => this.wakeEveryone())
          .catch(reconnect);
      }, LISTENER_RECONNECT_MS).unref();
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    try {
      await client.connect();
    } catch (error) {
      this.listenerClient = undefined;
      throw error;
    }
    return client;
  }

  /** After a reconnect, notifications sent while we were away are lost: let every subscriber look. */
  private wakeEveryone(): void {
    for (const channelListeners of this.listeners.values())
      for (const onNotify of channelListeners) onNotify();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
