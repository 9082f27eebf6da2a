import { createHash } from 'node:crypto';
import { Client, type DatabaseError } from 'pg';
import { PgDriver } from '@leadledger/eventstore';
import { uniqueSchemaName } from '@leadledger/testing';
import { ensureAnalystRole, InvalidAnalystRoleError } from './analyst-role';

/** A real server: roles are cluster-wide, so every name here is unique to the run and dropped after. */
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** pg lets a connection string override `user`: the user goes into the URL. */
function urlAs(user?: string, password?: string): string {
  const url = new URL(DATABASE_URL);
  if (user) url.username = user;
  if (password) url.password = password;
  return url.toString();
}

describe('ensureAnalystRole on PostgreSQL', () => {
  const schema = uniqueSchemaName('analyst_it');
  const roles: string[] = [];
  const drivers: PgDriver[] = [];
  let admin: PgDriver;

  function roleName(suffix: string): string {
    const name = `${schema}_${suffix}`;
    roles.push(name);
    return name;
  }

  function driver(user?: string, max = 4): PgDriver {
    const opened = new PgDriver({ connectionString: urlAs(user), max });
    drivers.push(opened);
    return opened;
  }

  /** A session acting with `role`'s privileges only. */
  async function actingAs(role: string): Promise<Client> {
    const client = new Client({ connectionString: urlAs() });
    await client.connect();
    await client.query(`SET ROLE "${role}"`);
    expect((await client.query('SELECT current_user AS me')).rows).toEqual([{ me: role }]);
    return client;
  }

  async function refused(client: Client, sql: string): Promise<string | undefined> {
    return client.query(sql).then(
      () => undefined,
      (error: DatabaseError) => error.code,
    );
  }

  /** SELECT privileges `role` holds on each table of the schema, however granted. */
  async function readable(role: string, ...tables: string[]): Promise<Record<string, boolean>> {
    const rows = await admin.query<{ name: string; can: boolean }>(
      `SELECT t AS name, has_table_privilege($1, format('%I.%I', $2::text, t), 'SELECT') AS can
         FROM unnest($3::text[]) AS t`,
      [role, schema, tables],
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.can]));
  }

  /** Default privileges the role holds in the schema (what the previous version granted). */
  async function defaultPrivileges(role: string): Promise<unknown[]> {
    return admin.query(
      `SELECT a.privilege_type FROM pg_default_acl d, aclexplode(d.defaclacl) a
        WHERE d.defaclnamespace = $2::regnamespace AND a.grantee = $1::regrole`,
      [role, `"${schema}"`],
    );
  }

  beforeAll(async () => {
    admin = driver();
    // `before` is made for analysts; `dead_letters` holds personal data, in the same schema.
    await admin.exec(`
      CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}".before (id integer);
      INSERT INTO "${schema}".before VALUES (1);
      CREATE TABLE "${schema}".dead_letters (submission text);
      INSERT INTO "${schema}".dead_letters VALUES ('{"email":"ana@example.com"}');
    `);
  });

  afterAll(async () => {
    await Promise.all(drivers.slice(1).map((opened) => opened.close()));
    await admin.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    for (const role of roles) {
      const [exists] = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists) await admin.exec(`DROP OWNED BY "${role}"; DROP ROLE "${role}"`);
    }
    await admin.close();
  });

  it('creates a role that reads the listed tables only, and cannot write', async () => {
    const role = roleName('reader');
    const tables = ['before'];
    await expect(
      ensureAnalystRole(admin, { schema, role, password: 'reader-secret', tables }),
    ).resolves.toEqual({ created: true, missingTables: [] });
    // Created after the grant, unlisted: no default privileges make it readable.
    await admin.exec(
      `CREATE TABLE "${schema}".api_keys (hash text); INSERT INTO "${schema}".api_keys VALUES ('secret');`,
    );

    // LOGIN with the password: connect as the role itself.
    const analyst = new Client({ connectionString: urlAs(role, 'reader-secret') });
    await analyst.connect();
    try {
      expect((await analyst.query('SELECT current_user AS me')).rows).toEqual([{ me: role }]);
      expect((await analyst.query(`SELECT id FROM "${schema}".before`)).rows).toEqual([{ id: 1 }]);
      expect(await refused(analyst, `SELECT * FROM "${schema}".dead_letters`)).toBe('42501');
      expect(await refused(analyst, `SELECT * FROM "${schema}".api_keys`)).toBe('42501');
      // Still refused after a second call.
      await expect(ensureAnalystRole(admin, { schema, role, tables })).resolves.toEqual({
        created: false,
        missingTables: [],
      });
      expect(await refused(analyst, `SELECT * FROM "${schema}".dead_letters`)).toBe('42501');
      expect(await refused(analyst, `SELECT * FROM "${schema}".api_keys`)).toBe('42501');
      expect((await analyst.query(`SELECT id FROM "${schema}".before`)).rows).toEqual([{ id: 1 }]);
      for (const write of [
        `INSERT INTO "${schema}".before VALUES (3)`,
        `UPDATE "${schema}".before SET id = 4`,
        `DELETE FROM "${schema}".before`,
        `DELETE FROM "${schema}".dead_letters`,
        `TRUNCATE "${schema}".before`,
        `CREATE TABLE "${schema}".evil (x integer)`,
        `DROP TABLE "${schema}".before`,
      ]) {
        expect([write, await refused(analyst, write)]).toEqual([write, '42501']);
      }
    } finally {
      await analyst.end();
    }
    expect((await admin.query(`SELECT id FROM "${schema}".before`)).length).toBe(1);
    const [attributes] = await admin.query('SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1', [
      role,
    ]);
    expect(attributes).toEqual({ rolcanlogin: true, rolsuper: false });
    expect(await defaultPrivileges(role)).toEqual([]);
  });

  it('narrows the grant of the previous version: every table of the schema, now and later', async () => {
    const role = roleName('upgraded');
    // What ensureAnalystRole granted before it took a list of tables.
    await admin.exec(`
      CREATE ROLE "${role}" NOLOGIN;
      GRANT USAGE ON SCHEMA "${schema}" TO "${role}";
      GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO "${role}";
      ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT ON TABLES TO "${role}";
    `);
    expect(await readable(role, 'before', 'dead_letters')).toEqual({ before: true, dead_letters: true });
    expect(await defaultPrivileges(role)).toEqual([{ privilege_type: 'SELECT' }]);

    await expect(ensureAnalystRole(admin, { schema, role, tables: ['before'] })).resolves.toEqual({
      created: false,
      missingTables: [],
    });
    expect(await defaultPrivileges(role)).toEqual([]);
    await admin.exec(
      `CREATE TABLE "${schema}".lead_views (email text); INSERT INTO "${schema}".lead_views VALUES ('ben@example.com');`,
    );
    expect(await readable(role, 'before', 'dead_letters', 'lead_views')).toEqual({
      before: true,
      dead_letters: false,
      lead_views: false,
    });
    const analyst = await actingAs(role);
    try {
      expect((await analyst.query(`SELECT id FROM "${schema}".before`)).rows).toEqual([{ id: 1 }]);
      expect(await refused(analyst, `SELECT * FROM "${schema}".dead_letters`)).toBe('42501');
      expect(await refused(analyst, `SELECT * FROM "${schema}".lead_views`)).toBe('42501');
    } finally {
      await analyst.end();
    }
  });

  it('reports a listed table that does not exist yet, and grants it on a later call', async () => {
    const role = roleName('pending');
    const tables = ['before', 'analytics_pending'];
    await expect(ensureAnalystRole(admin, { schema, role, tables })).resolves.toEqual({
      created: true,
      missingTables: ['analytics_pending'],
    });
    expect(await readable(role, 'before', 'dead_letters')).toEqual({ before: true, dead_letters: false });

    await admin.exec(
      `CREATE TABLE "${schema}".analytics_pending (n integer); INSERT INTO "${schema}".analytics_pending VALUES (7);`,
    );
    await expect(ensureAnalystRole(admin, { schema, role, tables })).resolves.toEqual({
      created: false,
      missingTables: [],
    });
    const analyst = await actingAs(role);
    try {
      expect((await analyst.query(`SELECT n FROM "${schema}".analytics_pending`)).rows).toEqual([{ n: 7 }]);
      expect((await analyst.query(`SELECT id FROM "${schema}".before`)).rows).toEqual([{ id: 1 }]);
      expect(await refused(analyst, `SELECT * FROM "${schema}".dead_letters`)).toBe('42501');
    } finally {
      await analyst.end();
    }
  });

  it('takes a table out of the grant when it is no longer listed', async () => {
    const role = roleName('unlisted');
    await ensureAnalystRole(admin, { schema, role, tables: ['before', 'dead_letters'] });
    expect(await readable(role, 'before', 'dead_letters')).toEqual({ before: true, dead_letters: true });
    await ensureAnalystRole(admin, { schema, role, tables: ['before'] });
    expect(await readable(role, 'before', 'dead_letters')).toEqual({ before: true, dead_letters: false });
  });

  it('is NOLOGIN without a password, yet reads through SET ROLE', async () => {
    const role = roleName('nologin');
    await expect(ensureAnalystRole(admin, { schema, role, tables: ['before'] })).resolves.toEqual({
      created: true,
      missingTables: [],
    });
    const [attributes] = await admin.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role]);
    expect(attributes).toEqual({ rolcanlogin: false });
    const analyst = await actingAs(role);
    try {
      expect((await analyst.query(`SELECT id FROM "${schema}".before`)).rows).toEqual([{ id: 1 }]);
      expect(await refused(analyst, `INSERT INTO "${schema}".before VALUES (3)`)).toBe('42501');
      expect(await refused(analyst, `SELECT * FROM "${schema}".dead_letters`)).toBe('42501');
    } finally {
      await analyst.end();
    }
  });

  it('passes the password to the server as a literal, whatever it contains', async () => {
    const role = roleName('quoted');
    const password = `it's a \\ "secret"; DROP ROLE postgres; -- $$ %L %s`;
    // One connection, so the md5 setting below applies to the statement ensureAnalystRole runs:
    // an md5 verifier can be recomputed here, a SCRAM one cannot.
    const single = driver(undefined, 1);
    await single.query("SET password_encryption = 'md5'");
    await expect(ensureAnalystRole(single, { schema, role, password, tables: ['before'] })).resolves.toEqual({
      created: true,
      missingTables: [],
    });
    const [stored] = await admin.query<{ rolpassword: string }>(
      'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
      [role],
    );
    expect(stored.rolpassword).toBe(
      `md5${createHash('md5')
        .update(password + role)
        .digest('hex')}`,
    );
  });

  it('is idempotent, also when services start at once', async () => {
    const role = roleName('concurrent');
    const tables = ['before'];
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => ensureAnalystRole(admin, { schema, role, tables })),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(results.filter((result) => result.reason !== undefined)).toEqual([]);
    await expect(ensureAnalystRole(admin, { schema, role, tables })).resolves.toEqual({
      created: false,
      missingTables: [],
    });
    const [granted] = await admin.query(
      `SELECT has_schema_privilege($1, $2, 'USAGE') AS usage,
              has_table_privilege($1, $3, 'SELECT') AS can_select,
              has_table_privilege($1, $3, 'INSERT') AS can_insert,
              has_table_privilege($1, $4, 'SELECT') AS dead_letters`,
      [role, schema, `"${schema}".before`, `"${schema}".dead_letters`],
    );
    expect(granted).toEqual({ usage: true, can_select: true, can_insert: false, dead_letters: false });
  });

  it("runs inside the caller's transaction when given one", async () => {
    const role = roleName('in_tx');
    const result = await admin.transaction(async (tx) => {
      // A missing table does not abort the caller's transaction either.
      const ensured = await ensureAnalystRole(tx, { schema, role, tables: ['before', 'not_yet'] });
      await tx.query('SELECT 1');
      return ensured;
    });
    expect(result).toEqual({ created: true, missingTables: ['not_yet'] });
    expect(await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).toHaveLength(1);
  });

  it('reports, instead of throwing, when the connected user may not create roles', async () => {
    const low = roleName('low');
    await admin.exec(`CREATE ROLE "${low}" LOGIN NOCREATEROLE`);
    const lowDriver = driver(low);
    expect(await lowDriver.query('SELECT current_user AS me')).toEqual([{ me: low }]);
    const role = roleName('denied');

    const result = await ensureAnalystRole(lowDriver, { schema, role, tables: ['before'] });
    expect(result.created).toBe(false);
    expect(result.reason).toMatch(/permission denied/);
    // The same inside the caller's transaction, which stays usable.
    const inTransaction = await lowDriver.transaction(async (tx) => {
      const ensured = await ensureAnalystRole(tx, { schema, role, tables: ['before'] });
      await tx.query('SELECT 1');
      return ensured;
    });
    expect(inTransaction.reason).toMatch(/permission denied/);
    expect(await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).toEqual([]);
  });

  it('reports a schema that does not exist yet', async () => {
    const result = await ensureAnalystRole(admin, {
      schema: `${schema}_missing`,
      role: roleName('no_schema'),
      tables: ['before'],
    });
    expect(result).toEqual({ created: false, missingTables: [], reason: expect.stringMatching(/schema/) });
  });

  it('does not turn a role with more than reading into an analyst role', async () => {
    const role = roleName('elevated');
    await admin.exec(`CREATE ROLE "${role}" NOLOGIN CREATEDB`);
    const result = await ensureAnalystRole(admin, { schema, role, tables: ['before'] });
    expect(result).toEqual({
      created: false,
      missingTables: [],
      reason: expect.stringMatching(/rolcreatedb/),
    });
    const [granted] = await admin.query(`SELECT has_schema_privilege($1, $2, 'USAGE') AS usage`, [
      role,
      schema,
    ]);
    expect(granted).toEqual({ usage: false });
  });

  it.each(['Analyst', 'a-b', 'x"; DROP ROLE postgres; --', 'pg_reader', 'public', '', 'a'.repeat(64)])(
    'rejects the role name %j before any SQL',
    async (role) => {
      await expect(ensureAnalystRole(admin, { schema, role, tables: [] })).rejects.toBeInstanceOf(
        InvalidAnalystRoleError,
      );
    },
  );

  it('rejects a schema name that is not a plain identifier, and an empty password', async () => {
    const role = `${schema}_never`;
    await expect(ensureAnalystRole(admin, { schema: 'read"; --', role, tables: [] })).rejects.toBeInstanceOf(
      InvalidAnalystRoleError,
    );
    await expect(ensureAnalystRole(admin, { schema, role, password: '', tables: [] })).rejects.toBeInstanceOf(
      InvalidAnalystRoleError,
    );
  });

  it.each(['Leads', 'a"b', 'x"; DROP TABLE dead_letters; --', 'read.leads', '', 'a'.repeat(64)])(
    'rejects the table name %j before any SQL',
    async (table) => {
      const role = roleName('bad_table');
      await expect(
        ensureAnalystRole(admin, { schema, role, tables: ['before', table] }),
      ).rejects.toBeInstanceOf(InvalidAnalystRoleError);
      expect(await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).toEqual([]);
    },
  );
});
