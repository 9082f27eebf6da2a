import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { SqlExecutor } from '@leadledger/eventstore';
import { assertRoleName, assertTableNames, ensureAnalystRole } from './analyst-role';

export interface AnalystSqlServerOptions {
  /** The application's own PGlite instance: analysts see the live read models. */
  db: PGlite;
  /** Default 5433; 0 picks a free port, which `start()` returns. */
  port?: number;
  /** A loopback address (127.0.0.1 by default, ::1, localhost): PGlite has no authentication. */
  host?: string;
  /** Connections open at once (default 4); more are refused with SQLSTATE 53300. */
  maxConnections?: number;
  /** `SET LOCAL statement_timeout` of every analyst statement (default 30 s); see the class comment. */
  statementTimeoutMs?: number;
  /**
   * The role analyst statements run as (default `analyst`), created with SELECT on `tables` only.
   * Servers sharing a database and a role share its grants: the last one started sets them.
   */
  role?: string;
  /** The read models' schema (default `read`). */
  schema?: string;
  /**
   * The tables of `schema` analysts may read; every other table there is refused. Granted at
   * `start()`: one that does not exist then is not readable until the next start (see `start`).
   */
  tables: readonly string[];
}

/**
 * Serves the application's PGlite over the PostgreSQL wire protocol so analysts can use psql or
 * any client on the read models, read-only.
 *
 * Why not `PGLiteSocketServer` as it is: it forwards the client's bytes to PGlite's one connection,
 * the one the application uses, and between two statements of an application transaction
 * (`runExclusive` takes only PGlite's query lock), so an analyst's BEGIN, SET, INSERT or ROLLBACK
 * would act on the application's session and transactions. From pglite-socket we use the
 * connection handler (framing, SSL refusal, cancel requests); the queue it hands messages to is
 * this file's, which decides what reaches PGlite and how.
 *
 * Each exchange (a simple Query, or an extended-protocol batch up to its Sync, kept in memory
 * until then) runs as one unit while holding both PGlite locks, so the application's statements
 * wait instead of interleaving:
 *   BEGIN; SET TRANSACTION READ ONLY; SET LOCAL ROLE <role>; SET LOCAL statement_timeout; <exchange>; ROLLBACK
 * PostgreSQL then enforces the read-only part itself: writes are refused by the read-only
 * transaction and by the role's privileges (SELECT on the listed tables only, no other table of
 * the schema, no superuser functions such as pg_switch_wal or replication slots, whose effects a
 * rollback would not undo), and every setting the exchange changes is undone by the ROLLBACK.
 * The client sees ReadyForQuery "idle".
 *
 * The session user is still PGlite's superuser, so a statement could switch back (`RESET ROLE`,
 * `set_config('role', ...)`): a lexical check first refuses what PostgreSQL would let through:
 * anything but one SELECT / WITH / VALUES / TABLE / EXPLAIN / SHOW per message (SET, RESET,
 * BEGIN...), set_config, the functions that run SQL given as text (query_to_xml, ts_stat...),
 * and advisory locks (session locks outlive the rollback). It also refuses INSERT, UPDATE, DELETE
 * and MERGE anywhere outside literals (in WITH, EXPLAIN ANALYZE), which PostgreSQL refuses too,
 * so that the analyst reads why. Named prepared statements are renamed per connection and
 * closed when it ends.
 *
 * Limits:
 * - PGlite runs a statement synchronously on the event loop and emulates PostgreSQL's timers with
 *   setTimeout, so `statement_timeout` is set but cannot fire: a long analyst statement (a huge
 *   cross join, pg_sleep) blocks the application until it ends. Nothing is held between messages
 *   or while a client is slow to send, only while PGlite executes. Cancel requests are ignored.
 * - No transactions spanning messages (BEGIN ... COMMIT), no cursors, COPY, SET, LISTEN, no
 *   Flush before Sync (portal-suspending cursor clients), no function-call messages, no U&"..."
 *   escapes; a column named like a write verb must be double-quoted. Each statement sees the data
 *   as of its own start.
 * - No authentication: whoever can reach the loopback port can read the listed tables and the
 *   catalogs (which name every table and column, not their rows).
 * - User-defined SECURITY DEFINER or dynamic-SQL functions in the database are outside the check.
 */
