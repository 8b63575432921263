// SPDX-License-Identifier: MIT
// CommonJS view of the package: the same API, every call async.
import type * as L from './index.js';

declare const localrank: {
  createPersonalizer(options?: L.PersonalizerOptions): Promise<L.Personalizer>;
  /** The ESM module (LocalrankError, LIMITS, ...). */
  loadLocalrank(): Promise<typeof L>;
};
export = localrank;
