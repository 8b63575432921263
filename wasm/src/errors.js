// SPDX-License-Identifier: MIT

/** Marks every LocalrankError, whichever copy of this module made it. */
const BRAND = Symbol.for('localrank.LocalrankError');

/**
 * The error every localrank call throws for bad input or a refused operation.
 * `code` is stable (see docs/api.md); `field` names the offending input, e.g.
 * `items[3].serverScore`; `index` is its position in the batch, or -1.
 */
export class LocalrankError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{field?: string, index?: number, cause?: unknown}} [details]
   */
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LocalrankError';
    /** @type {string} */
    this.code = code;
    /** @type {string} */
    this.field = details.field ?? '';
    /** @type {number} */
    this.index = details.index ?? -1;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `e instanceof LocalrankError` holds for errors from any copy of this module:
   * the CommonJS entry's synchronous exports are a separate copy of this class.
   * @param {unknown} value
   */
  static [Symbol.hasInstance](value) {
    if (this !== LocalrankError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && /** @type {any} */ (value)[BRAND] === true;
  }
}

/** Stable error codes. */
export const ErrorCode = Object.freeze({
  INVALID_ITEM: 'INVALID_ITEM',
  DUPLICATE_ID: 'DUPLICATE_ID',
  DIMENSION_MISMATCH: 'DIMENSION_MISMATCH',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  CORRUPT_PROFILE: 'CORRUPT_PROFILE',
  NOT_CONSENTED: 'NOT_CONSENTED',
  BUDGET_EXHAUSTED: 'BUDGET_EXHAUSTED',
  INVALID_EVENT: 'INVALID_EVENT',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_REPORT: 'INVALID_REPORT',
  DISPOSED: 'DISPOSED',
  STORAGE_FAILED: 'STORAGE_FAILED',
  SEND_FAILED: 'SEND_FAILED',
  WASM_LOAD_FAILED: 'WASM_LOAD_FAILED',
  CONFIG_MISMATCH: 'CONFIG_MISMATCH',
});

/**
 * Throws a LocalrankError for a failed core status ({code:''} is success).
 * @param {{code: string, field: string, index: number, message: string}} status
 */
export function throwIfFailed(status) {
  if (status.code) {
    throw new LocalrankError(status.code, status.message, { field: status.field, index: status.index });
  }
}