export class AnalystSqlServer {
  private readonly db: PGlite;
  private readonly port: number;
  private readonly host: string;
  private readonly maxConnections: number;
  private readonly role: string;
  private readonly schema: string;
  private readonly tables: readonly string[];
  private readonly runner: ReadOnlyRunner;
  private server: Server | undefined;
  private readonly connections = new Map<Socket, PGLiteSocketHandler>();
  /** Every socket, those refused over maxConnections included, so that stop() can end them. */
  private readonly sockets = new Set<Socket>();

  constructor(options: AnalystSqlServerOptions) {
    this.db = options.db;
    this.port = options.port ?? 5433;
    this.host = options.host ?? '127.0.0.1';
    this.maxConnections = options.maxConnections ?? 4;
    this.role = assertRoleName(options.role ?? 'analyst');
    this.schema = options.schema ?? 'read';
    this.tables = assertTableNames(options.tables);
    const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65_535) {
      throw new RangeError(`analyst SQL port ${this.port} is not a TCP port`);
    }
    if (!isLoopback(this.host)) {
      throw new RangeError(
        `analyst SQL host ${this.host} is not a loopback address: PGlite has no authentication`,
      );
    }
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) {
      throw new RangeError(
        `analyst SQL maxConnections must be a positive integer, got ${this.maxConnections}`,
      );
    }
    if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1) {
      throw new RangeError(
        `analyst SQL statementTimeoutMs must be a positive integer, got ${statementTimeoutMs}`,
      );
    }
    this.runner = new ReadOnlyRunner(this.db, this.role, statementTimeoutMs);
  }

  /**
   * Creates the analyst role if needed and grants it SELECT on `tables`, then listens; resolves to
   * the port actually bound and the listed tables that did not exist, hence were not granted.
   * Rejects while `schema` does not exist. Start this once the tables exist: the grant is made
   * here only (not per connection, which would hold PGlite's lock each time), so a table created
   * later is refused to analysts until the server is started again.
   */
  async start(): Promise<{ port: number; missingTables: string[] }> {
    if (this.server) throw new Error('the analyst SQL server is already started');
    await this.db.waitReady;
    // PGlite's session user is a superuser, so only a missing schema can make this fail.
    const role = await ensureAnalystRole(pgliteExecutor(this.db), {
      schema: this.schema,
      role: this.role,
      tables: this.tables,
    });
    if (role.reason !== undefined) throw new Error(role.reason);

    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A failed accept (EMFILE) concerns one client; it must not become an uncaught 'error'.
    server.on('error', () => undefined);
    this.server = server;
    return { port: (server.address() as AddressInfo).port, missingTables: role.missingTables };
  }

  /** Stops listening, ends every analyst connection and waits for their statements to finish. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.connections.values()].map((handler) => handler.detach(true)));
    this.connections.clear();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.connections.size >= this.maxConnections) {
      socket.on('error', () => undefined);
      socket.end(
        errorResponse({
          code: '53300',
          message: `too many analyst connections (at most ${this.maxConnections})`,
        }),
      );
      // A client that does not close its end would keep the slot-less socket open for ever.
      setTimeout(() => socket.destroy(), 5_000).unref();
      return;
    }
    const session = new AnalystSession(this.runner);
    const handler = new PGLiteSocketHandler({
      // Structurally what the handler calls; its declared type is pglite-socket's unexported class.
      queryQueue: session as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    this.connections.set(socket, handler);
    const release = () => this.connections.delete(socket);
    handler.addEventListener('close', release);
    handler.addEventListener('error', release);
    void handler.attach(socket);
  }
}

// ---------------------------------------------------------------------------------------------
// One analyst connection: turns its messages into read-only exchanges.
// ---------------------------------------------------------------------------------------------

const PROTOCOL_3_0 = 196_608;
/** A whole extended-protocol batch is held until its Sync; this bounds it. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

type Send = (bytes: Uint8Array) => void;

/** Implements the three methods PGLiteSocketHandler calls on its queue, for one connection. */
class AnalystSession {
  private started = false;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private batchExecutes = 0;
  private batchParsedUnnamed = false;
  /** An error was sent for the current batch: the rest is discarded up to Sync, as PostgreSQL does. */
  private batchFailed = false;
  /** Client statement name → name in PGlite's session, which other connections share. */
  private readonly statements = new Map<string, string>();
  private readonly id = nextSessionId++;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly runner: ReadOnlyRunner) {}

  /** Messages of one connection are handled in arrival order, one at a time. */
  enqueue(_handlerId: number, message: Uint8Array, onData: Send): Promise<number> {
    const handled = this.tail.then(async () => {
      if (!this.closed) await this.handle(message, onData);
      return 0;
    });
    this.tail = handled.catch(() => undefined);
    return handled;
  }

  clearQueueForHandler(): void {
    this.closed = true;
  }

  /** Called when the connection ends: closes its prepared statements in the shared session. */
  clearTransactionIfNeeded(): Promise<void> {
    this.closed = true;
    this.closing ??= this.tail.then(async () => {
      if (this.statements.size === 0) return;
      const closes = [...this.statements.values()].map((name) =>
        frame('C', [Uint8Array.of(0x53), cString(name)]),
      );
      await this.runner.run(concat([...closes, SYNC]), () => undefined).catch(() => undefined);
      this.statements.clear();
    });
    return this.closing;
  }

  private async handle(message: Uint8Array, send: Send): Promise<void> {
    if (!this.started) return this.startup(message, send);
    const type = String.fromCharCode(message[0]);
    switch (type) {
      case 'Q':
        return this.simpleQuery(message, send);
      case 'P':
      case 'B':
      case 'D':
      case 'E':
      case 'C':
        return this.extended(type, message, send);
      case 'S':
        return this.sync(message, send);
      case 'X':
        return;
      case 'H':
        // Replies are sent as soon as they exist; only a batch awaiting results before its Sync
        // (a cursor-style client) cannot be served, as it would hold PGlite across round trips.
        if (this.batch.length === 0) return;
        return this.failBatch(send, {
          code: '0A000',
          message: 'Flush before Sync is not supported by the read-only analyst server: send Sync',
        });
      default:
        return this.refuse(send, {
          code: '0A000',
          message: `protocol message '${type}' is not supported by the read-only analyst server`,
        });
    }
  }

  private async startup(message: Uint8Array, send: Send): Promise<void> {
    if (message.length < 8 || readInt32(message, 4) !== PROTOCOL_3_0) {
      send(errorResponse({ code: '08P01', message: 'expected a protocol 3.0 startup message' }));
      return;
    }
    this.started = true;
    await this.runner.run(STARTUP, send);
  }

  private async simpleQuery(message: Uint8Array, send: Send): Promise<void> {
    if (this.batchFailed) return;
    if (this.batch.length > 0) {
      return this.failBatch(send, {
        code: '08P01',
        message: 'Query message before the Sync of an extended batch',
      });
    }
    const refusal = refusalOf(readCString(message, 5).text);
    if (refusal) {
      send(errorResponse(refusal));
      send(READY_IDLE);
      return;
    }
    await this.runner.run(message, send);
  }

  private extended(type: string, message: Uint8Array, send: Send): void {
    if (this.batchFailed) return;
    const rewritten = this.check(type, message);
    if ('code' in rewritten) return this.failBatch(send, rewritten);
    this.batch.push(rewritten.message);
    this.batchBytes += rewritten.message.length;
    if (this.batchBytes > MAX_BATCH_BYTES) {
      this.failBatch(send, {
        code: '54000',
        message: `extended-protocol batch over ${MAX_BATCH_BYTES} bytes`,
      });
    }
  }

  /** Checks Parse's SQL and maps statement names; returns the message to forward or a refusal. */
  private check(type: string, message: Uint8Array): { message: Uint8Array } | Refusal {
    const body = message.subarray(5);
    switch (type) {
      case 'P': {
        const name = readCString(body, 0);
        const query = readCString(body, name.end);
        const refusal = refusalOf(query.text);
        if (refusal) return refusal;
        if (name.text === '') this.batchParsedUnnamed = true;
        return { message: frame('P', [cString(this.serverName(name.text)), body.subarray(name.end)]) };
      }
      case 'B': {
        const portal = readCString(body, 0);
        const statement = readCString(body, portal.end);
        const mapped = this.statementReference(statement.text);
        if (typeof mapped !== 'string') return mapped;
        return {
          message: frame('B', [body.subarray(0, portal.end), cString(mapped), body.subarray(statement.end)]),
        };
      }
      case 'D':
      case 'C': {
        if (body[0] !== 0x53 /* S: a statement; P: a portal, which dies with the transaction */) {
          return { message };
        }
        const statement = readCString(body, 1);
        const mapped =
          type === 'C' ? this.serverName(statement.text) : this.statementReference(statement.text);
        if (typeof mapped !== 'string') return mapped;
        return { message: frame(type, [Uint8Array.of(0x53), cString(mapped)]) };
      }
      default: {
        this.batchExecutes += 1;
        // One statement per exchange, as for a simple Query: nothing a first statement might
        // change survives into a second one.
        if (this.batchExecutes > 1)
          return { code: '0A000', message: 'one Execute per Sync on the analyst server' };
        return { message };
      }
    }
  }

  /**
   * The unnamed statement of PGlite's shared session may be another client's or the
   * application's last statement: it is usable only when parsed in this very batch.
   */
  private statementReference(name: string): string | Refusal {
    if (name !== '') return this.serverName(name);
    if (this.batchParsedUnnamed) return '';
    return {
      code: '26000',
      message: 'unnamed prepared statement does not exist: Parse it in the same batch',
    };
  }

  private serverName(name: string): string {
    if (name === '') return '';
    let mapped = this.statements.get(name);
    if (mapped === undefined) {
      mapped = `analyst${this.id}_${this.statements.size + 1}`;
      this.statements.set(name, mapped);
    }
    return mapped;
  }

  private async sync(message: Uint8Array, send: Send): Promise<void> {
    const batch = this.batch;
    const failed = this.batchFailed;
    this.resetBatch();
    if (failed || batch.length === 0) {
      send(READY_IDLE);
      return;
    }
    await this.runner.run(concat([...batch, message]), send);
  }

  private refuse(send: Send, refusal: Refusal): void {
    if (this.batch.length > 0 || this.batchFailed) return this.failBatch(send, refusal);
    send(errorResponse(refusal));
    send(READY_IDLE);
  }

  private failBatch(send: Send, refusal: Refusal): void {
    if (!this.batchFailed) send(errorResponse(refusal));
    this.resetBatch();
    this.batchFailed = true;
  }

  private resetBatch(): void {
    this.batch = [];
    this.batchBytes = 0;
    this.batchExecutes = 0;
    this.batchParsedUnnamed = false;
    this.batchFailed = false;
  }
}

