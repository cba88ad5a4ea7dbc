/* Core configuration for the Cortex-M4 run: the defaults, plus real critical sections (PRIMASK),
   since the interrupt run ticks the sampler from SysTick. They change no byte of the output. */
#ifndef CW_QEMU_CONFIG_H
#define CW_QEMU_CONFIG_H

#include <stdint.h>

#define CW_CRITICAL_ENTER()                                                              \
    uint32_t cw_primask_saved;                                                           \
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(cw_primask_saved)::"memory")
#define CW_CRITICAL_EXIT() __asm__ volatile("msr primask, %0" ::"r"(cw_primask_saved) : "memory")

#endif
