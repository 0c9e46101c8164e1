// Runs the RoomLog contract against SQLite (temp dir) and PostgreSQL (a throwaway database per test).
import { describe, it } from 'vitest';
import { makePostgresFixture, makeSqliteFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import { describeRoomLogContract } from './room-log-contract.js';

describeRoomLogContract('SqliteStore', makeSqliteFixture);

if (await shouldSkipPostgres()) {
  describe.skip('RoomLog contract: PostgresStore (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => {});
  });
} else {
  describeRoomLogContract('PostgresStore', makePostgresFixture);
}
