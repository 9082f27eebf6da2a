import type { SqlExecutor } from '@leadledger/eventstore';

/**
 * A role analysts use to read the read models with SQL: USAGE on the schema and SELECT on the
 * tables listed, and nothing else. The read schema also holds tables analysts must never read
 * (dead letters as sent, API keys, contact data...): no table is readable unless it is listed,
 * including tables created later (there are no default privileges).
 */
export interface AnalystRoleOptions {
  /** The schema the read models live in, usually `read`. */
  schema: string;
  /** A plain lower-case identifier (`^[a-z_][a-z0-9_]{0,62}$`), not `pg_*` nor a reserved name. */
  role: string;
  /** Given: the role can log in with it (and an existing role gets it again). Absent: NOLOGIN. */
  password?: string;
  /**
   * The tables of `schema` the role may read, plain lower-case identifiers; SELECT on any other
   * table of the schema is revoked from the role. A table that does not exist yet is skipped and
   * reported in `missingTables`: call again once it exists.
   */
  tables: readonly string[];
}

/**
 * `created`: this call created the role (false when it already existed).
 * `missingTables`: listed tables that do not exist yet, so not granted (empty when not set up).
 * `reason`: set when the role could not be set up; the service runs on and the caller logs it.
 */
export interface AnalystRoleResult {
  created: boolean;
  missingTables: string[];
  reason?: string;
}

export class InvalidAnalystRoleError extends Error {
  override readonly name = 'InvalidAnalystRoleError';
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED_ROLE_NAMES = new Set(['public', 'none', 'current_user', 'current_role', 'session_user']);

/** insufficient_privilege (no CREATEROLE, not the tables' owner) and a schema not created yet. */
const NOT_PERMITTED = new Set(['42501', '3F000']);
const DUPLICATE_OBJECT = '42710';

/** A role with any of these could do more than read: it is not turned into an analyst role. */
const ELEVATED_ATTRIBUTES = [
  'rolsuper',
  'rolcreaterole',
  'rolcreatedb',
  'rolreplication',
  'rolbypassrls',
] as const;

type RoleRow = Record<(typeof ELEVATED_ATTRIBUTES)[number], boolean>;

interface TransactionalExecutor extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/**
 * Creates (or completes) the analyst role; safe to call at every start and from several services
 * starting at once.
 *
 * `db` is a driver (`PgDriver`, `PgliteDriver`, anything with `transaction`), which this runs its
 * own transaction on, or an executor already inside the caller's transaction, where this works
 * under a savepoint so a refusal does not abort the caller's transaction. A pool without
 * `transaction` is not enough: the lock and the statements must share one connection.
 */
export async function ensureAnalystRole(
  db: SqlExecutor,
  options: AnalystRoleOptions,
): Promise<AnalystRoleResult> {
  const role = assertRoleName(options.role);
  const schema = assertSchemaName(options.schema);
  const tables = assertTableNames(options.tables);
  if (options.password !== undefined && options.password.length === 0) {
    throw new InvalidAnalystRoleError(
      'the analyst password must not be empty: leave it out for a NOLOGIN role',
    );
  }
  try {
    return await inTransaction(db, (tx) => setUp(tx, schema, role, tables, options.password));
  } catch (error) {
    const code = sqlState(error);
    if (code !== undefined && NOT_PERMITTED.has(code)) {
      return {
        created: false,
        missingTables: [],
        reason: `analyst role "${role}" not set up: ${(error as Error).message}`,
      };
    }
    throw error;
  }
}

async function setUp(
  tx: SqlExecutor,
  schema: string,
  role: string,
  tables: readonly string[],
  password: string | undefined,
): Promise<AnalystRoleResult> {
  // Two services starting together would otherwise race: CREATE ROLE fails with 42710 for one,
  // and concurrent GRANTs on one object can fail with "tuple concurrently updated".
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leadledger.analyst-role:${role}`]);
  const [existing] = await tx.query<RoleRow>(
    `SELECT ${ELEVATED_ATTRIBUTES.join(', ')} FROM pg_catalog.pg_roles WHERE rolname = $1`,
    [role],
  );
  let created = false;
  let passwordRefused: string | undefined;
  if (!existing) {
    created = await createRole(tx, role, password);
  } else {
    const elevated = ELEVATED_ATTRIBUTES.filter((attribute) => existing[attribute]);
    if (elevated.length > 0) {
      return {
        created: false,
        missingTables: [],
        reason: `role "${role}" already exists with ${elevated.join(', ')}: not granting it analyst access`,
      };
    }
    if (password !== undefined) passwordRefused = await setPassword(tx, role, password);
  }
  // Identifiers match IDENTIFIER, so quoting them is enough; only the password needs a literal.
  await tx.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
  // Narrows what an earlier call granted (earlier versions granted every table of the schema, now
  // and later) to the tables listed now. In one transaction, so readers never see a gap.
  await tx.query(`REVOKE SELECT ON ALL TABLES IN SCHEMA "${schema}" FROM "${role}"`);
  // Default privileges belong to the role creating the tables: the service user calling this.
  await tx.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" REVOKE SELECT ON TABLES FROM "${role}"`);
  // Looked up first: GRANT on a missing table would abort the transaction.
  const present = new Set(await existingTables(tx, schema, tables));
  const granted = tables.filter((table) => present.has(table));
  const missingTables = tables.filter((table) => !present.has(table));
  if (granted.length > 0) {
    const list = granted.map((table) => `"${schema}"."${table}"`).join(', ');
    await tx.query(`GRANT SELECT ON TABLE ${list} TO "${role}"`);
  }
  return passwordRefused === undefined
    ? { created, missingTables }
    : { created, missingTables, reason: passwordRefused };
}

