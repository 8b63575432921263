// SPDX-License-Identifier: MIT
// CommonJS view of localrank/server.
import server = require('localrank/server');

server.createAggregator({ taxonomy: ['a'] }).then((agg) => {
  const n: number = agg.estimate().reports;
  agg.dispose();
  return n;
});