let nextSessionId = 1;

// ---------------------------------------------------------------------------------------------
// Running an exchange on the application's PGlite.
// ---------------------------------------------------------------------------------------------

class ReadOnlyRunner {
  private readonly setup: string;

  constructor(
    private readonly db: PGlite,
    role: string,
    statementTimeoutMs: number,
  ) {
    this.setup = `SET TRANSACTION READ ONLY; SET LOCAL ROLE "${role}"; SET LOCAL statement_timeout = ${statementTimeoutMs}`;
  }

  /**
   * `transaction` holds PGlite's transaction lock throughout (the application's query, exec and
   * transaction all wait for it) and `runExclusive` its query lock, which raw protocol bypasses.
   */
  async run(messages: Uint8Array, send: Send): Promise<void> {
    const relay = new BackendRelay(send);
    try {
      await this.db.transaction(async (tx) => {
        await tx.exec(this.setup);
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(messages, {
            syncToFs: false,
            onRawData: (bytes) => relay.push(bytes),
          }),
        );
        await tx.rollback();
      });
    } catch (error) {
      if (relay.sentReadyForQuery) return;
      send(
        errorResponse({ code: 'XX000', message: `analyst statement not run: ${(error as Error).message}` }),
      );
      send(READY_IDLE);
    }
  }
}

