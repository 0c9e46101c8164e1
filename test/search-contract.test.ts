// Runs the MessageSearch contract against SQLite (temp dir) and PostgreSQL (a throwaway database per test).
import { describe, it } from 'vitest';
import { makePostgresFixture, makeSqliteFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import { describeSearchContract } from './search-contract.js';

describeSearchContract('SqliteStore', makeSqliteFixture);

if (await shouldSkipPostgres()) {
  describe.skip('MessageSearch contract: PostgresStore (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => {});
  });
} else {
  describeSearchContract('PostgresStore', makePostgresFixture);
}
