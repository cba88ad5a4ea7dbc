/* Fixed-capacity ring of items: a power-of-two number of slots, free-running indices masked on
   access, no heap. One producer (the tick interrupt) only writes `head`, one consumer (the main
   loop) only writes `tail`; a slot is filled in place and then published by advancing `head`.
   The indices are CW_CFG_RING_INDEX_T, which the CPU must read and write in one access.

       CW_RING_TYPE(block_ring, block, 8);
       block *b = cw_ring_write_slot(&r); ...fill...; cw_ring_commit(&r);       producer
       if (!cw_ring_is_empty(&r)) { use(cw_ring_read_slot(&r)); cw_ring_release(&r); }   consumer */
#ifndef CW_RING_H
#define CW_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "cw_config.h"

typedef CW_CFG_RING_INDEX_T cw_ring_index;

#define CW_RING_TYPE(name, item_type, capacity)                                                                  \
    _Static_assert((capacity) >= 2 && ((capacity) & ((capacity)-1)) == 0, #name ": capacity must be a power of two"); \
    _Static_assert((capacity) <= ((cw_ring_index)-1) / 2 + 1, #name ": capacity too large for the index type");     \
    typedef struct {                                                                                             \
        item_type slots[capacity];                                                                               \
        volatile cw_ring_index head; /* next slot the producer fills */                                         \
        volatile cw_ring_index tail; /* next slot the consumer reads */                                         \
    } name

#define cw_ring_capacity(r) ((cw_ring_index)(sizeof((r)->slots) / sizeof((r)->slots[0])))
#define cw_ring_count(r) ((cw_ring_index)((r)->head - (r)->tail))
#define cw_ring_is_empty(r) ((r)->head == (r)->tail)
#define cw_ring_is_full(r) (cw_ring_count(r) == cw_ring_capacity(r))
#define cw_ring_write_slot(r) (&(r)->slots[(r)->head & (cw_ring_capacity(r) - 1u)])
#define cw_ring_read_slot(r) (&(r)->slots[(r)->tail & (cw_ring_capacity(r) - 1u)])
#define cw_ring_commit(r) (cw_ring_barrier(), (r)->head = (cw_ring_index)((r)->head + 1u))
#define cw_ring_release(r) (cw_ring_barrier(), (r)->tail = (cw_ring_index)((r)->tail + 1u))

/* Keeps the compiler from moving slot accesses across an index update (one core: no CPU fence needed). */
static inline void cw_ring_barrier(void) { __asm__ __volatile__("" ::: "memory"); }

#endif