/**
 * Passes PGlite's replies through, except: ReadyForQuery says "idle" (the transaction is ours
 * and is rolled back), and notifications, which are the application's, are dropped.
 */
class BackendRelay {
  private readonly header = new Uint8Array(5);
  private headerLength = 0;
  private type = 0;
  private remaining = 0;
  sentReadyForQuery = false;

  constructor(private readonly send: Send) {}

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.headerLength < 5) {
        const take = Math.min(5 - this.headerLength, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerLength);
        this.headerLength += take;
        offset += take;
        if (this.headerLength < 5) return;
        this.type = this.header[0];
        this.remaining = Math.max(0, readInt32(this.header, 1) - 4);
        if (this.type !== NOTIFICATION_RESPONSE) this.send(this.header.slice());
        if (this.remaining === 0) this.headerLength = 0;
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      if (this.type === READY_FOR_QUERY) {
        this.send(Uint8Array.of(IDLE));
        this.sentReadyForQuery = true;
      } else if (this.type !== NOTIFICATION_RESPONSE) {
        this.send(chunk.subarray(offset, offset + take));
      }
      offset += take;
      this.remaining -= take;
      if (this.remaining === 0) this.headerLength = 0;
    }
  }
}

function pgliteExecutor(db: PGlite): SqlExecutor & {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
} {
  const over = (target: Pick<PGlite, 'query'>): SqlExecutor => ({
    query: async <Row>(sql: string, params: readonly unknown[] = []) =>
      (await target.query<Row>(sql, [...params])).rows,
  });
  return { ...over(db), transaction: (work) => db.transaction((tx) => work(over(tx))) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// ---------------------------------------------------------------------------------------------
// The lexical check of analyst SQL.
// ---------------------------------------------------------------------------------------------

interface Refusal {
  code: string;
  message: string;
}

const STATEMENTS_ALLOWED = new Set(['select', 'with', 'values', 'table', 'explain', 'show']);
/** Written inside WITH or EXPLAIN ANALYZE; a second line of defence, and a clearer message. */
const WRITE_VERBS = new Set(['insert', 'update', 'delete', 'merge']);
const FUNCTIONS_DENIED = new Set([
  // changes any setting, the role included: the one way back to the superuser from a SELECT
  'set_config',
  // run SQL given as text, which the check cannot see
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'cursor_to_xmlschema',
  'ts_stat',
  'ts_rewrite',
]);
/** Session-level advisory locks survive the rollback, in the application's session. */
const DENIED_PREFIXES = ['pg_advisory', 'pg_try_advisory'];

export function refusalOf(sql: string): Refusal | undefined {
  const tokens = tokenize(sql);
  if (!Array.isArray(tokens)) return tokens;
  const statements: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === ';') statements.push([]);
    else statements[statements.length - 1].push(token);
  }
  const nonEmpty = statements.filter((statement) => statement.length > 0);
  if (nonEmpty.length === 0) return undefined;
  if (nonEmpty.length > 1) {
    return { code: '0A000', message: 'one statement per message on the analyst server' };
  }
  const first = nonEmpty[0].find((token) => token.kind !== '(');
  if (first?.kind !== 'word' || !STATEMENTS_ALLOWED.has(first.text)) {
    const what = first?.kind === 'word' ? first.text.toUpperCase() : 'this statement';
    return {
      code: '25006',
      message: `read-only analyst access: ${what} is not allowed, only SELECT, WITH, VALUES, TABLE, EXPLAIN and SHOW`,
    };
  }
  for (const token of nonEmpty[0]) {
    if (token.kind === 'word' && WRITE_VERBS.has(token.text)) {
      return {
        code: '25006',
        message: `read-only analyst access: ${token.text.toUpperCase()} is not allowed`,
      };
    }
    if (
      (token.kind === 'word' || token.kind === 'quoted') &&
      (FUNCTIONS_DENIED.has(token.text) || DENIED_PREFIXES.some((prefix) => token.text.startsWith(prefix)))
    ) {
      return { code: '42501', message: `read-only analyst access: ${token.text} is not available` };
    }
  }
  return undefined;
}

