/* Host unit tests of the portable core (sampler, ring, device, command handler) on the synthetic
   board. Everything the device sends goes through the core's own stream decoder, the one the
   golden vectors check, and is compared with numbers: sample values against the synthetic
   signal, indices, sequence gaps, counters and ack results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../boards/synthetic/cw_synth.h"
#include "../core/cw_board.h"
#include "../core/cw_codec.h"
#include "../core/cw_device.h"

static int failures, checks;
#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        checks++;                                                         \
        if (!(cond)) {                                                    \
            failures++;                                                   \
            fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, __func__); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

/* ---- what the host sees ---- */
typedef enum { EV_FRAME, EV_ERROR, EV_GAP, EV_REORDER } ev_kind;
typedef struct {
    ev_kind kind;
    uint8_t type;
    uint32_t seq, a, b, c;
    uint64_t ts;
    union {
        cw_device_info info;
        cw_status status;
        cw_ack ack;
        struct {
            cw_sample_block block;
            int16_t values[2 * 4 * 64 + 3 * 64];
        } s;
    } u;
} event;

static struct {
    uint8_t *wire;
    size_t size, cap;
    event *ev;
    size_t n, evcap;
    long refuse_from, refuse_count; /* frames written (counted from 0) the "host" does not read */
    long writes;
    uint32_t ticks_per_write, tick_budget; /* timer interrupts that fire while a frame is written */
    cw_decoder dec;
} host;

static event *push(ev_kind k) {
    if (host.n == host.evcap) {
        host.evcap = host.evcap ? 2 * host.evcap : 256;
        host.ev = realloc(host.ev, host.evcap * sizeof *host.ev);
    }
    event *e = &host.ev[host.n++];
    memset(e, 0, sizeof *e);
    e->kind = k;
    return e;
}

static void on_frame(void *ctx, const cw_frame *f) {
    (void)ctx;
    event *e = push(EV_FRAME);
    e->type = f->type;
    e->seq = f->sequence;
    e->ts = f->timestamp_us;
    switch (f->type) {
    case CW_FRAME_DEVICE_INFO: cw_parse_device_info(f, &e->u.info); break;
    case CW_FRAME_STATUS: cw_parse_status(f, &e->u.status); break;
    case CW_FRAME_ACK: cw_parse_ack(f, &e->u.ack); break;
    case CW_FRAME_SAMPLE_BLOCK: {
        cw_parse_sample_block(f, &e->u.s.block);
        size_t n = (size_t)e->u.s.block.emg_count * e->u.s.block.emg_channels + (size_t)e->u.s.block.accel_count * e->u.s.block.accel_axes;
        if (n > sizeof e->u.s.values / 2) n = 0;
        for (size_t i = 0; i < n; i++) e->u.s.values[i] = cw_sample_at(&e->u.s.block, i);
        e->u.s.block.samples = NULL;
        /* the streaming encoder must agree with the buffer encoder of the golden vectors */
        uint8_t payload[CW_MAX_PAYLOAD], wire[CW_MAX_ENCODED + 1];
        cw_sample_block *b = &e->u.s.block;
        uint16_t len = cw_payload_sample_block(payload, b->emg_index, b->accel_index, b->emg_channels, b->accel_axes, b->emg_count, b->accel_count,
                                               b->flags, e->u.s.values, e->u.s.values + (size_t)b->emg_count * b->emg_channels);
        size_t w = cw_encode_frame(f->type, f->sequence, f->timestamp_us, payload, len, wire);
        CHECK(len == f->payload_length && memcmp(payload, f->payload, len) == 0, "block seq %u: payload differs from the buffer encoder's", f->sequence);
        CHECK(w > 0 && f->offset + w <= host.size && memcmp(wire, host.wire + f->offset, w) == 0, "block seq %u: wire bytes differ from cw_encode_frame's", f->sequence);
        break;
    }
    default: break;
    }
}
static void on_error(void *ctx, cw_error_kind k, uint64_t offset) {
    (void)ctx;
    event *e = push(EV_ERROR);
    e->a = k;
    e->ts = offset;
}
static void on_gap(void *ctx, uint32_t expected, uint32_t got, uint32_t lost) {
    (void)ctx;
    event *e = push(EV_GAP);
    e->a = expected, e->b = got, e->c = lost;
}
static void on_reorder(void *ctx, uint32_t expected, uint32_t got) {
    (void)ctx;
    event *e = push(EV_REORDER);
    e->a = expected, e->b = got;
}

static cw_device dev;

