// SPDX-License-Identifier: MIT
/** An error answered as `{error: {code, message, field}}` with an HTTP status. */
export class CollectorError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {{field?: string, headers?: Record<string, string>}} [o]
   */
  constructor(status, code, message, o = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = o.field ?? '';
    this.headers = o.headers ?? {};
  }
}
