// SPDX-License-Identifier: MIT
// The constants shared with the core: generated from its headers and
// wasm/layout.h into core-constants.js (tests/core/js_constants_main.cpp).
export * from './core-constants.js';
