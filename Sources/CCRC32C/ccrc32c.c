// The only C in DeviceProtocol: the crc32 instruction is not reachable from Swift.
// Checking every received byte is ~10 % of replay time with slice-by-8 tables.
#include "ccrc32c.h"
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t update_sse42(uint32_t crc, const unsigned char *p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

int ccrc32c_hw_update(uint32_t *crc, const void *data, size_t length) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    if (!supported) return 0;
    *crc = update_sse42(*crc, (const unsigned char *)data, length);
    return 1;
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

int ccrc32c_hw_update(uint32_t *crc, const void *data, size_t length) {
    const unsigned char *p = data;
    uint32_t c = *crc;
    while (length >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __crc32cd(c, v);
        p += 8;
        length -= 8;
    }
    while (length--) c = __crc32cb(c, *p++);
    *crc = c;
    return 1;
}

#else
int ccrc32c_hw_update(uint32_t *crc, const void *data, size_t length) {
    (void)crc; (void)data; (void)length;
    return 0;
}
#endif
