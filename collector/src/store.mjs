// SPDX-License-Identifier: MIT
// Opens a store from a URL: `sqlite:PATH` (or a plain path, or ':memory:'),
// `postgres://...` / `postgresql://...`.

/**
 * What the collector stores of one accepted report: no time finer than its
 * day, nothing about its sender.
 * @typedef {{id: Buffer, digest: Buffer, config: string, day: string, kind: number, supported: number[]}} StoredReport
 */

/**
 * A store: add() is atomic and idempotent by report id.
 * @typedef {{
 *   kind: string,
 *   add(r: StoredReport): Promise<'added'|'duplicate'|'conflict'>,
 *   sums(w: {config: string, from: string, to: string}): Promise<{kind: number, value: number, count: number}[]>,
 *   spendToken(nonce: Buffer, id: Buffer, day: string): Promise<'new'|'same'|'spent'>,
 *   prune(beforeDay: string): Promise<number>,
 *   ping(): Promise<void>,
 *   close(): Promise<void>,
 * }} Store
 */

/**
 * @param {string} url
 * @param {{poolSize?: number, shards?: number}} [options] PostgreSQL pool size and sum shards
 * @returns {Promise<Store>}
 */
export async function openStore(url, options = {}) {
  if (typeof url !== 'string' || !url) throw new TypeError('the store must be sqlite:PATH or postgres://...');
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { openPostgresStore } = await import('./store-postgres.mjs');
    return openPostgresStore(url, options);
  }
  const path = url.replace(/^sqlite:(\/\/)?/i, '');
  if (!path) throw new TypeError('sqlite: needs a file path (or :memory:)');
  const { openSqliteStore } = await import('./store-sqlite.mjs');
  return openSqliteStore(path);
}
