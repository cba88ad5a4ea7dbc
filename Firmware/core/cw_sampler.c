/* Sample scheduling and block building; see cw_sampler.h. The tick path has no division, no
   multiplication wider than a byte by a byte and no 64-bit arithmetic: it runs in the timer
   interrupt of a 16 MHz AVR at 2 kHz (Firmware/README.md gives its cycle count). */
#include "cw_sampler.h"

#include <string.h>

#include "cw_board.h"

#define ADC_HIGH ((int16_t)((1L << (CW_CFG_ADC_BITS - 1)) - 1))
#define ADC_LOW ((int16_t)(-(1L << (CW_CFG_ADC_BITS - 1))))

void cw_sampler_init(cw_sampler *s) { memset(s, 0, sizeof *s); }

void cw_sampler_start(cw_sampler *s, const cw_sampler_config *c) {
    CW_CRITICAL_ENTER();
    s->config = *c;
    s->ring.head = 0;
    s->ring.tail = 0;
    s->filling = false;
    s->jumped = false;
    s->dropped_in_block = 0;
    s->blocks_lost = 0;
    s->tick = 0;
    s->accel_next = 0;
    /* One rate step short of due, so that the accelerometer takes its sample 0 on tick 0. */
    s->accel_phase = (uint16_t)(c->emg_rate_hz - c->accel_rate_hz);
    s->running = true;
    CW_CRITICAL_EXIT();
}

void cw_sampler_stop(cw_sampler *s) {
    CW_CRITICAL_ENTER();
    if (s->running && s->filling) {
        cw_block *b = cw_ring_write_slot(&s->ring);
        if (b->emg_count > 0 || b->accel_count > 0) cw_ring_commit(&s->ring);
    }
    s->filling = false;
    s->running = false;
    CW_CRITICAL_EXIT();
}

/* The block being filled, beginning a new one if a slot is free; NULL when every slot is taken. */
static cw_block *current_block(cw_sampler *s) {
    if (s->filling) return cw_ring_write_slot(&s->ring);
    if (cw_ring_is_full(&s->ring)) return NULL;
    cw_block *b = cw_ring_write_slot(&s->ring);
    b->emg_index = s->tick;
    b->accel_index = s->accel_next;
    b->first_tick = s->tick;
    b->emg_count = 0;
    b->accel_count = 0;
    b->flags = s->jumped ? CW_SAMPLE_FLAG_OVERFLOW : 0;
    /* a part-block of dropped samples counts as one lost block */
    b->blocks_lost = (uint16_t)(s->blocks_lost + (s->dropped_in_block ? 1u : 0u));
    s->blocks_lost = 0;
    s->dropped_in_block = 0;
    s->jumped = false;
    s->filling = true;
    return b;
}

/* True when the accelerometer is due on this tick (advances its phase). */
static bool accel_due(cw_sampler *s) {
    const cw_sampler_config *c = &s->config;
    if (c->accel_axes == 0) return false;
    s->accel_phase = (uint16_t)(s->accel_phase + c->accel_rate_hz);
    if (s->accel_phase < c->emg_rate_hz) return false;
    s->accel_phase = (uint16_t)(s->accel_phase - c->emg_rate_hz);
    return true;
}

/* An EMG sample that was not kept: counted, and the next block shows the jump. */
static void drop_sample(cw_sampler *s) {
    s->overflow_samples++;
    s->jumped = true;
    if (++s->dropped_in_block == CW_CFG_EMG_BLOCK_SAMPLES) {
        s->dropped_in_block = 0;
        s->blocks_lost++;
    }
}

void cw_sampler_missed(cw_sampler *s, uint16_t ticks) {
    if (!s->running || ticks == 0) return;
    if (s->filling) { /* a block's samples must be contiguous: close it here */
        cw_ring_commit(&s->ring);
        s->filling = false;
    }
    while (ticks--) {
        if (accel_due(s)) {
            s->jumped = true;
            s->accel_next++;
        }
        drop_sample(s);
        s->tick++;
    }
}

void cw_sampler_tick(cw_sampler *s) {
    if (!s->running) return;
    const cw_sampler_config *c = &s->config;
    cw_block *b = current_block(s);
    if (accel_due(s)) {
        /* before the EMG sample: one due with the block's last EMG sample belongs to that block */
        if (b != NULL && b->accel_count < CW_ACCEL_BLOCK_MAX) {
            cw_board_accel_read(&b->accel[3u * b->accel_count]);
            b->accel_count++;
        } else {
            s->jumped = true;
        }
        s->accel_next++;
    }
    if (b != NULL) {
        int16_t *v = &b->emg[(uint16_t)(b->emg_count * c->emg_channels)];
        cw_board_emg_read(v, c->emg_channels);
        for (uint8_t ch = 0; ch < c->emg_channels; ch++) {
            if (v[ch] >= ADC_HIGH || v[ch] <= ADC_LOW) b->flags |= CW_SAMPLE_FLAG_CLIPPING;
        }
        if (++b->emg_count == CW_CFG_EMG_BLOCK_SAMPLES) {
            cw_ring_commit(&s->ring);
            s->filling = false;
        }
    } else {
        drop_sample(s);
    }
    s->tick++;
}

const cw_block *cw_sampler_peek(cw_sampler *s) { return cw_ring_is_empty(&s->ring) ? NULL : cw_ring_read_slot(&s->ring); }

void cw_sampler_release(cw_sampler *s) {
    if (!cw_ring_is_empty(&s->ring)) cw_ring_release(&s->ring);
}

uint32_t cw_sampler_overflow_samples(const cw_sampler *s) {
    CW_CRITICAL_ENTER();
    uint32_t n = s->overflow_samples;
    CW_CRITICAL_EXIT();
    return n;
}
