// SPDX-License-Identifier: MIT
// What the two commands share: reading the command line, and closing on a signal.
import { parseArgs } from 'node:util';

/**
 * The parsed flags, or exit 2 with the usage on a bad one (0 with --help).
 * @param {Record<string, {type: 'string'|'boolean', multiple?: boolean, short?: string}>} options
 * @param {string} usage
 * @returns {Record<string, any>}
 */
export function commandLine(options, usage) {
  let args;
  try {
    args = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    console.error(`${/** @type {Error} */ (e).message}\n${usage}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(usage);
    process.exit(0);
  }
  return args;
}

/**
 * SIGTERM / SIGINT close `app` gracefully (once), then exit.
 * @param {{close(): Promise<unknown>}} app
 * @returns {() => void} the same stop, for other triggers
 */
export function closeOnSignals(app) {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return stop;
}
