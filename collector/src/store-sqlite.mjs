// SPDX-License-Identifier: MIT
// The embedded store: one SQLite file (better-sqlite3), WAL, synchronous=FULL,
// so a report is on disk before its 202 leaves. Several processes may share
// the file (one writer at a time); each reads the totals from it.
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lr_sums (
  config TEXT    NOT NULL,  -- fingerprint of taxonomy, segments, epsilon, mechanism
  day    TEXT    NOT NULL,  -- the reports' UTC day, YYYY-MM-DD
  kind   INTEGER NOT NULL,  -- 0 = topic reports, 1 = segment reports
  value  INTEGER NOT NULL,  -- supported value, or -1 for the number of reports
  count  INTEGER NOT NULL,
  PRIMARY KEY (config, day, kind, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lr_report_ids (
  id     BLOB NOT NULL PRIMARY KEY,  -- the report's random 128-bit id
  digest BLOB NOT NULL,              -- 128 bits of SHA-256 of the report without its id
  day    TEXT NOT NULL               -- to forget ids once their day can no longer be accepted
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lr_spent_tokens (
  nonce BLOB NOT NULL PRIMARY KEY,  -- a Privacy Pass token's nonce (tokens on)
  id    BLOB NOT NULL,              -- the report it was spent on
  day   TEXT NOT NULL
) WITHOUT ROWID;
`;

/**
 * Opens (creating if needed) a SQLite store.
 * @param {string} path a file, or ':memory:'
 */
export function openSqliteStore(path) {
  const db = new Database(path, { timeout: 10000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  const insertId = db.prepare('INSERT INTO lr_report_ids (id, digest, day) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const digestOf = db.prepare('SELECT digest FROM lr_report_ids WHERE id = ?');
  const bump = db.prepare(`INSERT INTO lr_sums (config, day, kind, value, count) VALUES (?, ?, ?, ?, 1)
    ON CONFLICT (config, day, kind, value) DO UPDATE SET count = count + 1`);
  const addOne = (/** @type {import('./store.mjs').StoredReport} */ r) => {
    if (insertId.run(r.id, r.digest, r.day).changes === 0) {
      const row = /** @type {{digest: Buffer}|undefined} */ (digestOf.get(r.id));
      return row && Buffer.compare(row.digest, r.digest) === 0 ? 'duplicate' : 'conflict';
    }
    bump.run(r.config, r.day, r.kind, -1);
    for (const v of r.supported) bump.run(r.config, r.day, r.kind, v);
    return 'added';
  };
  const addMany = db.transaction((/** @type {import('./store.mjs').StoredReport[]} */ rs) => rs.map(addOne));
  // Group commit: the reports that arrive in one turn of the event loop share
  // one transaction, so one fsync (synchronous=FULL) acknowledges them all;
  // each is answered only after that commit. A failed commit fails them all
  // and stores none.
  /** @type {{r: import('./store.mjs').StoredReport, resolve: (x: any) => void, reject: (e: unknown) => void}[]} */
  let queue = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    let results;
    try {
      results = addMany.immediate(batch.map((b) => b.r));
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]));
  };
  const window = db.prepare(`SELECT kind, value, SUM(count) AS count FROM lr_sums
    WHERE config = ? AND day >= ? AND day <= ? GROUP BY kind, value`);
  const prune = db.prepare('DELETE FROM lr_report_ids WHERE day < ?');
  const pruneTokens = db.prepare('DELETE FROM lr_spent_tokens WHERE day < ?');
  const insertToken = db.prepare('INSERT INTO lr_spent_tokens (nonce, id, day) VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING');
  const tokenOwner = db.prepare('SELECT id FROM lr_spent_tokens WHERE nonce = ?');
  const ping = db.prepare('SELECT 1');
  return {
    kind: 'sqlite',
    /** @param {import('./store.mjs').StoredReport} r */
    add(r) {
      return new Promise((resolve, reject) => {
        queue.push({ r, resolve, reject });
        if (queue.length === 1) setImmediate(flush);
      });
    },
    /** @param {{config: string, from: string, to: string}} w */
    async sums(w) {
      return /** @type {{kind: number, value: number, count: number}[]} */ (window.all(w.config, w.from, w.to));
    },
    /**
     * Spends a token on a report: 'new', 'same' (already spent on this report: a re-send) or 'spent'.
     * @param {Buffer} nonce @param {Buffer} id @param {string} day
     */
    async spendToken(nonce, id, day) {
      if (insertToken.run(nonce, id, day).changes === 1) return 'new';
      const row = /** @type {{id: Buffer}|undefined} */ (tokenOwner.get(nonce));
      return row && Buffer.compare(row.id, id) === 0 ? 'same' : 'spent';
    },
    /** @param {string} beforeDay */
    async prune(beforeDay) {
      return prune.run(beforeDay).changes + pruneTokens.run(beforeDay).changes;
    },
    async ping() {
      ping.get();
    },
    async close() {
      if (queue.length) flush();
      if (db.open) db.close();
    },
  };
}