static bool writer(void *ctx, const uint8_t *data, size_t length) {
    (void)ctx;
    long k = host.writes++;
    if (k >= host.refuse_from && k < host.refuse_from + host.refuse_count) return false;
    CHECK(length >= 2 && data[length - 1] == 0 && memchr(data, 0, length - 1) == NULL, "frame %ld: not one COBS frame with its delimiter", k);
    if (host.size + length > host.cap) {
        host.cap = (host.size + length) * 2;
        host.wire = realloc(host.wire, host.cap);
    }
    memcpy(host.wire + host.size, data, length);
    host.size += length;
    cw_decoder_feed(&host.dec, data, length);
    for (uint32_t i = 0; i < host.ticks_per_write && host.tick_budget > 0; i++, host.tick_budget--) cw_synth_tick(&dev);
    return true;
}

static void reset(void) {
    free(host.wire);
    free(host.ev);
    memset(&host, 0, sizeof host);
    host.refuse_from = -1;
    cw_decoder_callbacks cb = {on_frame, on_error, on_gap, on_reorder, NULL};
    cw_decoder_init(&host.dec, &cb);
    cw_synth_init(1000000, writer, NULL);
    cw_device_init(&dev);
}

static void send_cmd(uint8_t type, uint32_t token, const cw_command *args) {
    static uint32_t host_seq;
    cw_command c = args ? *args : (cw_command){0};
    c.token = token;
    uint8_t payload[CW_CONFIGURE_SIZE], wire[64];
    uint16_t n = cw_payload_command(payload, type, &c);
    size_t w = cw_encode_frame(type, host_seq++, 0, payload, n, wire);
    cw_device_receive(&dev, wire, w);
}

static void send_raw(uint8_t type, const uint8_t *payload, uint16_t n) {
    uint8_t wire[CW_MAX_ENCODED + 1];
    size_t w = cw_encode_frame(type, 7, 0, payload, n, wire);
    cw_device_receive(&dev, wire, w);
}

static size_t count(ev_kind k, int type) {
    size_t c = 0;
    for (size_t i = 0; i < host.n; i++)
        if (host.ev[i].kind == k && (type < 0 || host.ev[i].type == type)) c++;
    return c;
}

static const event *last(int type) {
    for (size_t i = host.n; i-- > 0;)
        if (host.ev[i].kind == EV_FRAME && (type < 0 || host.ev[i].type == type)) return &host.ev[i];
    return NULL;
}

/* Accelerometer samples due on ticks [0, t): sample k falls on tick ceil(k * E / A). */
static uint32_t due_before(uint32_t t, uint16_t emg_rate, uint16_t accel_rate) {
    return t == 0 ? 0 : (uint32_t)((uint64_t)(t - 1) * accel_rate / emg_rate) + 1;
}

/* Checks every sample block against the synthetic signal and the indices' continuity. Returns the
   EMG samples received. */
static uint32_t check_blocks(uint16_t rate, uint16_t accel_rate, uint8_t channels, uint64_t start_us) {
    uint32_t emg_next = 0, accel_next = 0, received = 0;
    for (size_t i = 0; i < host.n; i++) {
        const event *e = &host.ev[i];
        if (e->kind != EV_FRAME || e->type != CW_FRAME_SAMPLE_BLOCK) continue;
        const cw_sample_block *b = &e->u.s.block;
        bool jumped = b->emg_index != emg_next;
        CHECK(b->emg_index >= emg_next, "block seq %u: emg_index %u goes back (expected %u)", e->seq, b->emg_index, emg_next);
        CHECK(jumped == ((b->flags & CW_SAMPLE_FLAG_OVERFLOW) != 0), "block seq %u: overflow flag %u but emg_index %u after %u", e->seq, b->flags, b->emg_index, emg_next);
        CHECK(b->emg_channels == channels && b->accel_axes == 3, "block seq %u: %u channels %u axes", e->seq, b->emg_channels, b->accel_axes);
        CHECK(b->emg_count >= 1 && b->emg_count <= CW_CFG_EMG_BLOCK_SAMPLES, "block seq %u: emg_count %u", e->seq, b->emg_count);
        uint64_t want_ts = start_us + (uint64_t)b->emg_index * 1000000u / rate;
        CHECK(e->ts == want_ts, "block seq %u: timestamp %llu, expected %llu", e->seq, (unsigned long long)e->ts, (unsigned long long)want_ts);
        /* accelerometer sample k is taken on the first tick at or after its own time, ceil(k E / A) */
        uint32_t first_accel = due_before(b->emg_index, rate, accel_rate);
        uint32_t end_accel = due_before(b->emg_index + b->emg_count, rate, accel_rate);
        CHECK(b->accel_index == first_accel && b->accel_count == end_accel - first_accel,
              "block seq %u (emg %u+%u): accel %u+%u, expected %u+%u", e->seq, b->emg_index, b->emg_count, b->accel_index, b->accel_count, first_accel, end_accel - first_accel);
        int bad = 0;
        for (uint32_t k = 0; k < b->emg_count; k++)
            for (uint8_t ch = 0; ch < channels; ch++) bad += e->u.s.values[k * channels + ch] != cw_synth_emg(b->emg_index + k, ch, rate);
        const int16_t *acc = e->u.s.values + (size_t)b->emg_count * channels;
        for (uint32_t k = 0; k < b->accel_count; k++) {
            int16_t xyz[3];
            cw_synth_accel(b->accel_index + k, accel_rate, xyz);
            bad += memcmp(xyz, acc + 3 * k, sizeof xyz) != 0;
        }
        CHECK(bad == 0, "block seq %u: %d samples differ from the signal", e->seq, bad);
        CHECK((b->flags & CW_SAMPLE_FLAG_CLIPPING) == 0, "block seq %u: clipping flag on an unclipped signal", e->seq);
        emg_next = b->emg_index + b->emg_count;
        accel_next = b->accel_index + b->accel_count;
        received += b->emg_count;
    }
    (void)accel_next;
    return received;
}

