/* The synthetic board; see cw_synth.h. */
#include "cw_synth.h"

#include "../../core/cw_board.h"

static struct {
    uint64_t now_us, sampling_start_us;
    uint32_t sample;            /* ticks since sampling started = index of the next EMG sample */
    uint16_t tick_hz;
    bool sampling;
    uint16_t identify;
    cw_synth_writer writer;
    void *ctx;
} b;

void cw_synth_init(uint64_t boot_us, cw_synth_writer writer, void *ctx) {
    b.now_us = boot_us;
    b.sampling_start_us = boot_us;
    b.sample = 0;
    b.tick_hz = 0;
    b.sampling = false;
    b.identify = 0;
    b.writer = writer;
    b.ctx = ctx;
}

/* A 32-bit mix (splitmix-like) of the index: the noise is a pure function of the index. */
static uint32_t mix(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

/* sin(2 pi k / 64) * 1024, a quarter wave. */
static const int16_t quarter_sine[17] = {0, 100, 200, 297, 392, 483, 569, 650, 724, 792, 851, 903, 946, 980, 1004, 1019, 1024};

static int32_t sine1024(uint32_t phase64) { /* phase in 1/64 of a turn */
    uint32_t k = phase64 & 63u;
    if (k < 16) return quarter_sine[k];
    if (k < 32) return quarter_sine[32 - k];
    if (k < 48) return -quarter_sine[k - 32];
    return -quarter_sine[64 - k];
}

static bool in_burst(uint32_t index, uint16_t rate) {
    uint32_t s = index / rate;
    return (s % 20u) >= 10u && (s % 20u) < 16u;
}

int16_t cw_synth_emg(uint32_t index, uint8_t channel, uint16_t rate) {
    uint32_t r = mix(index * 4u + channel + 0x9E3779B9u);
    int32_t v = (int32_t)(r % 81u) - 40;
    uint32_t phase = (uint32_t)(((uint64_t)index * 50u * 64u) / rate); /* 50 Hz */
    v += sine1024(phase) * 24 / 1024;
    if (in_burst(index, rate) && channel < 2) {
        int32_t amplitude = channel == 0 ? 2000 : 1000;
        v += (int32_t)((r >> 8) % (uint32_t)(2 * amplitude + 1)) - amplitude;
    }
    return (int16_t)v;
}

void cw_synth_accel(uint32_t index, uint16_t rate, int16_t xyz[3]) {
    uint32_t r = mix(index ^ 0xA5A5A5A5u);
    xyz[0] = (int16_t)((int32_t)(r % 41u) - 20);
    xyz[1] = (int16_t)((int32_t)((r >> 8) % 41u) - 20);
    xyz[2] = (int16_t)(4096 + (int32_t)((r >> 16) % 41u) - 20);
    if (in_burst(index, rate)) xyz[0] = (int16_t)(xyz[0] + 1000);
}

/* ---- the board interface ---- */
uint64_t cw_board_micros(void) {
    CW_CRITICAL_ENTER(); /* a tick interrupt may update it (the QEMU interrupt run) */
    uint64_t t = b.now_us;
    CW_CRITICAL_EXIT();
    return t;
}

bool cw_board_write(const uint8_t *data, size_t length) { return b.writer ? b.writer(b.ctx, data, length) : false; }

static cw_device *running_device; /* the device whose sampler the reads belong to */

void cw_board_emg_read(int16_t *counts, uint8_t channels) {
    uint16_t rate = running_device->sampler.config.emg_rate_hz;
    for (uint8_t ch = 0; ch < channels; ch++) counts[ch] = cw_synth_emg(b.sample, ch, rate);
}

void cw_board_accel_read(int16_t xyz[3]) {
    cw_synth_accel(running_device->sampler.accel_next, running_device->sampler.config.accel_rate_hz, xyz);
}

void cw_board_sampling_start(uint16_t tick_hz) {
    b.tick_hz = tick_hz;
    b.sampling = true;
    b.sample = 0;
    b.sampling_start_us = b.now_us;
}

void cw_board_sampling_stop(void) { b.sampling = false; }

const char *cw_board_serial(void) { return "CW-SYNTH-0001"; }
uint32_t cw_board_boot_id(void) { return 0x5EED0001u; }

void cw_board_power(uint16_t *battery_mv, uint8_t *battery_percent) {
    *battery_mv = 0; /* USB powered */
    *battery_percent = 255;
}

uint8_t cw_board_contact(void) { return 0x03; }
void cw_board_identify(void) { b.identify++; }

/* ---- driving it ---- */
bool cw_synth_sampling(void) { return b.sampling; }
uint16_t cw_synth_identify_count(void) { return b.identify; }
void cw_synth_sleep(uint64_t us) { b.now_us += us; }

void cw_synth_miss(cw_device *d, uint16_t ticks) {
    if (!b.sampling) return;
    cw_sampler_missed(&d->sampler, ticks);
    b.sample += ticks;
    b.now_us = b.sampling_start_us + (uint64_t)b.sample * 1000000u / b.tick_hz;
}

void cw_synth_tick(cw_device *d) {
    running_device = d;
    if (!b.sampling) return;
    /* the interrupt for sample `b.sample` fires at its own time */
    b.now_us = b.sampling_start_us + (uint64_t)b.sample * 1000000u / b.tick_hz;
    cw_device_tick(d);
    b.sample++;
}

uint32_t cw_synth_ticks(void) { return *(volatile uint32_t *)&b.sample; }

void cw_synth_run(cw_device *d, uint32_t ticks, uint32_t task_every) {
    running_device = d;
    for (uint32_t t = 0; t < ticks; t++) {
        if (b.sampling) cw_synth_tick(d);
        else b.now_us += 500;
        if (task_every && (t + 1) % task_every == 0) cw_device_task(d);
    }
}

/* ---- the scripted session ---- */
void cw_synth_command(cw_device *d, uint8_t type, uint32_t sequence, const cw_command *c) {
    uint8_t payload[CW_CONFIGURE_SIZE], wire[64];
    uint16_t n = cw_payload_command(payload, type, c);
    size_t w = cw_encode_frame(type, sequence, 1000u * sequence, payload, n, wire);
    cw_device_receive(d, wire, w);
}

void cw_synth_session(cw_device *d, uint16_t emg_rate_hz, uint8_t channels, uint32_t seconds, uint32_t stall_second) {
    cw_command c = {0x1000u, emg_rate_hz, 100, 50, channels};
    cw_synth_command(d, CW_CMD_CONFIGURE, 1, &c);
    cw_synth_sleep(1000);
    c.token = 0x1001u;
    cw_synth_command(d, CW_CMD_START, 2, &c);
    for (uint32_t s = 0; s < seconds; s++) {
        if (s > 0 && s == stall_second) {
            /* the main loop stalls for 0.2 s: the ring fills and samples are dropped */
            cw_synth_run(d, emg_rate_hz / 5u, 0);
            cw_synth_run(d, emg_rate_hz - emg_rate_hz / 5u, 8);
            continue;
        }
        cw_synth_run(d, emg_rate_hz, 8); /* the main loop runs every 8 ticks */
        if (s == seconds / 2) {
            c.token = 0x1002u;
            cw_synth_command(d, CW_CMD_GET_STATUS, 3, &c);
        }
    }
    cw_synth_run(d, 5, 0); /* a short last block */
    c.token = 0x1003u;
    cw_synth_command(d, CW_CMD_STOP, 4, &c);
}
