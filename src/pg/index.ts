export { createDb, tagSql, AGENT_SQL_TAG, APPLICATION_NAME, type Db, type PoolOptions } from './pool.js';
export { serverVersion, parseVersionNum, type ServerVersion } from './version.js';
export {
  sqlState,
  isConnectionError,
  isRecoveryError,
  isQueryCanceled,
  isLockTimeout,
  isReadOnly,
  isPermissionDenied,
} from './sqlstate.js';
