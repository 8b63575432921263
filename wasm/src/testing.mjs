// SPDX-License-Identifier: MIT
// `localrank/testing` (Node only, never in the browser bundle): the Node
// entry, with a createPersonalizer whose `privacy.random` fills report
// randomness from a seeded source, for reproducible tests. The production
// entries refuse `privacy.random`: reports there always draw from
// crypto.getRandomValues.
import { createPersonalizer as createProductionPersonalizer } from './index.node.mjs';
import { TEST_RANDOM } from './privacy-options.js';

export * from './index.node.mjs';

/**
 * createPersonalizer of `localrank`, plus `privacy.random(words)` (tests only).
 * @param {Record<string, any>} [options]
 */
export function createPersonalizer(options = {}) {
  if (options === null || typeof options !== 'object') return createProductionPersonalizer(options);
  const privacy = options.privacy;
  if (privacy === null || typeof privacy !== 'object' || privacy.random === undefined) return createProductionPersonalizer(options);
  const { random, ...rest } = privacy;
  if (typeof random !== 'function') throw new TypeError('options.privacy.random must be a function filling a Uint32Array');
  return createProductionPersonalizer({ ...options, privacy: { ...rest, [TEST_RANDOM]: random } });
}
