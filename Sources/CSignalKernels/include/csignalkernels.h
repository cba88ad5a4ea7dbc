#ifndef CSIGNALKERNELS_H
#define CSIGNALKERNELS_H
#include <stddef.h>

/// Four floats, one per EMG channel (SIMD4<Float> in Swift).
typedef float cw_float4 __attribute__((ext_vector_type(4)));

/// One second-order section (transposed direct form II, a0 = 1) for up to four channels at once: lane c
/// is channel c. The coefficients are broadcast to every lane, so a step spends no instruction on that.
/// This is the detector's own storage (`Section4` in SignalCore): Swift and the kernel share the layout.
typedef struct cw_section4 {
    cw_float4 b0, b1, b2, a1, a2;
    /// The section's state, carried from one sample to the next (and from one block to the next).
    cw_float4 z1, z2;
} cw_section4;

/// The largest EMG value (µV) a filter takes in: 1 V, far past any surface EMG and far below where a squared value
/// overflows a float. A sample past ±it, or NaN, enters the cascade (and `xs`) as the limit — +limit for NaN — so
/// no value from a damaged recording can leave a filter's state non-finite; `SampleLimits` in SignalCore says so.
#define CW_EMG_LIMIT_UV 1000000.0f

/// Five sections in cascade, for 1 to 4 channels at once, run as a wavefront: one step
/// advances section k on sample i − k, so the five recurrences of a step are independent and their
/// latencies overlap (the per-sample cascade is latency-bound). The arithmetic of every section, and
/// its order, is exactly that of the reference cascade in SignalCore (`FilterCascade.reference`),
/// without fused multiply-adds, so both give bit-identical samples.
///
/// - sections: the band-pass (high-pass, then low-pass, order 2 each), then three notches, in that
///   order; coefficients read, state (z1, z2) read at the start and written back at the end.
/// - x: `n` interleaved samples of `channels` channels.
/// - xs, banded, out: `n` each (lane c = channel c, unused lanes 0): the input (bounded by CW_EMG_LIMIT_UV), the
///   output of
///   section 1 (after the band-pass), and the output of section 4.
///
/// Returns 1 when done, 0 when this CPU cannot run it (no AVX, or not x86-64): the caller then
/// runs the reference.
int cw_cascade5(cw_section4 sections[5], const float *x, int channels, size_t n,
                cw_float4 *xs, cw_float4 *banded, cw_float4 *out);

/// 1 when `cw_cascade5` and `cw_window_rms` run on this CPU (it has AVX). Safe from any thread: the
/// answer is found once and kept in an atomic.
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
static inline __attribute__((always_inline)) cw_float4 cw_sqrt4(cw_float4 x) { return __builtin_elementwise_sqrt(x); }

#endif
