import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as connectSocket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { Client, type DatabaseError } from 'pg';
import { eventually } from '@leadledger/testing';
import { AnalystSqlServer, refusalOf } from './analyst-sql-server';

/** What psql 15 sends for `\dt read.*` (psql -E). */
const PSQL_DT_READ = `SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','t','s','')
  AND n.nspname OPERATOR(pg_catalog.~) '^(read)$' COLLATE pg_catalog.default
ORDER BY 1,2;`;

/** What analysts may read; `later` is created after the server started. */
const TABLES = ['leads', 'later'];

const LEADS = [
  { id: 1, name: 'Ana' },
  { id: 2, name: 'Ben' },
];

describe('AnalystSqlServer', () => {
  let db: PGlite;
  let server: AnalystSqlServer;
  let port: number;
  let missingAtStart: string[];
  let clients: Client[] = [];

  async function connect(to = port): Promise<Client> {
    const client = new Client({ host: '127.0.0.1', port: to, user: 'analyst', database: 'postgres' });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  async function refusal(client: Client, sql: string, values?: unknown[]): Promise<DatabaseError> {
    const error = await client.query(sql, values).then(
      () => undefined,
      (failure: DatabaseError) => failure,
    );
    if (!error) throw new Error(`analyst statement was not refused: ${sql}`);
    return error;
  }

  async function leads(): Promise<unknown[]> {
    return (await db.query('SELECT id, name FROM read.leads ORDER BY id')).rows;
  }

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(`
      CREATE SCHEMA read;
      CREATE TABLE read.leads (id integer PRIMARY KEY, name text NOT NULL);
      INSERT INTO read.leads VALUES (1, 'Ana'), (2, 'Ben');
      CREATE TABLE read.dead_letters (submission text);
      INSERT INTO read.dead_letters VALUES ('{"email":"ana@example.com"}');
      CREATE SEQUENCE read.lead_numbers;
      CREATE TABLE public.events (id integer);
      INSERT INTO public.events VALUES (1);
      CREATE TABLE public.app_writes (n integer);
    `);
    server = new AnalystSqlServer({
      db,
      port: 0,
      statementTimeoutMs: 200,
      maxConnections: 3,
      tables: TABLES,
    });
    ({ port, missingTables: missingAtStart } = await server.start());
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    clients = [];
  });

  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  describe('reading', () => {
    it('answers SELECT, WITH, EXPLAIN and SHOW over the simple protocol', async () => {
      const analyst = await connect();
      expect((await analyst.query('SELECT id, name FROM read.leads ORDER BY id')).rows).toEqual(LEADS);
      expect(
        (await analyst.query('WITH l AS (SELECT * FROM read.leads) SELECT count(*)::int AS n FROM l')).rows,
      ).toEqual([{ n: 2 }]);
      expect((await analyst.query('EXPLAIN SELECT * FROM read.leads')).rows.length).toBeGreaterThan(0);
      expect((await analyst.query('SHOW server_version')).rows[0].server_version).toMatch(/^\d+/);
    });

    it('answers parameterized queries over the extended protocol, named statements included', async () => {
      const analyst = await connect();
      expect((await analyst.query('SELECT name FROM read.leads WHERE id = $1', [2])).rows).toEqual([
        { name: 'Ben' },
      ]);
      const byId = { name: 'lead_by_id', text: 'SELECT name FROM read.leads WHERE id = $1' };
      expect((await analyst.query({ ...byId, values: [1] })).rows).toEqual([{ name: 'Ana' }]);
      // The second time pg binds the statement it parsed before, without parsing again.
      expect((await analyst.query({ ...byId, values: [2] })).rows).toEqual([{ name: 'Ben' }]);
    });

    it("answers psql's catalog queries", async () => {
      const analyst = await connect();
      const tables = await analyst.query(PSQL_DT_READ);
      // The catalogs name every table; only the rows of unlisted ones are refused.
      expect(tables.rows).toEqual([
        { Schema: 'read', Name: 'dead_letters', Type: 'table', Owner: 'postgres' },
        { Schema: 'read', Name: 'leads', Type: 'table', Owner: 'postgres' },
      ]);
    });

    it('refuses the tables of the read schema that are not listed', async () => {
      const analyst = await connect();
      for (const sql of [
        'SELECT * FROM read.dead_letters',
        'TABLE read.dead_letters',
        'SELECT l.name FROM read.leads l CROSS JOIN read.dead_letters',
        'WITH d AS (SELECT * FROM read.dead_letters) SELECT count(*) FROM d',
      ]) {
        const error = await refusal(analyst, sql);
        expect([sql, error.code, error.message]).toEqual([
          sql,
          '42501',
          expect.stringMatching(/permission denied.*dead_letters/),
        ]);
      }
      expect(
        (await refusal(analyst, 'SELECT * FROM read.dead_letters WHERE submission <> $1', [''])).code,
      ).toBe('42501');
      // The listed table still answers on the same connection.
      expect((await analyst.query('SELECT id, name FROM read.leads ORDER BY id')).rows).toEqual(LEADS);
    });

    it('grants a listed table created after it started at the next start only', async () => {
      expect(missingAtStart).toEqual(['later']);
      await db.exec("CREATE TABLE read.later (x text); INSERT INTO read.later VALUES ('new')");
      const analyst = await connect();
      expect((await refusal(analyst, 'SELECT x FROM read.later')).code).toBe('42501');

      // Another start with the same role (a restart) grants it, on every server of the role.
      const other = new AnalystSqlServer({ db, port: 0, tables: TABLES });
      await expect(other.start()).resolves.toEqual({ port: expect.any(Number), missingTables: [] });
      await other.stop();
      expect((await analyst.query('SELECT x FROM read.later')).rows).toEqual([{ x: 'new' }]);
      expect((await refusal(analyst, 'SELECT * FROM read.dead_letters')).code).toBe('42501');
    });

    it('reads nothing outside the read schema, and no superuser function', async () => {
      const analyst = await connect();
      expect((await refusal(analyst, 'SELECT * FROM public.events')).code).toBe('42501');
      expect((await refusal(analyst, 'SELECT pg_switch_wal()')).code).toBe('42501');
      expect((await refusal(analyst, "SELECT pg_read_file('postgresql.conf')")).code).toBe('42501');
    });
  });

  describe('writing is refused', () => {
    it.each([
      ['INSERT', "INSERT INTO read.leads VALUES (3, 'Eve')"],
      ['UPDATE', "UPDATE read.leads SET name = 'Eve'"],
      ['DELETE', 'DELETE FROM read.leads'],
      ['TRUNCATE', 'TRUNCATE read.leads'],
      ['CREATE TABLE', 'CREATE TABLE read.evil (x integer)'],
      ['DROP', 'DROP TABLE read.leads'],
      ['ALTER', 'ALTER TABLE read.leads ADD COLUMN evil text'],
      ['COPY FROM', 'COPY read.leads FROM STDIN'],
      ['SET', 'SET default_transaction_read_only = off'],
      ['RESET ROLE', 'RESET ROLE'],
      ['BEGIN', 'BEGIN'],
      ['BEGIN; INSERT', "BEGIN; INSERT INTO read.leads VALUES (3, 'Eve')"],
      ['SELECT; DELETE', 'SELECT 1; DELETE FROM read.leads'],
      [
        'a data-modifying WITH',
        'WITH gone AS (DELETE FROM read.leads RETURNING *) SELECT count(*) FROM gone',
      ],
      ['EXPLAIN ANALYZE of a write', 'EXPLAIN ANALYZE DELETE FROM read.leads'],
      ['SELECT INTO', 'SELECT * INTO TEMP TABLE copied FROM read.leads'],
      ['nextval', "SELECT nextval('read.lead_numbers')"],
      ['DO', 'DO $$ BEGIN DELETE FROM read.leads; END $$'],
      ['a write hidden behind a comment', '/* SELECT */ DELETE FROM read.leads'],
      ['set_config to become superuser', "SELECT set_config('role', 'postgres', false)"],
      [
        'SQL run from text',
        "SELECT query_to_xml('SELECT set_config(''role'', ''postgres'', true)', true, true, '')",
      ],
      ['a session advisory lock', 'SELECT pg_advisory_lock(42)'],
    ])('%s, with a PostgreSQL error and the data unchanged', async (_what, sql) => {
      const analyst = await connect();
      const error = await refusal(analyst, sql);
      expect(error.code).toMatch(/^(25006|42501|0A000)$/);
      expect(error.message.length).toBeGreaterThan(0);
      // The connection stays usable after the refusal.
      expect((await analyst.query('SELECT count(*)::int AS n FROM read.leads')).rows).toEqual([{ n: 2 }]);
      expect(await leads()).toEqual(LEADS);
    });

    it('also over the extended protocol', async () => {
      const analyst = await connect();
      expect((await refusal(analyst, 'INSERT INTO read.leads VALUES ($1, $2)', [3, 'Eve'])).code).toBe(
        '25006',
      );
      const error = await refusal(analyst, 'UPDATE read.leads SET name = $1 WHERE id = $2', ['Eve', 1]);
      expect(error.code).toBe('25006');
      expect((await analyst.query('SELECT name FROM read.leads WHERE id = $1', [1])).rows).toEqual([
        { name: 'Ana' },
      ]);
      expect(await leads()).toEqual(LEADS);
    });
  });

  describe("the application's shared connection", () => {
    it('is left as it was: not in a transaction, not read-only, not the analyst role, no lock', async () => {
      const analyst = await connect();
      await refusal(analyst, "BEGIN; INSERT INTO read.leads VALUES (3, 'Eve')");
      await refusal(analyst, 'SET default_transaction_read_only = on');
      await refusal(analyst, 'SELECT pg_advisory_lock(42)');
      await analyst.query('SELECT * FROM read.leads');

      expect(db.isInTransaction()).toBe(false);
      const [session] = (
        await db.query<Record<string, string>>(
          `SELECT current_user AS "user", current_setting('transaction_read_only') AS read_only,
                  current_setting('default_transaction_read_only') AS default_read_only,
                  current_setting('statement_timeout') AS timeout,
                  (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')::text AS advisory_locks`,
        )
      ).rows;
      expect(session).toEqual({
        user: 'postgres',
        read_only: 'off',
        default_read_only: 'off',
        timeout: '0',
        advisory_locks: '0',
      });
      await db.query('INSERT INTO public.app_writes VALUES (1)');
      await db.transaction(async (tx) => tx.query('INSERT INTO public.app_writes VALUES (2)'));
      expect((await db.query('SELECT count(*)::int AS n FROM public.app_writes')).rows).toEqual([{ n: 2 }]);
    });

    it("runs analyst statements between the application's transactions, never inside one", async () => {
      const analyst = await connect();
      let analystDone!: Promise<unknown>;
      await db.transaction(async (tx) => {
        await tx.query("INSERT INTO read.leads VALUES (90, 'pending')");
        analystDone = analyst.query('SELECT count(*)::int AS n FROM read.leads');
        await new Promise((resolve) => setTimeout(resolve, 150));
        await tx.query("INSERT INTO read.leads VALUES (91, 'pending')");
      });
      // The analyst waited for the commit: both rows, and the application's transaction intact.
      expect(((await analystDone) as { rows: unknown[] }).rows).toEqual([{ n: 4 }]);
      expect((await db.query('SELECT count(*)::int AS n FROM read.leads WHERE id >= 90')).rows).toEqual([
        { n: 2 },
      ]);
      await db.query('DELETE FROM read.leads WHERE id >= 90');
    });

    it('gets statement_timeout for the analyst statement only', async () => {
      const analyst = await connect();
      expect((await analyst.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '200ms' }]);
      expect((await db.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
    });

    // A limit, pinned so that it is noticed when it goes: PGlite runs a statement synchronously
    // on the event loop and emulates PostgreSQL's timers with setTimeout, which cannot fire then.
    it('is held for as long as an analyst statement runs: PGlite does not enforce statement_timeout', async () => {
      const analyst = await connect();
      const started = Date.now();
      await expect(analyst.query('SELECT pg_sleep(0.5)')).resolves.toBeDefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    });
  });

  describe('the wire protocol, message by message', () => {
    it("refuses to Bind the shared session's unnamed statement it did not Parse", async () => {
      // The application's last query leaves PGlite's unnamed statement behind.
      await db.query('SELECT id FROM public.events WHERE id = $1', [1]);
      const replies = await rawSession(port, [
        [bind(''), execute(), SYNC],
        [parse('', 'SELECT name FROM read.leads WHERE id = 1'), bind(''), execute(), SYNC],
      ]);
      expect(replies).toEqual([
        [
          { type: 'E', code: '26000' },
          { type: 'Z', status: 'I' },
        ],
        [{ type: '1' }, { type: '2' }, { type: 'D' }, { type: 'C' }, { type: 'Z', status: 'I' }],
      ]);
    });

    it('refuses Flush before Sync, two Executes in one batch and function calls, and carries on', async () => {
      const replies = await rawSession(port, [
        [parse('', 'SELECT 1'), message('H'), SYNC],
        [parse('', 'SELECT 1'), bind(''), execute(), bind(''), execute(), SYNC],
        [message('F', Buffer.alloc(10))],
        [message('Q', 'SELECT 1')],
      ]);
      expect(replies).toEqual([
        [
          { type: 'E', code: '0A000' },
          { type: 'Z', status: 'I' },
        ],
        [
          { type: 'E', code: '0A000' },
          { type: 'Z', status: 'I' },
        ],
        [
          { type: 'E', code: '0A000' },
          { type: 'Z', status: 'I' },
        ],
        [{ type: 'T' }, { type: 'D' }, { type: 'C' }, { type: 'Z', status: 'I' }],
      ]);
    });
  });

  describe('connections', () => {
    it('serves analysts one after the other and at once, each with its own prepared statements', async () => {
      const byId = { name: 'by_id', text: 'SELECT name FROM read.leads WHERE id = $1' };
      for (const id of [1, 2]) {
        const analyst = await connect();
        expect((await analyst.query({ ...byId, values: [id] })).rows).toEqual(
          [LEADS[id - 1]].map(({ name }) => ({ name })),
        );
        await analyst.end();
      }
      const together = await Promise.all([connect(), connect(), connect()]);
      const names = await Promise.all(
        together.map(
          async (analyst, i) => (await analyst.query({ ...byId, values: [(i % 2) + 1] })).rows[0].name,
        ),
      );
      expect(names).toEqual(['Ana', 'Ben', 'Ana']);
      await Promise.all(together.map((analyst) => analyst.end()));
      // Closed with their connections, not left in the shared session.
      const left = async () => (await db.query('SELECT name FROM pg_prepared_statements')).rows;
      await eventually(async () => ((await left()).length === 0 ? true : undefined), 5_000);
    });

    it('refuses connections beyond maxConnections', async () => {
      await Promise.all([connect(), connect(), connect()]);
      await expect(connect()).rejects.toThrow(/too many analyst connections/);
    });

    it('listens on loopback only', () => {
      expect(() => new AnalystSqlServer({ db, host: '0.0.0.0', tables: TABLES })).toThrow(/loopback/);
      expect(() => new AnalystSqlServer({ db, host: '192.168.1.10', tables: TABLES })).toThrow(/loopback/);
    });

    it('takes table names that are plain identifiers only', () => {
      expect(() => new AnalystSqlServer({ db, tables: ['leads', 'x"; DROP TABLE read.leads; --'] })).toThrow(
        /identifier/,
      );
    });

    it('stop() closes the port and the open connections', async () => {
      const other = new AnalystSqlServer({ db, port: 0, tables: TABLES });
      const { port: otherPort } = await other.start();
      const analyst = await connect(otherPort);
      const ended = new Promise((resolve) => analyst.once('end', resolve));
      await other.stop();
      await ended;
      await expect(connect(otherPort)).rejects.toThrow(/ECONNREFUSED/);
    });

    const psql = ['/usr/bin/psql', '/usr/local/bin/psql'].find((path) => existsSync(path)) ?? 'psql';
    (existsSync(psql) ? it : it.skip)('answers psql itself, meta-commands included', async () => {
      const run = (command: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(
            psql,
            ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'analyst', '-d', 'postgres', '-c', command],
            { env: { ...process.env, PGGSSENCMODE: 'disable', PGCONNECT_TIMEOUT: '5' }, timeout: 15_000 },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const tables = await run('\\dt read.*');
      expect(tables.stdout).toMatch(/read\s+\|\s+leads\s+\|\s+table/);
      const columns = await run('\\d read.leads');
      expect(columns.stdout).toMatch(/name\s+\|\s+text/);
      const insert = await run("INSERT INTO read.leads VALUES (3, 'Eve')");
      expect(insert.code).not.toBe(0);
      expect(insert.stderr).toMatch(/read-only analyst access/);
      expect(await leads()).toEqual(LEADS);
    });
  });

  describe('the lexical check', () => {
    it.each([
      "SELECT 'delete from read.leads' AS text",
      'SELECT 1 -- ; delete from read.leads',
      'SELECT /* ; delete /* nested */ from */ 1',
      'SELECT $$ ; delete from read.leads $$',
      'SELECT $tag$ ; delete $x$ from $tag$',
      'SELECT "delete" FROM (SELECT 1 AS "delete") AS t',
      "SELECT E'it''s \\' ; delete'",
      '(SELECT 1) UNION (SELECT 2)',
      'TABLE read.leads',
      'VALUES (1), (2)',
      '',
    ])('lets through %j', (sql) => {
      expect(refusalOf(sql)).toBeUndefined();
    });

    it.each([
      ["SELECT '\\'; DELETE FROM read.leads; --'", 'standard strings do not escape with a backslash'],
      ["SELECT E'\\\\'; DELETE FROM read.leads; --'", 'an escaped backslash ends an E string'],
      ['SELECT $a$ x $a$; DELETE FROM read.leads', 'a dollar quote ends at its own tag'],
      ['SELECT 1 /* x */; DELETE FROM read.leads', 'a comment ends'],
      ["SELECT \"set_config\"('role', 'postgres', true)", 'a quoted function name'],
      ["SELECT pg_catalog . set_config('role', 'postgres', true)", 'a qualified function name'],
      ["SELECT U&\"\\0073et_config\"('role', 'postgres', true)", 'a Unicode escape'],
      ['SELECT * FROM read.leads FOR UPDATE', 'row locks'],
    ])('refuses %j (%s)', (sql) => {
      expect(refusalOf(sql)).toBeDefined();
    });
  });
});

// A minimal frontend, for what pg does not send on its own.

interface Reply {
  type: string;
  code?: string;
  status?: string;
}

function message(type: string, ...parts: (string | Buffer)[]): Buffer {
  const body = Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(`${part}\0`) : part)),
  );
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const SYNC = message('S');
const parse = (name: string, sql: string) => message('P', name, sql, Buffer.alloc(2));
/** No parameters, default result formats. */
const bind = (statement: string) => message('B', '', statement, Buffer.alloc(6));
const execute = () => message('E', '', Buffer.alloc(4));

