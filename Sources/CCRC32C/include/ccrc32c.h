#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C update with the CPU's crc32 instruction (SSE4.2 on x86-64, CRC extension on ARMv8).
/// Returns 0 and leaves *crc untouched when the CPU has none; the caller then uses its table.
int ccrc32c_hw_update(uint32_t *crc, const void *data, size_t length);

#endif