/* ---- tests ---- */
static void test_power_up_info(void) {
    reset();
    CHECK(host.n == 1 && host.ev[0].type == CW_FRAME_DEVICE_INFO && host.ev[0].seq == 0, "power-up: %zu events, want one device_info seq 0", host.n);
    const cw_device_info *i = &host.ev[0].u.info;
    CHECK(strcmp(i->serial, "CW-SYNTH-0001") == 0 && i->emg_rate_hz == 2000 && i->accel_rate_hz == 100 && i->emg_channels == 2 && i->accel_axes == 3 &&
              i->emg_block_samples == CW_CFG_EMG_BLOCK_SAMPLES && i->boot_id == 0x5EED0001u && i->mains_hz == 50 && i->adc_bits == 16 &&
              i->emg_uv_per_lsb == 0.25f && i->emg_site[0] == 2 && i->emg_site[1] == 1,
          "power-up device_info fields: serial %s rate %u/%u channels %u", i->serial, i->emg_rate_hz, i->accel_rate_hz, i->emg_channels);
    CHECK(host.ev[0].ts == 1000000, "device_info at %llu us", (unsigned long long)host.ev[0].ts);
    /* GET_INFO control request: the same frame, byte for byte */
    uint8_t out[CW_INFO_FRAME_MAX];
    size_t n = cw_device_info_frame(&dev, out);
    CHECK(n == host.size && memcmp(out, host.wire, n) == 0, "GET_INFO frame (%zu bytes) differs from the power-up frame (%zu bytes)", n, host.size);
}

