// The EMG filter cascade as a wavefront over AVX registers (see the header). Built with the
// default target; the AVX code is selected at run time, so the binary still runs on any x86-64.
#include "csignalkernels.h"
#include <stdatomic.h>

#if defined(__x86_64__)
#include <immintrin.h>

// One section step on a register holding two sections' lanes (low half: section k, high: k + 1).
#define SECTION(B0, B1, B2, A1, A2, Z1, Z2, X, Y)                              \
    do {                                                                       \
        Y = _mm256_add_ps(_mm256_mul_ps(B0, X), Z1);                           \
        Z1 = _mm256_add_ps(_mm256_sub_ps(_mm256_mul_ps(B1, X), _mm256_mul_ps(A1, Y)), Z2); \
        Z2 = _mm256_sub_ps(_mm256_mul_ps(B2, X), _mm256_mul_ps(A2, Y));        \
    } while (0)

// One interleaved sample, bounded by ±CW_EMG_LIMIT_UV: minps returns its second operand when either is NaN, so NaN
// becomes +limit; the reference cascade does the same two comparisons (`FilterCascade.bounded`).
__attribute__((target("avx"))) static inline __m128 load_sample(const float *x, int channels) {
    __m128 v;
    switch (channels) {
    case 1: v = _mm_set_ss(x[0]); break;
    case 2: v = _mm_castpd_ps(_mm_load_sd((const double *)x)); break;
    case 3: v = _mm_setr_ps(x[0], x[1], x[2], 0); break;
    default: v = _mm_loadu_ps(x); break;
    }
    return _mm_max_ps(_mm_min_ps(v, _mm_set1_ps(CW_EMG_LIMIT_UV)), _mm_set1_ps(-CW_EMG_LIMIT_UV));
}

__attribute__((target("avx"))) static inline __m256 halves(__m128 lo, __m128 hi) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}

// One field of sections i (low half) and j (high half); the coefficients are already broadcast to every lane.
__attribute__((target("avx"))) static inline __m256 pair(const cw_float4 *fi, const cw_float4 *fj) {
    return halves(_mm_loadu_ps((const float *)fi), _mm_loadu_ps((const float *)fj));
}

#define PAIR(S, I, J, FIELD) pair(&(S)[I].FIELD, &(S)[J].FIELD)

// Lanes of half h are all ones when section (2 * reg + h) has a sample at step i.
__attribute__((target("avx"))) static inline __m256 valid(long i, long n, int k0, int k1) {
    __m128 a = (i - k0 >= 0 && i - k0 < n) ? _mm_castsi128_ps(_mm_set1_epi32(-1)) : _mm_setzero_ps();
    __m128 b = (i - k1 >= 0 && i - k1 < n) ? _mm_castsi128_ps(_mm_set1_epi32(-1)) : _mm_setzero_ps();
    return halves(a, b);
}

