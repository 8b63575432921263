// SPDX-License-Identifier: MIT
// CommonJS entry. The package is ESM: createPersonalizer loads it with import().
// The plain-data exports (errors, codes, limits, memoryStorage) are synchronous,
// from shared.cjs, which scripts/lib/assemble-package.mjs builds from the same sources.
'use strict';
const shared = require('./shared.cjs');

const load = () => import('./index.node.mjs');

module.exports = {
  LocalrankError: shared.LocalrankError,
  ErrorCode: shared.ErrorCode,
  LIMITS: shared.LIMITS,
  EVENT_TYPES: shared.EVENT_TYPES,
  memoryStorage: shared.memoryStorage,
  DEFAULT_MODEL: shared.DEFAULT_MODEL,
  /** Creates a personalizer (async, like the ESM entry). */
  createPersonalizer: (options) => load().then((m) => m.createPersonalizer(options)),
  /** The ESM module itself (Personalizer class, everything else). */
  loadLocalrank: load,
};
