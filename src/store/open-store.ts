// Picks the Store implementation from configuration: PostgreSQL when a database URL is given, else the
// embedded SQLite file under the data directory. The only place that constructs a store for main.ts.
// Does not migrate: the caller runs `migrate()` once at start-up.
import { join } from 'node:path';
import { PostgresStore } from './postgres-store.js';
import type { StoreLogger } from './sql-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** `postgres://…`; when set, storage is PostgreSQL. */
  readonly databaseUrl?: string | undefined;
  /** Directory of the SQLite file `parley.db` (created when missing). */
  readonly dataDir: string;
  /** PostgreSQL pool size bound (default 10). */
  readonly poolMax?: number | undefined;
  /** PostgreSQL statement and idle-in-transaction timeout (default 10000). */
  readonly statementTimeoutMs?: number | undefined;
  readonly logger?: StoreLogger | undefined;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return new PostgresStore({
      connectionString: options.databaseUrl,
      poolMax: options.poolMax,
      statementTimeoutMs: options.statementTimeoutMs,
      logger: options.logger,
    });
  }
  return new SqliteStore({ file: join(options.dataDir, 'parley.db'), logger: options.logger });
}
