// SPDX-License-Identifier: MIT
// CommonJS view of the package: createPersonalizer is async as in ESM; the
// errors, codes and limits are there synchronously.
import type * as L from './index.js';

declare namespace localrank {
  type Personalizer = L.Personalizer;
  type PersonalizerOptions = L.PersonalizerOptions;
  type Item = L.Item;
  type InteractionEvent = L.InteractionEvent;
  type RankedItem = L.RankedItem;
  type Reason = L.Reason;
  type RerankOptions = L.RerankOptions;
  type ProfileView = L.ProfileView;
  type ExportedProfile = L.ExportedProfile;
  type StorageAdapter = L.StorageAdapter;
  type StoredValue = L.StoredValue;
  type ErrorCodeName = L.ErrorCodeName;
  type LocalrankError = L.LocalrankError;
  /** Thrown for bad input or a refused operation; names the field and index. */
  const LocalrankError: typeof L.LocalrankError;
  /** Stable error codes. */
  const ErrorCode: typeof L.ErrorCode;
  /** Documented input limits. */
  const LIMITS: typeof L.LIMITS;
  const EVENT_TYPES: typeof L.EVENT_TYPES;
  /** The package's own model prior. */
  const DEFAULT_MODEL: typeof L.DEFAULT_MODEL;
  type ModelPrior = L.ModelPrior;
  type ModelView = L.ModelView;
  /** An in-memory storage adapter. */
  function memoryStorage(): L.StorageAdapter;
  /** Creates a personalizer (loads the ESM package and the WebAssembly core on first use). */
  function createPersonalizer(options?: L.PersonalizerOptions): Promise<L.Personalizer>;
  /** The ESM module (the Personalizer class and everything else). */
  function loadLocalrank(): Promise<typeof L>;
}
export = localrank;
