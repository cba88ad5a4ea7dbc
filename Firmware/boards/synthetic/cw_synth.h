/* The synthetic board: the core's board interface (core/cw_board.h) on a deterministic signal and
   a clock derived from the sample count, with no hardware. It is the "board" of the host unit
   tests, of the virtual USB device's --synthetic mode (sim/cwsim.c) and of the Cortex-M run under
   QEMU (boards/qemu-mps2): the same input gives the same bytes in all three, which is what the
   QEMU test checks. Integer arithmetic only, so x86-64 and Cortex-M4 agree to the bit.

   Signal (a pure function of the sample index, so dropped samples do not shift it): EMG is
   pseudo-random noise of +-40 counts (10 uV at 0.25 uV/LSB) plus a 50 Hz hum of 24 counts; every
   20 s a 6 s burst of +-2000 counts (a cramp-like contraction) on channel 0, half of it on
   channel 1. The accelerometer reads gravity on z (4096 counts = 1 g) with +-20 counts of noise,
   and a tilt of 1000 counts on x during the bursts. */
#ifndef CW_SYNTH_H
#define CW_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/cw_device.h"

/* Where frames go; return false to refuse one (a host that is not reading). */
typedef bool (*cw_synth_writer)(void *ctx, const uint8_t *data, size_t length);

/* Power-up of the board: clock at `boot_us`, the writer for frames. Call before cw_device_init. */
void cw_synth_init(uint64_t boot_us, cw_synth_writer writer, void *ctx);
/* The signal, for checking what the device sent. */
int16_t cw_synth_emg(uint32_t emg_index, uint8_t channel, uint16_t emg_rate_hz);
void cw_synth_accel(uint32_t accel_index, uint16_t accel_rate_hz, int16_t xyz[3]);
/* Runs the device for `ticks` sampling periods (the timer interrupt), calling cw_device_task
   every `task_every` ticks (the main loop; 0 = never). Without sampling it only advances the clock. */
void cw_synth_run(cw_device *d, uint32_t ticks, uint32_t task_every);
/* One sampling period: the timer interrupt's work (takes the sample if sampling). For a board
   whose real timer interrupt drives the synthetic signal (the QEMU interrupt run). */
void cw_synth_tick(cw_device *d);
/* Ticks taken since sampling started (safe to poll from outside the interrupt). */
uint32_t cw_synth_ticks(void);
/* Encodes a host command and feeds it to the device, as if it came over USB. */
void cw_synth_command(cw_device *d, uint8_t type, uint32_t sequence, const cw_command *c);
/* `ticks` sampling periods pass without their interrupt (held off too long): the board reports
   them with cw_sampler_missed, as the ATmega32U4 port does. */
void cw_synth_miss(cw_device *d, uint16_t ticks);
/* Advances the clock while idle. */
void cw_synth_sleep(uint64_t us);
bool cw_synth_sampling(void);
uint16_t cw_synth_identify_count(void);

/* A whole scripted session (CONFIGURE, START, `seconds` of streaming, GET_STATUS, STOP) at the
   given EMG rate; if `stall_second` > 0, the main loop stalls for the first 0.2 s of that second
   (the ring overflows). The scenario the QEMU run and its host reference both execute. */
void cw_synth_session(cw_device *d, uint16_t emg_rate_hz, uint8_t channels, uint32_t seconds, uint32_t stall_second);

#endif
