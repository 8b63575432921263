// SPDX-License-Identifier: MIT
// The demo server (and its collector) as a child process for the load test.
// Usage: node tests/load/collector-child.mjs DB_FILE  (prints "listening PORT")
import { startServer } from '../../web-demo/server.mjs';

const app = await startServer({ port: 0, db: process.argv[2], tokens: false, relay: false });
process.on('SIGTERM', () => { app.close().then(() => process.exit(0)); });
console.log(`listening ${app.server.address().port}`);
