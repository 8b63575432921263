// SPDX-License-Identifier: MIT
// A throwaway PostgreSQL cluster for tests and the load script: Debian's
// postgresql package (scripts/lib/deps.sh installs it), initdb in a temp dir,
// listening on a free loopback port only, run as a non-root user (initdb
// refuses root: as root it runs as `postgres`, the package's user).
//
//   import { startCluster } from '../../scripts/lib/pg-cluster.mjs';
//   const pg = await startCluster();   // { url, dir, port, restart(), stop() }
//
// CLI: node scripts/lib/pg-cluster.mjs start  -> prints `url DIR` ; ... stop DIR
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The newest installed PostgreSQL's bin directory. */
export function pgBin() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  throw new Error('PostgreSQL is not installed (Debian package postgresql; scripts/lib/deps.sh installs it)');
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/**
 * Runs a PostgreSQL program as the cluster's user.
 * @param {string} bin
 * @param {string[]} args
 */
function run(bin, args) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * The same, without blocking the event loop (the tests' clients keep running).
 * @param {string} bin
 * @param {string[]} args
 */
async function runAsync(bin, args) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await promisify(execFile)(cmd, argv, { encoding: 'utf8' });
}

/**
 * @param {string} dir
 * @param {number} port
 */
function ctl(dir, port) {
  const pgCtl = join(pgBin(), 'pg_ctl');
  const startArgs = ['-D', join(dir, 'data'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), '-w', '-t', '60', 'start'];
  const stopArgs = (/** @type {string} */ mode) => ['-D', join(dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop'];
  return {
    start: () => run(pgCtl, startArgs),
    stop: (mode = 'fast') => run(pgCtl, stopArgs(mode)),
    startAsync: () => runAsync(pgCtl, startArgs),
    stopAsync: (mode = 'fast') => runAsync(pgCtl, stopArgs(mode)),
  };
}

/**
 * Creates and starts a cluster; `stop()` stops it and deletes the directory.
 * @returns {Promise<{url: string, dir: string, port: number, restart(mode?: string, downMs?: number): Promise<void>, stop(): void}>}
 */
export async function startCluster() {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'localrank-pg-'));
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const port = await freePort();
  try {
    run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'localrank', '--no-sync', '-E', 'UTF8']);
    writeFileSync(join(dir, 'port'), String(port));
    ctl(dir, port).start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const c = ctl(dir, port);
  let stopped = false;
  return {
    url: `postgres://localrank@127.0.0.1:${port}/postgres`,
    dir,
    port,
    /** Stops (default: immediate, as a crash) and starts the server again; `downMs` in between. */
    async restart(mode = 'immediate', downMs = 0) {
      await c.stopAsync(mode);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await c.startAsync();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        c.stop('immediate');
      } catch { /* already down */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stops a cluster started by the CLI.
 * @param {string} dir
 */
export function stopCluster(dir) {
  const port = Number(readFileSync(join(dir, 'port'), 'utf8'));
  try {
    ctl(dir, port).stop('immediate');
  } catch { /* already down */ }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, dir] = process.argv.slice(2);
  if (cmd === 'start') {
    const c = await startCluster();
    console.log(`${c.url} ${c.dir}`);
  } else if (cmd === 'stop' && dir) {
    stopCluster(dir);
  } else {
    console.error('usage: node scripts/lib/pg-cluster.mjs start | stop DIR');
    process.exit(2);
  }
}
