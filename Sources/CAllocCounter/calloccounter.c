// Allocation counting for benchmarks and the "no allocation in the sample loop" test.
// glibc exports its real allocator as __libc_*; an executable that defines malloc & co. takes
// precedence over libc for every library in the process, so these wrappers see everything.
#include "calloccounter.h"
#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

// Per thread: a measurement counts only the allocations of the thread that asked for it (tests run
// in parallel). Initial-exec TLS: the executable's own, reached without calling malloc.
static _Thread_local int counting __attribute__((tls_model("initial-exec")));
static _Thread_local uint64_t allocations __attribute__((tls_model("initial-exec")));

void cw_alloc_counting(int on) { counting = on; }
uint64_t cw_alloc_count(void) { return allocations; }
void cw_alloc_reset(void) { allocations = 0; }

static inline void count(void) {
    if (counting) allocations++;
}

void *malloc(size_t n) { count(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t a, size_t n) { count(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { count(); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    count();
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
