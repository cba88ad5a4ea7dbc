#ifndef CALLOCCOUNTER_H
#define CALLOCCOUNTER_H
#include <stdint.h>

/// Counts heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made
/// by the calling thread while its counting is on. Linking this target replaces the process's allocator entry
/// points with thin counting wrappers around glibc's own (__libc_malloc and friends).
void cw_alloc_counting(int on);
uint64_t cw_alloc_count(void);
void cw_alloc_reset(void);

#endif