static void test_session(uint16_t rate, uint16_t accel_rate, uint8_t channels, uint32_t ticks) {
    reset();
    cw_command cfg = {0, rate, accel_rate, 60, channels};
    send_cmd(CW_CMD_CONFIGURE, 11, &cfg);
    send_cmd(CW_CMD_START, 12, NULL);
    uint64_t start_us = cw_board_micros();
    cw_synth_run(&dev, ticks, 5);
    send_cmd(CW_CMD_STOP, 13, NULL);
    /* order: info, ack CONFIGURE, ack START, info, blocks (+status every `rate` samples), ack STOP */
    CHECK(host.n >= 5 && host.ev[1].type == CW_FRAME_ACK && host.ev[1].u.ack.command == CW_CMD_CONFIGURE && host.ev[1].u.ack.result == 0 &&
              host.ev[1].u.ack.token == 11,
          "%u Hz: CONFIGURE not acknowledged ok", rate);
    CHECK(host.ev[2].type == CW_FRAME_ACK && host.ev[2].u.ack.command == CW_CMD_START && host.ev[2].u.ack.result == 0 && host.ev[3].type == CW_FRAME_DEVICE_INFO &&
              host.ev[3].u.info.emg_rate_hz == rate && host.ev[3].u.info.accel_rate_hz == accel_rate && host.ev[3].u.info.emg_channels == channels &&
              host.ev[3].u.info.mains_hz == 60,
          "%u Hz: START must give ack then device_info with the configuration", rate);
    CHECK(host.ev[4].type == CW_FRAME_SAMPLE_BLOCK, "%u Hz: first block does not follow the device_info", rate);
    const event *end = &host.ev[host.n - 1];
    CHECK(end->type == CW_FRAME_ACK && end->u.ack.command == CW_CMD_STOP && end->u.ack.result == 0 && end->u.ack.token == 13, "%u Hz: the last frame is not STOP's ack", rate);
    CHECK(count(EV_ERROR, -1) == 0 && count(EV_GAP, -1) == 0 && count(EV_REORDER, -1) == 0, "%u Hz: %zu errors %zu gaps %zu reorders", rate, count(EV_ERROR, -1),
          count(EV_GAP, -1), count(EV_REORDER, -1));
    uint32_t got = check_blocks(rate, accel_rate, channels, start_us);
    CHECK(got == ticks, "%u Hz x %u ch: %u EMG samples received of %u", rate, channels, got, ticks);
    size_t blocks = count(EV_FRAME, CW_FRAME_SAMPLE_BLOCK);
    CHECK(blocks == (ticks + CW_CFG_EMG_BLOCK_SAMPLES - 1) / CW_CFG_EMG_BLOCK_SAMPLES, "%u Hz: %zu blocks for %u samples", rate, blocks, ticks);
    size_t statuses = count(EV_FRAME, CW_FRAME_STATUS);
    CHECK(statuses == ticks / rate, "%u Hz: %zu status frames in %u samples, want one per second", rate, statuses, ticks);
    uint32_t accel_total = 0;
    for (size_t i = 0; i < host.n; i++)
        if (host.ev[i].kind == EV_FRAME && host.ev[i].type == CW_FRAME_SAMPLE_BLOCK) accel_total += host.ev[i].u.s.block.accel_count;
    uint32_t want_accel = due_before(ticks, rate, accel_rate);
    CHECK(accel_total == want_accel, "%u/%u Hz: %u accelerometer samples in %u ticks, want %u", rate, accel_rate, accel_total, ticks, want_accel);
    for (size_t i = 1; i < host.n; i++) CHECK(host.ev[i].seq == host.ev[i - 1].seq + 1, "%u Hz: sequence %u after %u", rate, host.ev[i].seq, host.ev[i - 1].seq);
}

static void test_rates(void) {
    const uint16_t emg[] = {250, 1000, 2000, 3000, 4000};
    const uint16_t acc[] = {25, 100, 200};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 3; j++) test_session(emg[i], acc[j], (uint8_t)(1 + (i + j) % 4), 2u * emg[i] + 13u);
}

static void test_ring_overflow(void) {
    reset();
    send_cmd(CW_CMD_START, 1, NULL);
    size_t before = host.n;
    /* the main loop stalls: 8 slots x 32 samples fill, then 100 samples are dropped */
    cw_synth_run(&dev, CW_CFG_BLOCK_SLOTS * CW_CFG_EMG_BLOCK_SAMPLES + 100, 0);
    CHECK(host.n == before, "nothing may be sent while the main loop stalls");
    CHECK(dev.sampler.overflow_samples == 100, "overflow_samples %u, want 100", dev.sampler.overflow_samples);
    cw_device_task(&dev);
    cw_synth_run(&dev, 300, 4);
    send_cmd(CW_CMD_GET_STATUS, 2, NULL);
    send_cmd(CW_CMD_STOP, 3, NULL);
    CHECK(count(EV_ERROR, -1) == 0 && count(EV_REORDER, -1) == 0, "overflow: decoder errors");
    CHECK(count(EV_GAP, -1) == 1, "overflow: %zu gaps, want 1", count(EV_GAP, -1));
    const event *gap = NULL;
    size_t gi = 0;
    for (size_t i = 0; i < host.n; i++)
        if (host.ev[i].kind == EV_GAP) gap = &host.ev[i], gi = i;
    /* 100 dropped samples = 3 full blocks + a part: 4 frames lost */
    CHECK(gap && gap->c == 4, "overflow: gap of %u frames, want 4", gap ? gap->c : 0);
    CHECK(gap && gi + 1 < host.n && host.ev[gi + 1].type == CW_FRAME_SAMPLE_BLOCK && (host.ev[gi + 1].u.s.block.flags & CW_SAMPLE_FLAG_OVERFLOW) &&
              host.ev[gi + 1].u.s.block.emg_index == CW_CFG_BLOCK_SLOTS * CW_CFG_EMG_BLOCK_SAMPLES + 100,
          "overflow: the block after the gap must carry the overflow flag and emg_index %u", CW_CFG_BLOCK_SLOTS * CW_CFG_EMG_BLOCK_SAMPLES + 100);
    uint32_t got = check_blocks(2000, 100, 2, 1000000);
    CHECK(got == CW_CFG_BLOCK_SLOTS * CW_CFG_EMG_BLOCK_SAMPLES + 300, "overflow: %u samples received", got);
    const event *st = last(CW_FRAME_STATUS);
    CHECK(st && st->u.status.overflow_samples == 100 && st->u.status.frames_dropped == 0 && st->u.status.state_flags == CW_STATE_STREAMING,
          "overflow: status overflow=%u dropped=%u state=%u", st ? st->u.status.overflow_samples : 0, st ? st->u.status.frames_dropped : 0,
          st ? st->u.status.state_flags : 0);
    /* a new START restarts the indices but not the power-up counter */
    send_cmd(CW_CMD_START, 4, NULL);
    cw_synth_run(&dev, 64, 1);
    send_cmd(CW_CMD_GET_STATUS, 5, NULL);
    st = last(CW_FRAME_STATUS);
    CHECK(st && st->u.status.overflow_samples == 100, "overflow counter must survive START (since power-up): %u", st ? st->u.status.overflow_samples : 0);
}