__attribute__((target("avx")))
static void cascade5_avx(cw_section4 *s, const float *x, int channels, size_t count,
                         float *xs, float *banded, float *out) {
    const long n = (long)count;
    // Registers A (sections 0, 1), B (2, 3), C (4, and an idle copy of 4 in the high half).
    __m256 A0 = PAIR(s, 0, 1, b0), A1 = PAIR(s, 0, 1, b1), A2 = PAIR(s, 0, 1, b2);
    __m256 A3 = PAIR(s, 0, 1, a1), A4 = PAIR(s, 0, 1, a2);
    __m256 B0 = PAIR(s, 2, 3, b0), B1 = PAIR(s, 2, 3, b1), B2 = PAIR(s, 2, 3, b2);
    __m256 B3 = PAIR(s, 2, 3, a1), B4 = PAIR(s, 2, 3, a2);
    __m256 C0 = PAIR(s, 4, 4, b0), C1 = PAIR(s, 4, 4, b1), C2 = PAIR(s, 4, 4, b2);
    __m256 C3 = PAIR(s, 4, 4, a1), C4 = PAIR(s, 4, 4, a2);
    __m256 zA1 = PAIR(s, 0, 1, z1), zA2 = PAIR(s, 0, 1, z2);
    __m256 zB1 = PAIR(s, 2, 3, z1), zB2 = PAIR(s, 2, 3, z2);
    __m256 zC1 = halves(_mm_loadu_ps((const float *)&s[4].z1), _mm_setzero_ps());
    __m256 zC2 = halves(_mm_loadu_ps((const float *)&s[4].z2), _mm_setzero_ps());
    __m256 YA, YB, YC;
    __m128 x0 = load_sample(x, channels);
    _mm_storeu_ps(xs, x0);
    __m256 XA = halves(x0, _mm_setzero_ps()), XB = _mm256_setzero_ps(), XC = _mm256_setzero_ps();
    // Steps before 4 and from n − 1 on fill and drain the wavefront: there a section without a sample keeps its
    // state (masked), and the next input may not exist. The steps between are the steady state, without either.
    long i = 0;
    long steadyEnd = n - 1;
    for (int pass = 0; pass < 3; pass++) {
        long end = pass == 0 ? (steadyEnd < 4 ? n + 4 : 4) : pass == 1 ? steadyEnd : n + 4;
        if (pass == 1) {
            for (; i < end; i++) {
                SECTION(A0, A1, A2, A3, A4, zA1, zA2, XA, YA);
                SECTION(B0, B1, B2, B3, B4, zB1, zB2, XB, YB);
                SECTION(C0, C1, C2, C3, C4, zC1, zC2, XC, YC);
                _mm_storeu_ps(banded + 4 * (i - 1), _mm256_extractf128_ps(YA, 1));
                _mm_storeu_ps(out + 4 * (i - 4), _mm256_castps256_ps128(YC));
                __m128 next = load_sample(x + (size_t)(i + 1) * (size_t)channels, channels);
                _mm_storeu_ps(xs + 4 * (i + 1), next);
                XC = _mm256_castps128_ps256(_mm256_extractf128_ps(YB, 1));
                XB = _mm256_permute2f128_ps(YA, YB, 0x21);
                XA = _mm256_insertf128_ps(_mm256_castps128_ps256(next), _mm256_castps256_ps128(YA), 1);
            }
            continue;
        }
        for (; i < end; i++) {
            __m256 mA = valid(i, n, 0, 1), mB = valid(i, n, 2, 3), mC = valid(i, n, 4, 4);
            __m256 a1 = zA1, a2 = zA2, b1 = zB1, b2 = zB2, c1 = zC1, c2 = zC2;
            SECTION(A0, A1, A2, A3, A4, a1, a2, XA, YA);
            SECTION(B0, B1, B2, B3, B4, b1, b2, XB, YB);
            SECTION(C0, C1, C2, C3, C4, c1, c2, XC, YC);
            zA1 = _mm256_blendv_ps(zA1, a1, mA); zA2 = _mm256_blendv_ps(zA2, a2, mA);
            zB1 = _mm256_blendv_ps(zB1, b1, mB); zB2 = _mm256_blendv_ps(zB2, b2, mB);
            zC1 = _mm256_blendv_ps(zC1, c1, mC); zC2 = _mm256_blendv_ps(zC2, c2, mC);
            if (i >= 1 && i - 1 < n) _mm_storeu_ps(banded + 4 * (i - 1), _mm256_extractf128_ps(YA, 1));
            if (i >= 4) _mm_storeu_ps(out + 4 * (i - 4), _mm256_castps256_ps128(YC));
            __m128 next = _mm_setzero_ps();
            if (i + 1 < n) {
                next = load_sample(x + (size_t)(i + 1) * (size_t)channels, channels);
                _mm_storeu_ps(xs + 4 * (i + 1), next);
            }
            XC = _mm256_castps128_ps256(_mm256_extractf128_ps(YB, 1));
            XB = _mm256_permute2f128_ps(YA, YB, 0x21);
            XA = _mm256_insertf128_ps(_mm256_castps128_ps256(next), _mm256_castps256_ps128(YA), 1);
        }
    }
    _mm_storeu_ps((float *)&s[0].z1, _mm256_castps256_ps128(zA1));
    _mm_storeu_ps((float *)&s[1].z1, _mm256_extractf128_ps(zA1, 1));
    _mm_storeu_ps((float *)&s[0].z2, _mm256_castps256_ps128(zA2));
    _mm_storeu_ps((float *)&s[1].z2, _mm256_extractf128_ps(zA2, 1));
    _mm_storeu_ps((float *)&s[2].z1, _mm256_castps256_ps128(zB1));
    _mm_storeu_ps((float *)&s[3].z1, _mm256_extractf128_ps(zB1, 1));
    _mm_storeu_ps((float *)&s[2].z2, _mm256_castps256_ps128(zB2));
    _mm_storeu_ps((float *)&s[3].z2, _mm256_extractf128_ps(zB2, 1));
    _mm_storeu_ps((float *)&s[4].z1, _mm256_castps256_ps128(zC1));
    _mm_storeu_ps((float *)&s[4].z2, _mm256_castps256_ps128(zC2));
}

