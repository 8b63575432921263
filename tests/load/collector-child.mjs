// SPDX-License-Identifier: MIT
// The demo collector as a child process for the load test: a rate limit high
// enough that the load, not the bucket, decides what is accepted.
// Usage: node tests/load/collector-child.mjs DB_FILE  (prints "listening PORT")
import { startServer } from '../../web-demo/server.mjs';

const server = await startServer({
  port: 0, db: process.argv[2], collector: { rateLimit: { perSecond: 1e9, burst: 1e9 } },
});
console.log(`listening ${server.address().port}`);
