export {
  ensureAnalystRole,
  InvalidAnalystRoleError,
  type AnalystRoleOptions,
  type AnalystRoleResult,
} from './analyst-role';
export { AnalystSqlServer, type AnalystSqlServerOptions } from './analyst-sql-server';