/* Ticks the board could not take (its interrupt held off): the block in progress is closed short,
   the next one starts after the hole with the overflow flag, the counter and a one-frame gap show
   the loss, and every later sample keeps its index (so its time) and its value. */
static void test_missed_ticks(void) {
    reset();
    send_cmd(CW_CMD_START, 1, NULL);
    cw_synth_run(&dev, 40, 4);
    cw_synth_miss(&dev, 5);
    cw_synth_run(&dev, 100, 4);
    send_cmd(CW_CMD_STOP, 2, NULL);
    CHECK(dev.sampler.overflow_samples == 5, "missed ticks: overflow_samples %u, want 5", dev.sampler.overflow_samples);
    CHECK(count(EV_ERROR, -1) == 0 && count(EV_GAP, -1) == 1, "missed ticks: %zu gaps, want 1", count(EV_GAP, -1));
    uint32_t starts[8] = {0}, counts[8] = {0};
    size_t nb = 0;
    for (size_t i = 0; i < host.n && nb < 8; i++)
        if (host.ev[i].kind == EV_FRAME && host.ev[i].type == CW_FRAME_SAMPLE_BLOCK)
            starts[nb] = host.ev[i].u.s.block.emg_index, counts[nb++] = host.ev[i].u.s.block.emg_count;
    CHECK(nb >= 3 && starts[1] == 32 && counts[1] == 8 && starts[2] == 45, "missed ticks: blocks at %u+%u then %u, want 32+8 then 45", starts[1], counts[1], starts[2]);
    CHECK(check_blocks(2000, 100, 2, 1000000) == 140, "missed ticks: 140 samples kept");
}

/* Overload: the tick refills the ring while each frame is written (40 ticks per write, more than a
   block). One cw_device_task call must still return after the blocks that were complete on entry,
   so the main loop gets back to the host's commands. */
static void test_task_returns_under_overload(void) {
    reset();
    send_cmd(CW_CMD_START, 1, NULL);
    cw_synth_run(&dev, 3 * CW_CFG_EMG_BLOCK_SAMPLES, 0);
    host.ticks_per_write = 40;
    host.tick_budget = 100000;
    unsigned sent = cw_device_task(&dev);
    CHECK(sent == 3, "overloaded task: %u frames in one call, want the 3 blocks complete on entry", sent);
    CHECK(host.tick_budget == 100000 - 3 * 40, "overloaded task: %u ticks ran during it", 100000 - host.tick_budget);
    host.ticks_per_write = 0;
    send_cmd(CW_CMD_STOP, 2, NULL);
    CHECK(!dev.streaming && last(CW_FRAME_ACK)->u.ack.command == CW_CMD_STOP, "overloaded task: STOP not executed");
    CHECK(count(EV_ERROR, -1) == 0, "overloaded task: decoder errors");
}

static void test_transport_drop(void) {
    reset();
    send_cmd(CW_CMD_START, 1, NULL);
    host.refuse_from = host.writes + 3; /* the 4th to 6th frames from now: blocks */
    host.refuse_count = 3;
    cw_synth_run(&dev, 320, 8);
    send_cmd(CW_CMD_GET_STATUS, 2, NULL);
    CHECK(count(EV_GAP, -1) == 1 && last(-1) != NULL, "transport drop: %zu gaps", count(EV_GAP, -1));
    for (size_t i = 0; i < host.n; i++)
        if (host.ev[i].kind == EV_GAP) CHECK(host.ev[i].c == 3, "transport drop: gap of %u, want 3", host.ev[i].c);
    const event *st = last(CW_FRAME_STATUS);
    CHECK(st && st->u.status.frames_dropped == 3 && st->u.status.overflow_samples == 0, "transport drop: status dropped=%u", st ? st->u.status.frames_dropped : 0);
    CHECK(dev.frames_dropped == 3, "frames_dropped %u", dev.frames_dropped);
}