interface Token {
  /** word: unquoted identifier or keyword, lower-cased; quoted: "identifier" as written. */
  kind: 'word' | 'quoted' | ';' | '(' | 'other';
  text: string;
}

/**
 * PostgreSQL's lexical structure, as far as needed to tell code from literals and comments:
 * nested comments, '' / E'' / B'' / X'' / N'' strings, "identifiers", $tag$ quoting. The server
 * runs with standard_conforming_strings on, which analysts cannot change.
 */
function tokenize(sql: string): Token[] | Refusal {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      i = skipString(sql, i, false);
      tokens.push({ kind: 'other', text: '' });
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"');
      tokens.push({ kind: 'quoted', text: sql.slice(i + 1, end - 1).replace(/""/g, '"') });
      i = end;
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(
        sql.slice(i, i + 128),
      )?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
      } else {
        i += 1;
        while (i < sql.length && /[0-9]/.test(sql[i])) i += 1;
      }
      tokens.push({ kind: 'other', text: '' });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[end])) end += 1;
      const word = sql.slice(i, end);
      if (/^u$/i.test(word) && sql[end] === '&' && (sql[end + 1] === "'" || sql[end + 1] === '"')) {
        return {
          code: '0A000',
          message: 'U&"..." and U&\'...\' escapes are not supported by the analyst server',
        };
      }
      if (sql[end] === "'" && /^[ebxn]$/i.test(word)) {
        i = skipString(sql, end, /^e$/i.test(word));
        tokens.push({ kind: 'other', text: '' });
      } else {
        tokens.push({ kind: 'word', text: word.toLowerCase() });
        i = end;
      }
    } else if (/[0-9]/.test(c)) {
      while (i < sql.length && /[0-9A-Za-z_.]/.test(sql[i])) i += 1;
      tokens.push({ kind: 'other', text: '' });
    } else {
      tokens.push({ kind: c === ';' ? ';' : c === '(' ? '(' : 'other', text: c });
      i += 1;
    }
  }
  return tokens;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** From an opening quote to just after its closing one; with `backslashes`, \x escapes (E''). */
