// The only C in DeviceProtocol: the crc32 instruction is not reachable from Swift.
// Checking every received byte is ~10 % of replay time with slice-by-8 tables.
#include "ccrc32c.h"
#include <string.h>

// Each architecture names its instructions (8 bytes, 1 byte), the register the 8-byte one works on, what the loop
// is compiled for, and whether the CPU has the instructions; the loop below is the same on both.
#if defined(__x86_64__)
#include <nmmintrin.h>

// The binary runs on any x86-64: only the loop is compiled for SSE 4.2, and used when the CPU has it.
#define HW_TARGET __attribute__((target("sse4.2")))
// The 8-byte instruction takes and gives 64 bits: a 32-bit CRC would cost a zero-extension on every step of the
// loop's dependency chain.
typedef uint64_t hw_crc;
#define HW_CRC32C_8(c, v) _mm_crc32_u64(c, v)
#define HW_CRC32C_1(c, b) _mm_crc32_u8(c, b)

static int hw_supported(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    return supported;
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

// Built for CPUs with the CRC extension (__ARM_FEATURE_CRC32): every CPU it runs on has it.
#define HW_TARGET
typedef uint32_t hw_crc;
#define HW_CRC32C_8(c, v) __crc32cd(c, v)
#define HW_CRC32C_1(c, b) __crc32cb(c, b)

static int hw_supported(void) { return 1; }
#endif

#if defined(HW_CRC32C_8)
HW_TARGET
static uint32_t update_hw(uint32_t crc, const unsigned char *p, size_t n) {
    hw_crc c = crc;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = HW_CRC32C_8(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = HW_CRC32C_1(c32, *p++);
    return c32;
}

int ccrc32c_hw_update(uint32_t *crc, const void *data, size_t length) {
    if (!hw_supported()) return 0;
    *crc = update_hw(*crc, data, length);
    return 1;
}

#else
int ccrc32c_hw_update(uint32_t *crc, const void *data, size_t length) {
    (void)crc; (void)data; (void)length;
    return 0;
}
#endif