static const event *ack_after(size_t from) {
    for (size_t i = from; i < host.n; i++)
        if (host.ev[i].kind == EV_FRAME && host.ev[i].type == CW_FRAME_ACK) return &host.ev[i];
    return NULL;
}

static void expect_configure(uint16_t emg, uint16_t accel, uint8_t mains, uint8_t ch, uint8_t result) {
    size_t before = host.n;
    cw_command c = {0, emg, accel, mains, ch};
    send_cmd(CW_CMD_CONFIGURE, 0xC0FFEEu, &c);
    const event *a = ack_after(before);
    CHECK(host.n == before + 1 && a && a->u.ack.command == CW_CMD_CONFIGURE && a->u.ack.result == result && a->u.ack.token == 0xC0FFEEu,
          "CONFIGURE emg=%u accel=%u mains=%u channels=%u: result %d, want %u", emg, accel, mains, ch, a ? a->u.ack.result : -1, result);
}

static void test_commands(void) {
    reset();
    size_t n0 = host.n;
    /* out-of-range CONFIGURE values, each alone, and the boundaries */
    expect_configure(249, 100, 50, 2, CW_ACK_BAD_ARGUMENT);
    expect_configure(4001, 100, 50, 2, CW_ACK_BAD_ARGUMENT);
    expect_configure(0, 100, 50, 2, CW_ACK_BAD_ARGUMENT);
    expect_configure(2000, 24, 50, 2, CW_ACK_BAD_ARGUMENT);
    expect_configure(2000, 201, 50, 2, CW_ACK_BAD_ARGUMENT);
    expect_configure(2000, 100, 55, 2, CW_ACK_BAD_ARGUMENT);
    expect_configure(2000, 100, 50, 0, CW_ACK_BAD_ARGUMENT);
    expect_configure(2000, 100, 50, 5, CW_ACK_BAD_ARGUMENT);
    CHECK(dev.emg_rate_hz == 2000 && dev.accel_rate_hz == 100 && dev.mains_hz == 50 && dev.emg_channels == 2, "a rejected CONFIGURE changed the configuration");
    expect_configure(250, 25, 0, 1, CW_ACK_OK);
    expect_configure(4000, 200, 60, 4, CW_ACK_OK);
    CHECK(dev.emg_rate_hz == 4000 && dev.accel_rate_hz == 200 && dev.mains_hz == 60 && dev.emg_channels == 4, "CONFIGURE at the limits not applied");
    expect_configure(2000, 100, 50, 2, CW_ACK_OK);
    CHECK(count(EV_FRAME, CW_FRAME_ACK) == host.n - n0, "CONFIGURE must answer with acks only");

    /* IDENTIFY: device_info then ack; TIME_SYNC: ack at the device time */
    size_t before = host.n;
    send_cmd(CW_CMD_IDENTIFY, 21, NULL);
    CHECK(host.n == before + 2 && host.ev[before].type == CW_FRAME_DEVICE_INFO && host.ev[before + 1].u.ack.command == CW_CMD_IDENTIFY &&
              host.ev[before + 1].u.ack.token == 21 && cw_synth_identify_count() == 1,
          "IDENTIFY: want device_info then ack and one blink");
    cw_synth_sleep(12345);
    before = host.n;
    send_cmd(CW_CMD_TIME_SYNC, 22, NULL);
    CHECK(host.n == before + 1 && host.ev[before].u.ack.command == CW_CMD_TIME_SYNC && host.ev[before].ts == cw_board_micros(), "TIME_SYNC: ack at the device time");

    /* STOP when stopped: an ok ack, nothing else */
    before = host.n;
    send_cmd(CW_CMD_STOP, 31, NULL);
    CHECK(host.n == before + 1 && host.ev[before].u.ack.command == CW_CMD_STOP && host.ev[before].u.ack.result == CW_ACK_OK && !dev.streaming,
          "STOP when stopped: want one ok ack");

    /* START twice: the second is refused and the indices keep counting */
    send_cmd(CW_CMD_START, 41, NULL);
    cw_synth_run(&dev, 40, 1);
    before = host.n;
    send_cmd(CW_CMD_START, 42, NULL);
    const event *a = ack_after(before);
    CHECK(host.n == before + 1 && a && a->u.ack.command == CW_CMD_START && a->u.ack.result == CW_ACK_WRONG_STATE && a->u.ack.token == 42,
          "START while streaming: result %d, want 3 and no device_info", a ? a->u.ack.result : -1);
    expect_configure(1000, 100, 50, 1, CW_ACK_WRONG_STATE);
    cw_synth_run(&dev, 40, 1);
    const event *blk = last(CW_FRAME_SAMPLE_BLOCK);
    CHECK(blk && blk->u.s.block.emg_index == 32 && count(EV_FRAME, CW_FRAME_SAMPLE_BLOCK) == 2 && count(EV_FRAME, CW_FRAME_DEVICE_INFO) == 3,
          "after a refused START the indices must continue: last block at %u, want 32, the second of 2", blk ? blk->u.s.block.emg_index : 0);

    /* unknown types: a command number not in v1 and a device->host type */
    before = host.n;
    uint8_t tok[4] = {0x78, 0x56, 0x34, 0x12};
    send_raw(0x90, tok, 4);
    send_raw(CW_FRAME_STATUS, tok, 4);
    CHECK(host.n == before + 2 && host.ev[before].u.ack.command == 0x90 && host.ev[before].u.ack.result == CW_ACK_UNKNOWN_COMMAND &&
              host.ev[before].u.ack.token == 0x12345678u && host.ev[before + 1].u.ack.command == CW_FRAME_STATUS &&
              host.ev[before + 1].u.ack.result == CW_ACK_UNKNOWN_COMMAND,
          "unknown command: want result 1 with the token");

    /* wrong payload lengths: result 4 (malformed), token echoed when present */
    before = host.n;
    uint8_t six[6] = {1, 2, 3, 4, 5, 6};
    send_raw(CW_CMD_STOP, six, 6);
    send_raw(CW_CMD_CONFIGURE, tok, 4);
    send_raw(CW_CMD_TIME_SYNC, NULL, 0);
    CHECK(host.n == before + 3 && host.ev[before].u.ack.result == CW_ACK_MALFORMED && host.ev[before].u.ack.token == 0x04030201u &&
              host.ev[before + 1].u.ack.result == CW_ACK_MALFORMED && host.ev[before + 1].u.ack.command == CW_CMD_CONFIGURE &&
              host.ev[before + 2].u.ack.result == CW_ACK_MALFORMED && host.ev[before + 2].u.ack.token == 0,
          "wrong payload length: want result 4");
    CHECK(dev.streaming, "a malformed STOP must not stop the device");

    /* bad CRC, bad COBS, version 2, an over-long frame: ignored and counted, no answer */
    before = host.n;
    uint32_t rx0 = dev.rx_errors;
    uint8_t wire[64];
    cw_command c = {77, 0, 0, 0, 0};
    uint8_t p[4];
    cw_payload_command(p, CW_CMD_STOP, &c);
    size_t w = cw_encode_frame(CW_CMD_STOP, 9, 0, p, 4, wire);
    wire[w / 2] ^= 0x40;
    if (wire[w / 2] == 0) wire[w / 2] = 0x11;
    cw_device_receive(&dev, wire, w);
    const uint8_t bad_cobs[] = {0x09, 0x01, 0x02, 0x00};
    cw_device_receive(&dev, bad_cobs, sizeof bad_cobs);
    uint8_t body[24] = {2, CW_CMD_STOP, 4, 0};
    memcpy(body + 16, p, 4);
    uint32_t crc = cw_crc32c(body, 20);
    uint8_t full[24];
    memcpy(full, body, 20);
    for (int i = 0; i < 4; i++) full[20 + i] = (uint8_t)(crc >> (8 * i));
    w = cw_cobs_encode(full, 24, wire);
    wire[w++] = 0;
    cw_device_receive(&dev, wire, w);
    uint8_t longframe[100];
    memset(longframe, 0x33, sizeof longframe);
    longframe[99] = 0;
    cw_device_receive(&dev, longframe, sizeof longframe);
    cw_device_task(&dev);
    size_t acks = 0;
    for (size_t i = before; i < host.n; i++) acks += host.ev[i].type == CW_FRAME_ACK;
    CHECK(acks == 0 && dev.streaming, "corrupt host frames must get no answer and not stop the device (%zu acks)", acks);
    CHECK(dev.rx_errors == rx0 + 4, "rx_errors %u, want %u", dev.rx_errors, rx0 + 4);

    /* resynchronisation: garbage without a delimiter, then a STOP fed one byte at a time */
    const uint8_t junk[] = {0x41, 0x42, 0x43};
    cw_device_receive(&dev, junk, sizeof junk);
    const uint8_t zero = 0;
    cw_device_receive(&dev, &zero, 1); /* the sender's flush delimiter */
    cw_payload_command(p, CW_CMD_STOP, &c);
    w = cw_encode_frame(CW_CMD_STOP, 10, 0, p, 4, wire);
    before = host.n;
    for (size_t i = 0; i < w; i++) cw_device_receive(&dev, wire + i, 1);
    const event *stop_ack = last(CW_FRAME_ACK);
    CHECK(!dev.streaming && stop_ack && stop_ack->u.ack.command == CW_CMD_STOP && stop_ack->u.ack.token == 77 && stop_ack->u.ack.result == 0,
          "a STOP fed byte by byte after garbage must stop the device");
    CHECK(dev.rx_errors == rx0 + 5, "the garbage before the flush counts once: rx_errors %u", dev.rx_errors);
    CHECK(count(EV_ERROR, -1) == 0 && count(EV_GAP, -1) == 0, "device output must decode cleanly");
}

