// SPDX-License-Identifier: MIT
// CommonJS view of `localrank/server`: the same API, every call async.
'use strict';
const load = () => import('./server.mjs');
module.exports = {
  createAggregator: (options) => load().then((m) => m.createAggregator(options)),
  createReportEncoder: (options) => load().then((m) => m.createReportEncoder(options)),
  loadServer: load,
};