// Four ticks at a time: their sums are independent, so their add chains overlap instead of waiting on each other.
__attribute__((target("avx")))
static void window_rms_avx(const double *ring, size_t mask, long first, long ticks, int count, double divisor,
                           float *out, size_t outMask) {
    const __m256d d = _mm256_set1_pd(divisor);
    long t = first;
    for (; t + 4 <= first + ticks; t += 4) {
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        for (int k = 0; k < count; k++) {
            s0 = _mm256_add_pd(s0, _mm256_loadu_pd(ring + 4 * ((size_t)(t - k) & mask)));
            s1 = _mm256_add_pd(s1, _mm256_loadu_pd(ring + 4 * ((size_t)(t + 1 - k) & mask)));
            s2 = _mm256_add_pd(s2, _mm256_loadu_pd(ring + 4 * ((size_t)(t + 2 - k) & mask)));
            s3 = _mm256_add_pd(s3, _mm256_loadu_pd(ring + 4 * ((size_t)(t + 3 - k) & mask)));
        }
        _mm_storeu_ps(out + 4 * ((size_t)t & outMask), _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_div_pd(s0, d))));
        _mm_storeu_ps(out + 4 * ((size_t)(t + 1) & outMask), _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_div_pd(s1, d))));
        _mm_storeu_ps(out + 4 * ((size_t)(t + 2) & outMask), _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_div_pd(s2, d))));
        _mm_storeu_ps(out + 4 * ((size_t)(t + 3) & outMask), _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_div_pd(s3, d))));
    }
    for (; t < first + ticks; t++) {
        __m256d s0 = _mm256_setzero_pd();
        for (int k = 0; k < count; k++) s0 = _mm256_add_pd(s0, _mm256_loadu_pd(ring + 4 * ((size_t)(t - k) & mask)));
        _mm_storeu_ps(out + 4 * ((size_t)t & outMask), _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_div_pd(s0, d))));
    }
}

int cw_window_rms(const double *ring, size_t mask, long first, long ticks, int count, double divisor,
                  float *out, size_t outMask) {
    if (!cw_cascade5_available()) return 0;
    if (ticks > 0) window_rms_avx(ring, mask, first, ticks, count, divisor, out, outMask);
    return 1;
}

// -1 until the first call asks the CPU. Sweeps call the kernels from many threads at once: racing first calls
// store the same answer, and the atomic makes the read and the store well defined (a plain load on x86-64).
static _Atomic int avx_supported = -1;

int cw_cascade5_available(void) {
    int supported = atomic_load_explicit(&avx_supported, memory_order_relaxed);
    if (supported < 0) {
        supported = __builtin_cpu_supports("avx") ? 1 : 0;
        atomic_store_explicit(&avx_supported, supported, memory_order_relaxed);
    }
    return supported;
}

int cw_cascade5(cw_section4 sections[5], const float *x, int channels, size_t n,
                cw_float4 *xs, cw_float4 *banded, cw_float4 *out) {
    if (n == 0 || channels < 1 || channels > 4 || !cw_cascade5_available()) return 0;
    cascade5_avx(sections, x, channels, n, (float *)xs, (float *)banded, (float *)out);
    return 1;
}

#else
int cw_cascade5_available(void) { return 0; }

int cw_window_rms(const double *ring, size_t mask, long first, long ticks, int count, double divisor,
                  float *out, size_t outMask) {
    (void)ring; (void)mask; (void)first; (void)ticks; (void)count; (void)divisor; (void)out; (void)outMask;
    return 0;
}

int cw_cascade5(cw_section4 sections[5], const float *x, int channels, size_t n,
                cw_float4 *xs, cw_float4 *banded, cw_float4 *out) {
    (void)sections; (void)x; (void)channels; (void)n; (void)xs; (void)banded; (void)out;
    return 0;
}
#endif
