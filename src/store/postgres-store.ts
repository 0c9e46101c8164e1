// The shared Store: PostgreSQL through a bounded pg.Pool, for several nodes on one database. Seq
// allocation takes the room rows FOR UPDATE inside the batch transaction, so nodes appending to the
// same room serialise on the row and seqs stay dense; append-plan.ts decides what the batch writes.
// Knows nothing of SQLite or of message meaning.

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import {
  duplicateProbes,
  planAppends,
  type RoomHead,
  replyIds,
  roomIdsInLockOrder,
  rowDedupeKey,
} from './append-plan.js';
import type { Outcome } from './group-commit.js';
import type { Database, MessageRow } from './schema.js';
import { toInt } from './schema.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import type { AppendResult, NewMessage } from './store.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  readonly connectionString: string;
  /** Pool size bound (default 10). */
  readonly poolMax?: number | undefined;
  /** How long to wait for a connection before an operation fails (default 5000). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Longest a statement may run, waiting for locks included, and longest a connection may sit idle in
   * an open transaction (default 10000). Without it, one stuck lock holder (another node frozen mid-
   * transaction, a manual session) would hold every SEND of the room, and their RECEIPTs, forever.
   */
  readonly statementTimeoutMs?: number | undefined;
}

export class PostgresStore extends SqlStore {
  readonly kind = 'postgres';
  constructor(options: PostgresStoreOptions) {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      // Sent as start-up parameters, so they hold for every statement on every pooled connection.
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      idle_in_transaction_session_timeout: options.statementTimeoutMs ?? 10_000,
    });
    super(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), {
      ...options,
      maxBatch: Math.min(options.maxBatch ?? 1000, 5000),
    });
    pool.on('error', (err) => this.logger.warn({ err }, 'idle PostgreSQL connection failed'));
    // pg-pool listens for errors on idle clients only; a checked-out client whose server goes away
    // would otherwise emit an unhandled 'error' and end the process. The failing query rejects anyway.
    pool.on('connect', (client) => {
      client.on('error', (err) => this.logger.warn({ err }, 'PostgreSQL connection failed'));
    });
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  protected async destroy(): Promise<void> {
    // Kysely's destroy ends the pool.
    await this.db.destroy();
  }

  // The plan's inputs in three statements after the lock, its rows in one: the decisions are
  // append-plan.ts's, shared with SQLite.
  protected async flushAppends(items: readonly NewMessage[]): Promise<readonly Outcome<AppendResult>[]> {
    return this.db.transaction().execute(async (trx) => {
      // One statement, rows locked in id order: two nodes with overlapping batches cannot deadlock.
      const locked = await trx
        .selectFrom('rooms')
        .select(['id', 'last_seq', 'last_message_at'])
        .where('id', 'in', roomIdsInLockOrder(items))
        .orderBy('id')
        .forUpdate()
        .execute();
      const heads = new Map<string, RoomHead>(
        locked.map((r) => [
          r.id,
          {
            lastSeq: toInt(r.last_seq),
            lastMessageAt: r.last_message_at === null ? null : toInt(r.last_message_at),
          },
        ]),
      );

      // Read after the lock: an append of the same clientMsgId by another node has committed by now.
      const probes = duplicateProbes(items, heads);
      const stored = new Map<string, MessageRow>();
      if (probes.length > 0) {
        const rows = await trx
          .selectFrom('messages')
          .selectAll()
          .where(({ eb, refTuple, tuple }) =>
            eb(
              refTuple('room_id', 'author_id', 'client_msg_id'),
              'in',
              probes.map((p) => tuple(p.roomId, p.authorId, p.clientMsgId)),
            ),
          )
          .execute();
        for (const row of rows) {
          const key = rowDedupeKey(row);
          if (key !== undefined) stored.set(key, row);
        }
      }

      const ids = replyIds(items);
      const quotedRows =
        ids.length === 0 ? [] : await trx.selectFrom('messages').selectAll().where('id', 'in', ids).execute();
      const quoted = new Map(quotedRows.map((q) => [q.id, q]));

      const plan = planAppends(items, { heads, stored, quoted });
      // Multi-row INSERT: 11 parameters a row, so a batch of up to 5,000 stays below PostgreSQL's
      // 65,535-parameter limit (the store caps maxBatch accordingly).
      if (plan.rows.length > 0) await trx.insertInto('messages').values(plan.rows).execute();
      for (const h of plan.heads) {
        await trx
          .updateTable('rooms')
          .set({ last_seq: h.lastSeq, last_message_at: h.lastMessageAt, active_at: h.lastMessageAt })
          .where('id', '=', h.roomId)
          .execute();
      }
      return plan.outcomes;
    });
  }
}
