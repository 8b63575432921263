// SPDX-License-Identifier: MIT
// The scale-out store: one PostgreSQL shared by any number of stateless
// collector processes (node-postgres, `pg`). Reports that arrive together are
// stored as one batch: one statement (their id rows and their sums added up,
// atomically), committed before any of their 202s leave. Sums are spread over
// `shards` rows per (config, day, kind, value), one picked at random per batch,
// so concurrent batches rarely wait on one row's lock; every read adds the
// shards up.
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
CREATE TABLE IF NOT EXISTS lr_spent_tokens (
  nonce bytea NOT NULL PRIMARY KEY,
  id    bytea NOT NULL,
  day   date  NOT NULL);
`;

// One statement for a batch of reports: their id rows, and for the reports
// whose id was new, their sums added up per (day, kind, value) and merged into
// one shard's rows. A report appearing twice in the batch counts once (its
// first occurrence). Rows are upserted in key order, so two batches never wait
// on each other in a cycle.
const ADD_BATCH = `
WITH input AS (
  SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::date[], $4::smallint[]) WITH ORDINALITY AS t(id, digest, day, kind, n)
), first AS (
  SELECT DISTINCT ON (id) id, digest, day, kind, n FROM input ORDER BY id, n
), ins AS (
  INSERT INTO lr_report_ids (id, digest, day) SELECT id, digest, day FROM first
  ON CONFLICT (id) DO NOTHING RETURNING id
), up AS (
  INSERT INTO lr_sums (config, day, kind, value, shard, count)
  SELECT $7, f.day, f.kind, v.value, $8, count(*)
  FROM unnest($5::int[], $6::int[]) AS v(n, value)
  JOIN first f ON f.n = v.n
  JOIN ins ON ins.id = f.id
  GROUP BY f.day, f.kind, v.value
  ORDER BY f.day, f.kind, v.value
  ON CONFLICT (config, day, kind, value, shard) DO UPDATE SET count = lr_sums.count + EXCLUDED.count
  RETURNING 1
)
SELECT COALESCE((SELECT array_agg(id) FROM ins), '{}') AS inserted`;

/**
 * Creates the tables once, whichever of many processes starting together gets there first.
 * @param {pg.Pool} pool
 */
async function createSchema(pool) {
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
}

/** SQLSTATEs worth one immediate retry: serialization failure, deadlock. */
const RETRY = new Set(['40001', '40P01']);

/**
 * Opens a PostgreSQL store and creates its tables if needed.
 * @param {string} url postgres://user@host:port/db
 * @param {{poolSize?: number, shards?: number, startTimeoutMs?: number}} [o]
 */
export async function openPostgresStore(url, o = {}) {
  const shards = o.shards ?? 16;
  const pool = new pg.Pool({ connectionString: url, max: o.poolSize ?? 8, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  // An idle connection the server closes (a restart) is an 'error' event: the
  // pool drops it; without a listener it would end the process.
  pool.on('error', () => {});
  // A collector started while PostgreSQL is down (or restarting) waits for it,
  // up to `startTimeoutMs`, instead of exiting.
  const deadline = Date.now() + (o.startTimeoutMs ?? 30000);
  for (;;) {
    try {
      await createSchema(pool);
      break;
    } catch (e) {
      const code = /** @type {any} */ (e).code;
      const transient = ['ECONNREFUSED', 'ECONNRESET', '57P03', '57P01', '08006', '08001'].includes(code) || /terminat|timeout/i.test(String(/** @type {Error} */ (e).message));
      if (!transient || Date.now() > deadline) {
        await pool.end().catch(() => {});
        throw e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
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
  /**
   * Stores a batch (one configuration) in one statement; the outcome of each report.
   * @param {import('./store.mjs').StoredReport[]} batch
   * @returns {Promise<('added'|'duplicate'|'conflict')[]>}
   */
  async function addBatch(batch) {
    const n = [];
    const values = [];
    batch.forEach((r, i) => {
      for (const v of [-1, ...r.supported]) {
        n.push(i + 1);
        values.push(v);
      }
    });
    const shard = Math.floor(Math.random() * shards);
    const res = await query(ADD_BATCH, [batch.map((r) => r.id), batch.map((r) => r.digest), batch.map((r) => r.day),
      batch.map((r) => r.kind), n, values, batch[0].config, shard]);
    const inserted = new Set(/** @type {Buffer[]} */ (res.rows[0].inserted).map((b) => b.toString('hex')));
    /** @type {('added'|'duplicate'|'conflict'|null)[]} */
    const out = batch.map(() => null);
    const claimed = new Set();
    batch.forEach((r, i) => {
      const key = r.id.toString('hex');
      if (inserted.has(key) && !claimed.has(key)) {
        claimed.add(key);
        out[i] = 'added';
      }
    });
    const others = batch.filter((_, i) => out[i] === null);
    if (others.length) {
      const seen = await query('SELECT id, digest FROM lr_report_ids WHERE id = ANY($1::bytea[])', [others.map((r) => r.id)]);
      const digests = new Map(seen.rows.map((/** @type {any} */ row) => [row.id.toString('hex'), row.digest]));
      batch.forEach((r, i) => {
        if (out[i] !== null) return;
        const d = digests.get(r.id.toString('hex'));
        out[i] = d && Buffer.compare(d, r.digest) === 0 ? 'duplicate' : 'conflict';
      });
    }
    return /** @type {('added'|'duplicate'|'conflict')[]} */ (out);
  }

  // Group commit: reports queue while `maxInFlight` batches are being stored;
  // each batch is one statement and one commit, and every report in it is
  // answered after that commit. A failed batch fails all its reports and
  // stores none of them (one statement is atomic).
  const maxInFlight = Math.max(1, Math.min(o.poolSize ?? 8, 4));
  const maxBatch = 256;
  /** @type {{r: import('./store.mjs').StoredReport, resolve: (x: any) => void, reject: (e: unknown) => void}[]} */
  let queue = [];
  let inFlight = 0;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      inFlight++;
      addBatch(batch.map((b) => b.r)).then(
        (results) => batch.forEach((b, i) => b.resolve(results[i])),
        (e) => batch.forEach((b) => b.reject(e)),
      ).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return {
    kind: 'postgres',
    /** @param {import('./store.mjs').StoredReport} r */
    add(r) {
      return new Promise((resolve, reject) => {
        queue.push({ r, resolve, reject });
        // Wait one turn of the event loop, so the reports that arrived together share a batch.
        if (!scheduled) {
          scheduled = true;
          setImmediate(pump);
        }
      });
    },
    /** @param {{config: string, from: string, to: string}} w */
    async sums(w) {
      const res = await query(`SELECT kind, value, SUM(count)::bigint AS count FROM lr_sums
        WHERE config = $1 AND day >= $2::date AND day <= $3::date GROUP BY kind, value`, [w.config, w.from, w.to]);
      return res.rows.map((/** @type {any} */ row) => ({ kind: row.kind, value: row.value, count: Number(row.count) }));
    },
    /**
     * Spends a token on a report: 'new', 'same' (already spent on this report: a re-send) or 'spent'.
     * @param {Buffer} nonce @param {Buffer} id @param {string} day
     */
    async spendToken(nonce, id, day) {
      const res = await query('INSERT INTO lr_spent_tokens (nonce, id, day) VALUES ($1, $2, $3::date) ON CONFLICT (nonce) DO NOTHING', [nonce, id, day]);
      if (res.rowCount === 1) return 'new';
      // A statement of its own: it sees a row another process committed while the insert waited.
      const owner = (await query('SELECT id FROM lr_spent_tokens WHERE nonce = $1', [nonce])).rows[0]?.id;
      return owner && Buffer.compare(owner, id) === 0 ? 'same' : 'spent';
    },
    /** @param {string} beforeDay */
    async prune(beforeDay) {
      const ids = (await query('DELETE FROM lr_report_ids WHERE day < $1::date', [beforeDay])).rowCount ?? 0;
      return ids + ((await query('DELETE FROM lr_spent_tokens WHERE day < $1::date', [beforeDay])).rowCount ?? 0);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
