#ifndef CSIGNALKERNELS_H
#define CSIGNALKERNELS_H
#include <stddef.h>

/// Five second-order sections (transposed direct form II) in cascade, for 1 to 4 channels at once,
/// run as a wavefront: one step advances section k on sample i − k, so the five recurrences of a
/// step are independent and their latencies overlap (the per-sample cascade is latency-bound).
/// The arithmetic of every section, and its order, is exactly that of `Section4.process` in
/// SignalCore, without fused multiply-adds, so both give bit-identical samples.
///
/// - coefficients: 5 × {b0, b1, b2, a1, a2}, section 0 first.
/// - state: 5 × {z1[4], z2[4]}, read at the start and written back at the end.
/// - x: `n` interleaved samples of `channels` channels.
/// - xs, banded, out: `n` × 4 floats each (lane c = channel c, unused lanes 0): the input, the
///   output of section 1 (after the band-pass), and the output of section 4.
///
/// Returns 1 when done, 0 when this CPU cannot run it (no AVX, or not x86-64): the caller then
/// runs its own loop.
int cw_cascade5(const float *coefficients, float *state, const float *x, int channels, size_t n,
                float *xs, float *banded, float *out);

/// 1 when `cw_cascade5` runs on this CPU.
int cw_cascade5_available(void);

/// The RMS envelopes of ticks `first` ..< `first + ticks`: for each tick t,
/// out[t & outMask] = Float(sqrt(Σ ring[(t − k) & mask] / divisor)), k = 0 ..< count, where a ring slot and
/// an out slot are 4 values (one per channel) and each sum runs in that order from zero: the same operations
/// as the Swift loop in `NightDetector.computeEnvelopes`, so the same results, in AVX registers, four ticks at once.
/// Returns 1 when done, 0 when this CPU cannot run it (then the caller computes them).
int cw_window_rms(const double *ring, size_t mask, long first, long ticks, int count, double divisor,
                  float *out, size_t outMask);

/// Four square roots at once (SIMD4<Float> in Swift): one packed, correctly rounded square root, the same
/// values as four `Float.squareRoot()` calls, which Swift compiles to four scalar ones each behind a branch.
typedef float cw_float4 __attribute__((ext_vector_type(4)));
static inline __attribute__((always_inline)) cw_float4 cw_sqrt4(cw_float4 x) { return __builtin_elementwise_sqrt(x); }

#endif