function skipString(sql: string, start: number, backslashes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashes && sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

// ---------------------------------------------------------------------------------------------
// Wire format.
// ---------------------------------------------------------------------------------------------

const READY_FOR_QUERY = 0x5a; // Z
const NOTIFICATION_RESPONSE = 0x41; // A
const IDLE = 0x49; // I
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const SYNC = frame('S', []);
const READY_IDLE = frame('Z', [Uint8Array.of(IDLE)]);

/**
 * The client's own startup parameters (user, database, `options=-c ...`) are not passed on: the
 * session is the application's. This one only makes PGlite describe the session to the client.
 */
const STARTUP = startupMessage({ user: 'postgres', database: 'postgres' });

function frame(type: string, parts: Uint8Array[]): Uint8Array {
  const length = 4 + parts.reduce((sum, part) => sum + part.length, 0);
  const message = new Uint8Array(1 + length);
  message[0] = type.charCodeAt(0);
  new DataView(message.buffer).setInt32(1, length);
  let offset = 5;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}

function errorResponse({ code, message }: Refusal): Uint8Array {
  const field = (tag: string, value: string) => concat([encoder.encode(tag), cString(value)]);
  return frame('E', [
    field('S', 'ERROR'),
    field('V', 'ERROR'),
    field('C', code),
    field('M', message),
    Uint8Array.of(0),
  ]);
}

function startupMessage(parameters: Record<string, string>): Uint8Array {
  const body = concat([
    ...Object.entries(parameters).flatMap(([key, value]) => [cString(key), cString(value)]),
    Uint8Array.of(0),
  ]);
  const message = new Uint8Array(8 + body.length);
  const view = new DataView(message.buffer);
  view.setInt32(0, message.length);
  view.setInt32(4, PROTOCOL_3_0);
  message.set(body, 8);
  return message;
}

function cString(text: string): Uint8Array {
  return concat([encoder.encode(text), Uint8Array.of(0)]);
}

/** The zero-terminated string at `offset` and the offset just past its terminator. */
function readCString(bytes: Uint8Array, offset: number): { text: string; end: number } {
  let end = bytes.indexOf(0, offset);
  if (end === -1) end = bytes.length;
  return { text: decoder.decode(bytes.subarray(offset, end)), end: end + 1 };
}

function readInt32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(offset);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