/**
 * Which of `tables` exist in `schema` as something SELECT can be granted on (a table, partitioned
 * table, view, materialized view or foreign table).
 */
export async function existingTables(
  db: SqlExecutor,
  schema: string,
  tables: readonly string[],
): Promise<string[]> {
  if (tables.length === 0) return [];
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [schema, [...tables]],
  );
  return rows.map((row) => row.name);
}

async function createRole(tx: SqlExecutor, role: string, password: string | undefined): Promise<boolean> {
  const statement =
    password === undefined
      ? `CREATE ROLE "${role}" NOLOGIN`
      : await withPassword(tx, 'CREATE ROLE %I LOGIN PASSWORD %L', role, password);
  // The advisory lock serializes callers of this function; someone creating the role by hand
  // between our look-up and CREATE is caught here without aborting the transaction.
  try {
    await inSavepoint(tx, 'leadledger_analyst_role_create', () => tx.query(statement));
    return true;
  } catch (error) {
    if (sqlState(error) === DUPLICATE_OBJECT) return false;
    throw error;
  }
}

/**
 * A role created beforehand by a DBA may be granted to by the tables' owner, yet only a role with
 * CREATEROLE may change its password: then the grants still go through and the refusal is reported.
 */
async function setPassword(tx: SqlExecutor, role: string, password: string): Promise<string | undefined> {
  const statement = await withPassword(tx, 'ALTER ROLE %I LOGIN PASSWORD %L', role, password);
  try {
    await inSavepoint(tx, 'leadledger_analyst_role_password', () => tx.query(statement));
    return undefined;
  } catch (error) {
    if (sqlState(error) !== '42501') throw error;
    return `password of analyst role "${role}" not changed: ${(error as Error).message}`;
  }
}

/**
 * CREATE/ALTER ROLE take no bind parameters, so the statement is built by the server: `format`
 * quotes the password as a literal (doubling quotes, E'' for backslashes), whatever it contains.
 */
async function withPassword(
  tx: SqlExecutor,
  template: string,
  role: string,
  password: string,
): Promise<string> {
  const [row] = await tx.query<{ statement: string }>(
    'SELECT format($1::text, $2::text, $3::text) AS statement',
    [template, role, password],
  );
  return row.statement;
}

async function inTransaction<T>(db: SqlExecutor, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  if (isTransactional(db)) return db.transaction(work);
  return inSavepoint(db, 'leadledger_analyst_role', () => work(db));
}

async function inSavepoint<T>(tx: SqlExecutor, name: string, work: () => Promise<T>): Promise<T> {
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const result = await work();
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
    throw error;
  }
}

function isTransactional(db: SqlExecutor): db is TransactionalExecutor {
  return typeof (db as Partial<TransactionalExecutor>).transaction === 'function';
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function assertRoleName(role: string): string {
  if (!IDENTIFIER.test(role) || role.startsWith('pg_') || RESERVED_ROLE_NAMES.has(role)) {
    throw new InvalidAnalystRoleError(
      `analyst role "${role}" must be a lower-case SQL identifier, not pg_* nor a reserved name`,
    );
  }
  return role;
}

/** Plain lower-case identifiers, so that quoting them is enough; duplicates are dropped. */
export function assertTableNames(tables: readonly string[]): string[] {
  if (!Array.isArray(tables)) {
    throw new InvalidAnalystRoleError('the tables analysts may read must be given as a list of names');
  }
  for (const table of tables) {
    if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
      throw new InvalidAnalystRoleError(`table "${String(table)}" must be a lower-case SQL identifier`);
    }
  }
  return [...new Set(tables)];
}

function assertSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new InvalidAnalystRoleError(`schema "${schema}" must be a lower-case SQL identifier`);
  }
  return schema;
}
