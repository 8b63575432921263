// SPDX-License-Identifier: MIT
// A storage adapter over a directory (one file per key, written whole with a
// rename), shared by worker threads or processes: `lease: true` asks localrank
// for the lease written through the adapter, as there are no Web Locks here.
import { readFile, writeFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** @param {string} dir @param {number} maxLatencyMs  each call waits 0..this long first */
export function fileStore(dir, maxLatencyMs = 0) {
  const file = (k) => join(dir, encodeURIComponent(k));
  const wait = () => new Promise((r) => setTimeout(r, Math.random() * maxLatencyMs));
  let n = 0;
  return {
    lease: true,
    get: async (k) => { await wait(); return readFile(file(k), 'utf8').catch((e) => { if (e.code === 'ENOENT') return null; throw e; }); },
    set: async (k, v) => {
      await wait();
      const tmp = `${file(k)}.${process.pid}.${Math.random().toString(36).slice(2)}.${n++}`;
      await writeFile(tmp, v);
      await rename(tmp, file(k));
    },
    delete: async (k) => { await wait(); await rm(file(k), { force: true }); },
  };
}
