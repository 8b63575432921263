// SPDX-License-Identifier: MIT
// Inner loops of scoring and diversity (embedding dot products). Each has a
// fixed reduction order: 8 float partial sums (two 4-lane accumulators, lane j
// takes elements k with k % 8 == j), combined as ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7)),
// then the tail in order. The WebAssembly build (-msimd128) runs it as f32x4
// instructions, the native build as scalar code: both perform the same IEEE
// float operations in the same order, so native and wasm agree bit for bit.
// Against an exact (double) dot product the error is that of float
// accumulation, about 1e-7 relative for 64 dimensions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace localrank::kernels {

/// Dot product of two float vectors of length n, in the fixed order above.
inline float Dot(const float* a, const float* b, int n) {
  int k = 0;
#if defined(__wasm_simd128__)
  v128_t lo = wasm_f32x4_splat(0.0f), hi = wasm_f32x4_splat(0.0f);
  for (; k + 8 <= n; k += 8) {
    lo = wasm_f32x4_add(lo, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
    hi = wasm_f32x4_add(hi, wasm_f32x4_mul(wasm_v128_load(a + k + 4), wasm_v128_load(b + k + 4)));
  }
  const v128_t s = wasm_f32x4_add(lo, hi);  // lanes: a0+a4, a1+a5, a2+a6, a3+a7
  float sum = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 2)) +
              (wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 3));
#else
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (; k + 8 <= n; k += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += a[k + j] * b[k + j];
  }
  float sum = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
#endif
  float tail = 0.0f;
  for (; k < n; ++k) tail += a[k] * b[k];
  return sum + tail;
}

/// out[i] = Dot(rows + i * dim, v, dim) for i < n: one vector against a
/// row-major matrix (similarity of every candidate to one item).
inline void DotRows(const float* rows, std::size_t n, int dim, const float* v, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = Dot(rows + i * static_cast<std::size_t>(dim), v, dim);
}

/// True when every element is finite. x - x is 0 for finite x and NaN for
/// NaN or infinity, and a sum of zeros is 0 in any order, so the lanes may
/// add in any order and the result is exact. The native build tests the
/// exponent bits instead (all ones: NaN or infinity), an OR the compiler
/// vectorizes.
inline bool AllFinite(const float* a, std::size_t n) {
  std::size_t k = 0;
#if defined(__wasm_simd128__)
  float sum = 0.0f;
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (; k + 4 <= n; k += 4) {
    const v128_t x = wasm_v128_load(a + k);
    acc = wasm_f32x4_add(acc, wasm_f32x4_sub(x, x));
  }
  sum = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
        (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
  for (; k < n; ++k) sum += a[k] - a[k];
  return sum == 0.0f;
#else
  // (exponent bits) + one exponent step reaches bit 31 only from all ones.
  std::uint32_t acc = 0;
  for (; k < n; ++k) {
    std::uint32_t bits;
    std::memcpy(&bits, a + k, sizeof bits);
    acc |= (bits & 0x7f800000u) + 0x00800000u;
  }
  return (acc & 0x80000000u) == 0;
#endif
}

/// Sum of squares of a float vector (Dot(a, a, n)).
inline float SquaredNorm(const float* a, int n) { return Dot(a, a, n); }

}  // namespace localrank::kernels
