// SPDX-License-Identifier: MIT
// CommonJS entry: the package is ESM; this forwards to it.
'use strict';
const load = () => import('./index.node.mjs');
module.exports = {
  createPersonalizer: (options) => load().then((m) => m.createPersonalizer(options)),
  loadLocalrank: load,
};