/** Sends each batch after the previous one's ReadyForQuery; returns the replies of each. */
function rawSession(port: number, batches: Buffer[][]): Promise<Reply[][]> {
  const parameters = Buffer.from('user\0analyst\0database\0postgres\0\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(parameters.length + 8, 0);
  startup.writeInt32BE(196_608, 4);
  return new Promise((resolve, reject) => {
    const socket = connectSocket(port, '127.0.0.1', () => socket.write(Buffer.concat([startup, parameters])));
    const results: Reply[][] = [];
    let current: Reply[] = [];
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('error', reject);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
        const type = String.fromCharCode(pending[0]);
        const body = pending.subarray(5, 1 + pending.readInt32BE(1));
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (!started) {
          if (type !== 'Z') continue;
          started = true;
        } else if (type === 'E') {
          const code = body
            .toString('utf8')
            .split('\0')
            .find((field) => field.startsWith('C'));
          current.push({ type, code: code?.slice(1) });
        } else if (type === 'Z') {
          current.push({ type, status: String.fromCharCode(body[0]) });
          results.push(current);
          current = [];
        } else {
          current.push({ type });
        }
        if (type !== 'Z') continue;
        const next = batches[results.length];
        if (next) socket.write(Buffer.concat(next));
        else socket.end(message('X'), () => resolve(results));
      }
    });
  });
}