/* Random bytes at the command receiver never crash it (ASan/UBSan run this too), every frame the
   device answers with is well-formed, and after a delimiter a valid command works again. */
static void test_receiver_garbage(void) {
    reset();
    uint32_t x = 0x12345678u;
    uint8_t buf[257];
    for (int round = 0; round < 400; round++) {
        size_t n = 1 + round % 256;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            /* mostly small codes and zeros so that some frames decode far enough to reach the checks */
            buf[i] = (uint8_t)((x & 3u) == 0 ? 0 : (x >> 8) % ((round & 1) ? 256u : 24u));
        }
        cw_device_receive(&dev, buf, n);
        cw_synth_run(&dev, 3, 1);
    }
    CHECK(dev.rx_errors > 100, "garbage: only %u host frames counted as corrupt", dev.rx_errors);
    CHECK(count(EV_ERROR, -1) == 0, "garbage: the device's own output has %zu decoder errors", count(EV_ERROR, -1));
    const uint8_t zero = 0;
    cw_device_receive(&dev, &zero, 1);
    size_t before = host.n;
    send_cmd(CW_CMD_TIME_SYNC, 0xFEEDu, NULL);
    const event *a = ack_after(before);
    CHECK(a && a->u.ack.command == CW_CMD_TIME_SYNC && a->u.ack.token == 0xFEEDu && a->u.ack.result == 0, "garbage: a valid command afterwards is not answered");
}

