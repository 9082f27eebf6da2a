import { PgliteDriver, PgDriver } from '@leadledger/eventstore';
import { ReadModelDatabase } from '@leadledger/platform';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { assertTableNames, ensureAnalystRole, existingTables } from './analyst-role';
import { AnalystSqlServer } from './analyst-sql-server';

export interface AnalystAccessSettings {
  /** The embedded pipeline's wire-protocol port; undefined: not served. */
  readonly port?: number;
  readonly role: string;
  readonly password?: string;
  /**
   * The tables of the read schema made for analysts: the only ones they may read. The read schema
   * also holds personal data and secrets (dead letters, API keys, contact data) never granted.
   */
  readonly tables: readonly string[];
}

/** How long start waits for the projections to create the tables analysts read. */
const TABLES_PATIENCE_MS = 60_000;

/**
 * Lets analysts reach the listed read-model tables with SQL, read-only: on PostgreSQL a role with
 * SELECT on those tables only; on PGlite (one process's database) the same database served over
 * the PostgreSQL wire protocol on loopback, as a role with the same grants. Both are set up once
 * every listed table exists (the grant covers only existing tables). Neither stops the service when
 * it cannot be set up (a port in use, a user who may not create roles, tables that never appear):
 * that is logged, and the HTTP API still answers.
 */
export class AnalystAccess implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AnalystSql');
  private server?: AnalystSqlServer;
  private starting?: Promise<void>;
  private readonly stopping = new AbortController();
  private readonly tables: readonly string[];

  constructor(
    private readonly readModels: ReadModelDatabase,
    private readonly settings: AnalystAccessSettings,
  ) {
    this.tables = assertTableNames(settings.tables);
  }

  onApplicationBootstrap(): void {
    this.starting = this.open().catch((error: unknown) =>
      this.logger.warn({ error: String(error) }, 'analysts cannot reach the read models with SQL'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.starting;
    await this.server?.stop();
  }

  private async open(): Promise<void> {
    const { sql, schema } = this.readModels;
    if (!(sql instanceof PgliteDriver || sql instanceof PgDriver)) return;
    if (sql instanceof PgliteDriver && this.settings.port === undefined) return;
    if (!(await this.tablesExist())) return;
    if (sql instanceof PgliteDriver) {
      const server = new AnalystSqlServer({
        db: sql.pglite,
        port: this.settings.port,
        schema,
        role: this.settings.role,
        tables: this.tables,
      });
      const { port, missingTables } = await server.start();
      this.server = server;
      this.logger.log(
        { port, schema, tables: granted(this.tables, missingTables) },
        `analysts can query ${schema} read-only: psql -h 127.0.0.1 -p ${port}`,
      );
    } else {
      const result = await ensureAnalystRole(sql, {
        schema,
        role: this.settings.role,
        tables: this.tables,
        ...(this.settings.password ? { password: this.settings.password } : {}),
      });
      if (result.reason)
        this.logger.warn({ role: this.settings.role, reason: result.reason }, 'analyst role not set up');
      else
        this.logger.log(
          {
            role: this.settings.role,
            schema,
            created: result.created,
            tables: granted(this.tables, result.missingTables),
          },
          'analyst role can read the analytics tables',
        );
    }
  }

  /** Waits for every listed table; false when stopping or when some never appeared (logged). */
  private async tablesExist(): Promise<boolean> {
    const { sql, schema } = this.readModels;
    const deadline = Date.now() + TABLES_PATIENCE_MS;
    let missing: readonly string[] = this.tables;
    while (!this.stopping.signal.aborted) {
      const found = new Set(await existingTables(sql, schema, this.tables));
      missing = this.tables.filter((table) => !found.has(table));
      if (missing.length === 0) return true;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!this.stopping.signal.aborted)
      this.logger.warn(
        { schema, missing },
        'analyst SQL access not set up: tables analysts read do not exist',
      );
    return false;
  }
}

function granted(tables: readonly string[], missing: readonly string[]): string[] {
  return tables.filter((table) => !missing.includes(table));
}
