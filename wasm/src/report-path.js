// SPDX-License-Identifier: MIT
// The JavaScript only aggregate reports use, as one module that
// report-module.js imports on demand (a bundler makes it a chunk of its own):
// the encoder, the memo of permanent answers, the outbox and the schedule.
export { ReportEncoder, randomWords, utcDay } from './report.js';
export { ReportMemoStore } from './memo.js';
export { ReportOutbox, deliveryOptions } from './outbox.js';
export { startSchedule } from './schedule.js';
