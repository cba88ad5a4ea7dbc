/* Sample scheduling: EMG and accelerometer from one tick, into sample blocks in a ring.

   The board's timer interrupt calls cw_sampler_tick() at the EMG rate; every tick takes one EMG
   sample (all channels). The accelerometer is due on the ticks a phase accumulator picks
   (Bresenham: exact when the EMG rate is a multiple of the accelerometer rate, otherwise within
   one tick; both streams take their sample 0 on tick 0). Samples go straight into the block being
   filled, a slot of a ring of CW_CFG_BLOCK_SLOTS: EMG until CW_CFG_EMG_BLOCK_SAMPLES per channel,
   and every accelerometer sample that falls due meanwhile (so a block may hold none). The main
   loop takes complete blocks with cw_sampler_peek() / cw_sampler_release().

   When the main loop falls behind and every slot is full, samples are dropped, not queued: the
   indices keep counting, `overflow_samples` counts the dropped EMG samples, the next block carries
   CW_SAMPLE_FLAG_OVERFLOW with indices that jump, and its `blocks_lost` says how many blocks the
   dropped samples would have made (the device advances its frame sequence by that many, so the
   host sees the loss as a sequence gap as well). */
#ifndef CW_SAMPLER_H
#define CW_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "cw_config.h"
#include "cw_ring.h"

typedef struct {
    uint32_t emg_index;   /* index of the first EMG sample (per channel), from START */
    uint32_t accel_index; /* index of the first accelerometer sample, from START */
    uint32_t first_tick;  /* tick of the first EMG sample (= emg_index) */
    uint16_t emg_count;   /* per channel */
    uint16_t accel_count; /* per axis */
    uint16_t flags;       /* CW_SAMPLE_FLAG_* */
    uint16_t blocks_lost; /* blocks' worth of samples dropped just before this block */
    int16_t emg[CW_CFG_EMG_BLOCK_SAMPLES * CW_CFG_EMG_CHANNELS_MAX]; /* sample-major */
    int16_t accel[CW_ACCEL_BLOCK_MAX * (CW_CFG_ACCEL_AXES ? CW_CFG_ACCEL_AXES : 1)]; /* x0 y0 z0 x1 ... */
} cw_block;

CW_RING_TYPE(cw_block_ring, cw_block, CW_CFG_BLOCK_SLOTS);

typedef struct {
    uint16_t emg_rate_hz;   /* the tick rate */
    uint16_t accel_rate_hz; /* ignored without accelerometer */
    uint8_t emg_channels;   /* 1 ... CW_CFG_EMG_CHANNELS_MAX */
    uint8_t accel_axes;     /* 0 or CW_CFG_ACCEL_AXES */
} cw_sampler_config;

typedef struct {
    cw_sampler_config config;
    cw_block_ring ring;
    volatile bool running;
    bool filling;                 /* the slot at the ring's head is being filled */
    uint16_t dropped_in_block;    /* EMG samples dropped since the last lost block was counted */
    uint16_t blocks_lost;         /* lost blocks not yet reported by a block */
    bool jumped;                  /* samples were dropped since the last block began */
    uint16_t accel_phase;
    uint32_t tick;                /* ticks since START = EMG index of the next sample */
    uint32_t accel_next;          /* index of the next accelerometer sample */
    volatile uint32_t overflow_samples; /* EMG samples dropped or missed since power-up */
} cw_sampler;

/* Power-up: stopped, counters at 0. */
void cw_sampler_init(cw_sampler *s);
/* Empties the ring and starts both indices at 0 (the caller has checked the configuration). */
void cw_sampler_start(cw_sampler *s, const cw_sampler_config *c);
/* Stops sampling; a partly filled block is completed as it stands (a short block). */
void cw_sampler_stop(cw_sampler *s);
/* Tick interrupt: takes the samples that are due via cw_board_emg_read / cw_board_accel_read. */
void cw_sampler_tick(cw_sampler *s);
/* Interrupt context: `ticks` sampling periods passed without a sample (the board's interrupt was
   held off for longer than a period). The block being filled is closed as it stands; the missed
   samples are counted like dropped ones (overflow_samples, the overflow flag and a sequence gap),
   so the indices, and with them the sample times, stay exact. */
void cw_sampler_missed(cw_sampler *s, uint16_t ticks);
/* Main loop: the oldest complete block, or NULL; valid until cw_sampler_release(). */
const cw_block *cw_sampler_peek(cw_sampler *s);
void cw_sampler_release(cw_sampler *s);
/* EMG samples dropped since power-up, read safely outside the interrupt. */
uint32_t cw_sampler_overflow_samples(const cw_sampler *s);

#endif
