// SPDX-License-Identifier: MIT
// `localrank/testing` (Node only): createPersonalizer with a seeded report randomness source, for tests.
import type { PersonalizerOptions, PrivacyOptions, Personalizer } from './index.js';

export * from './index.js';

/** The options of `createPersonalizer`, with `privacy.random` (tests only). */
export interface TestingPersonalizerOptions extends PersonalizerOptions {
  privacy?: PrivacyOptions & {
    /** Fills report randomness (memo and instantaneous noise) instead of crypto.getRandomValues. */
    random?: (words: Uint32Array) => void;
  };
}

export function createPersonalizer(options?: TestingPersonalizerOptions): Promise<Personalizer>;
