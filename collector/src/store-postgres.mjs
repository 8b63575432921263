// SPDX-License-Identifier: MIT
// The scale-out store: one PostgreSQL shared by any number of stateless
// collector processes (node-postgres, `pg`). A report is one statement (its id
// row and its sums, atomically), committed before the 202 leaves. Sums are
// spread over `shards` rows per (config, day, kind, value), picked at random
// per report, so concurrent reports rarely wait on one row's lock; every read
// adds the shards up.
import pg from 'pg';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lr_sums (
  config text     NOT NULL,
  day    date     NOT NULL,
  kind   smallint NOT NULL,
  value  integer  NOT NULL,
  shard  smallint NOT NULL,
  count  bigint   NOT NULL,
  PRIMARY KEY (config, day, kind, value, shard));
CREATE TABLE IF NOT EXISTS lr_report_ids (
  id     bytea NOT NULL PRIMARY KEY,
  digest bytea NOT NULL,
  day    date  NOT NULL);
CREATE INDEX IF NOT EXISTS lr_report_ids_day ON lr_report_ids (day);
`;

// One statement: the id row, and the sums only if the id was new.
const ADD = `
WITH ins AS (
  INSERT INTO lr_report_ids (id, digest, day) VALUES ($1, $2, $3::date)
  ON CONFLICT (id) DO NOTHING RETURNING 1
), up AS (
  INSERT INTO lr_sums (config, day, kind, value, shard, count)
  SELECT $4, $3::date, $5, v, $7, 1 FROM unnest($6::int[]) AS v WHERE EXISTS (SELECT 1 FROM ins)
  ON CONFLICT (config, day, kind, value, shard) DO UPDATE SET count = lr_sums.count + 1
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted`;

/** SQLSTATEs worth one immediate retry: serialization failure, deadlock. */
const RETRY = new Set(['40001', '40P01']);

/**
 * Opens a PostgreSQL store and creates its tables if needed.
 * @param {string} url postgres://user@host:port/db
 * @param {{poolSize?: number, shards?: number}} [o]
 */
export async function openPostgresStore(url, o = {}) {
  const shards = o.shards ?? 16;
  const pool = new pg.Pool({ connectionString: url, max: o.poolSize ?? 8, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  // An idle connection the server closes (a restart) is an 'error' event: the
  // pool drops it; without a listener it would end the process.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('localrank-collector-schema'))");
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  /**
   * @param {string} text
   * @param {unknown[]} values
   */
  async function query(text, values) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await pool.query(text, values);
      } catch (e) {
        if (attempt < 2 && RETRY.has(/** @type {any} */ (e).code)) continue;
        throw e;
      }
    }
  }
  return {
    kind: 'postgres',
    /** @param {import('./store.mjs').StoredReport} r */
    async add(r) {
      const values = [-1, ...r.supported];
      const shard = Math.floor(Math.random() * shards);
      const res = await query(ADD, [r.id, r.digest, r.day, r.config, r.kind, values, shard]);
      if (res.rows[0].inserted === 1) return 'added';
      const seen = await query('SELECT digest FROM lr_report_ids WHERE id = $1', [r.id]);
      return seen.rows.length && Buffer.compare(seen.rows[0].digest, r.digest) === 0 ? 'duplicate' : 'conflict';
    },
    /** @param {{config: string, from: string, to: string}} w */
    async sums(w) {
      const res = await query(`SELECT kind, value, SUM(count)::bigint AS count FROM lr_sums
        WHERE config = $1 AND day >= $2::date AND day <= $3::date GROUP BY kind, value`, [w.config, w.from, w.to]);
      return res.rows.map((/** @type {any} */ row) => ({ kind: row.kind, value: row.value, count: Number(row.count) }));
    },
    /** @param {string} beforeDay */
    async prune(beforeDay) {
      return (await query('DELETE FROM lr_report_ids WHERE day < $1::date', [beforeDay])).rowCount ?? 0;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
