// Runs the Store contract against SQLite (temp dir) and PostgreSQL (a throwaway database per test).
import { describe, it } from 'vitest';
import { makePostgresFixture, makeSqliteFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SqliteStore', makeSqliteFixture);

if (await shouldSkipPostgres()) {
  describe.skip('Store contract: PostgresStore (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => {});
  });
} else {
  describeStoreContract('PostgresStore', makePostgresFixture);
}