static void test_session_script(void) {
    reset();
    cw_synth_session(&dev, 2000, 2, 3, 0);
    CHECK(count(EV_ERROR, -1) == 0 && count(EV_GAP, -1) == 0, "scripted session decodes cleanly");
    CHECK(check_blocks(2000, 100, 2, 1001000) == 3u * 2000u + 5u, "scripted session sample count");
    /* with a 0.2 s stall in second 2: 400 ticks without the main loop, whose next pass comes 8 ticks
       later; 8 x 32 samples fit the ring */
    reset();
    cw_synth_session(&dev, 2000, 2, 4, 2);
    uint32_t dropped = 400 + 8 - CW_CFG_BLOCK_SLOTS * CW_CFG_EMG_BLOCK_SAMPLES;
    CHECK(dev.sampler.overflow_samples == dropped, "stalled session: %u samples dropped, want %u", dev.sampler.overflow_samples, dropped);
    CHECK(count(EV_ERROR, -1) == 0 && count(EV_GAP, -1) == 1, "stalled session: %zu gaps, want 1", count(EV_GAP, -1));
    for (size_t i = 0; i < host.n; i++)
        if (host.ev[i].kind == EV_GAP)
            CHECK(host.ev[i].c == (dropped + CW_CFG_EMG_BLOCK_SAMPLES - 1) / CW_CFG_EMG_BLOCK_SAMPLES, "stalled session: gap of %u frames", host.ev[i].c);
    CHECK(check_blocks(2000, 100, 2, 1001000) == 4u * 2000u + 5u - dropped, "stalled session sample count");
    const event *st = last(CW_FRAME_STATUS);
    CHECK(st && st->u.status.overflow_samples == dropped, "stalled session: status overflow %u", st ? st->u.status.overflow_samples : 0);
}

#ifndef TEST_CORE_MAIN
#define TEST_CORE_MAIN main
#endif
int TEST_CORE_MAIN(void) {
    test_power_up_info();
    test_rates();
    test_ring_overflow();
    test_missed_ticks();
    test_task_returns_under_overload();
    test_transport_drop();
    test_commands();
    test_receiver_garbage();
    test_session_script();
    if (failures) {
        fprintf(stderr, "test_core: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("ok: test_core, %d checks\n", checks);
    return 0;
}
