#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// localrank-relay --gateway URL [options]
// An Oblivious HTTP relay for localrank's reports (docs/collector.md, "The relay"):
// another operator than the collector runs it, so that neither sees both who
// sent a report and what it says.
import { commandLine, closeOnSignals } from './cli.mjs';
import { startRelay } from '../src/relay.mjs';

const USAGE = `usage: localrank-relay --gateway URL [options]
  --gateway URL        the collector's gateway resource (https://collector.example/.well-known/ohttp-gateway)
  --port N             default 8788 (0: any free port)
  --host ADDR          default 127.0.0.1
  --origin URL         a device origin allowed by CORS (repeatable)
  --local-address ADDR the address to connect to the gateway from
  --log                one JSON line per request: time, method, path, status, sizes (never an address, header or body)
  --stdin-lifeline     exit when stdin closes (a parent process that starts the relay, as the demo does)`;

const args = commandLine({
  gateway: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' },
  origin: { type: 'string', multiple: true }, 'local-address': { type: 'string' }, log: { type: 'boolean' },
  'stdin-lifeline': { type: 'boolean' },
}, USAGE);
let gateway;
try {
  gateway = new URL(String(args.gateway));
  if (!/^https?:$/.test(gateway.protocol)) throw new Error('not http(s)');
} catch {
  console.error(`--gateway must be the http(s) URL of the collector's gateway\n${USAGE}`);
  process.exit(2);
}
const port = Number(args.port ?? 8788);
if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
  console.error('--port must be an integer in [0, 65535]');
  process.exit(2);
}
const app = await startRelay({
  gateway, port, host: args.host ?? '127.0.0.1', origins: args.origin ?? [], localAddress: args['local-address'],
  log: args.log ? (entry) => console.log(JSON.stringify(entry)) : undefined,
});
const stop = closeOnSignals(app);
if (args['stdin-lifeline']) {
  process.stdin.on('end', stop).on('error', stop).resume();
}
const addr = /** @type {import('node:net').AddressInfo} */ (app.server.address());
console.log(`localrank-relay listening on http://${addr.address}:${addr.port}/ (gateway ${gateway.origin})`);
