/* The host reference for the QEMU run: the same scripted session on the same synthetic board,
   built for the host, and a checker that decodes a session file with the core's decoder.
     session_host write FILE     the frames the host build of the core sends
     session_host check FILE     decodes FILE: every frame well-formed, one gap exactly where the
                                 stall dropped samples, every sample equal to the synthetic signal
     session_host check-isr FILE overload|no-overload
                                 decodes the QEMU interrupt run (5 s, SysTick at 2 kHz): every frame
                                 well-formed, every sample equal to the signal, samples received +
                                 overflow_samples = 10 000 ticks, each overflow-flagged block after a
                                 sequence gap; and, as asked, no overflow or some */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../synthetic/cw_synth.h"

#define SECONDS 10u
#define RATE 2000u
#define CHANNELS 2u
#define STALL_SECOND 4u

static bool write_frame(void *ctx, const uint8_t *data, size_t length) { return fwrite(data, 1, length, (FILE *)ctx) == length; }

static struct {
    long frames, blocks, errors, gaps, lost, infos, statuses, acks;
    uint32_t emg_next, received, mismatches, overflow_flags, overflow_status, gap_then_flag;
    bool after_gap;
    int bad;
} r;

static void on_frame(void *ctx, const cw_frame *f) {
    (void)ctx;
    r.frames++;
    if (f->type == CW_FRAME_DEVICE_INFO) r.infos++;
    if (f->type == CW_FRAME_ACK) {
        cw_ack a;
        cw_parse_ack(f, &a);
        r.acks += a.result == 0;
    }
    if (f->type == CW_FRAME_STATUS) {
        cw_status s;
        cw_parse_status(f, &s);
        r.statuses++;
        r.overflow_status = s.overflow_samples;
    }
    if (f->type != CW_FRAME_SAMPLE_BLOCK) return;
    cw_sample_block b;
    cw_parse_sample_block(f, &b);
    r.blocks++;
    if (b.emg_index < r.emg_next || b.emg_channels != CHANNELS || b.accel_axes != 3) r.bad++;
    if (b.flags & CW_SAMPLE_FLAG_OVERFLOW) r.overflow_flags++;
    if ((b.flags & CW_SAMPLE_FLAG_OVERFLOW) && r.after_gap) r.gap_then_flag++;
    r.after_gap = false;
    for (uint32_t k = 0; k < b.emg_count; k++)
        for (uint8_t ch = 0; ch < CHANNELS; ch++) r.mismatches += cw_sample_at(&b, (size_t)k * CHANNELS + ch) != cw_synth_emg(b.emg_index + k, ch, RATE);
    for (uint32_t k = 0; k < b.accel_count; k++) {
        int16_t xyz[3];
        cw_synth_accel(b.accel_index + k, 100, xyz);
        for (unsigned a = 0; a < 3; a++) r.mismatches += cw_sample_at(&b, (size_t)b.emg_count * CHANNELS + 3u * k + a) != xyz[a];
    }
    r.emg_next = b.emg_index + b.emg_count;
    r.received += b.emg_count;
}
static void on_error(void *ctx, cw_error_kind k, uint64_t offset) {
    fprintf(stderr, "%s: byte %llu: %s error\n", (const char *)ctx, (unsigned long long)offset, cw_error_name(k));
    r.errors++;
}
static void on_gap(void *ctx, uint32_t e, uint32_t g, uint32_t lost) {
    (void)ctx, (void)e, (void)g;
    r.gaps++;
    r.lost += lost;
    r.after_gap = true;
}

static size_t decode(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "session_host: cannot open %s\n", path);
        exit(2);
    }
    cw_decoder_callbacks cb = {on_frame, on_error, on_gap, NULL, (void *)path};
    static cw_decoder d;
    cw_decoder_init(&d, &cb);
    uint8_t buf[4096];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) cw_decoder_feed(&d, buf, n), total += n;
    fclose(f);
    cw_decoder_finish(&d);
    return total;
}

static int check_isr(const char *path, bool overload) {
    size_t total = decode(path);
    uint32_t ticks = 5u * RATE;
    int ok = r.errors == 0 && r.bad == 0 && r.mismatches == 0 && r.received + r.overflow_status == ticks && r.gaps == (long)r.overflow_flags &&
             r.gap_then_flag == r.overflow_flags && r.infos == 2 && (overload ? r.overflow_status > 0 : r.overflow_status == 0 && r.acks == 3);
    printf("%s: %zu bytes, %ld frames (%ld sample blocks, %ld status, %ld ok acks): %u EMG samples per channel received + %u overflowed = %u ticks "
           "(want %u), %u differing from the signal, %ld decoder errors, %ld gap(s) of %ld frames, %u overflow-flagged blocks, %s expected: %s\n",
           path, total, r.frames, r.blocks, r.statuses, r.acks, r.received, r.overflow_status, r.received + r.overflow_status, ticks, r.mismatches,
           r.errors, r.gaps, r.lost, r.overflow_flags, overload ? "overload" : "no overflow", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

static int check(const char *path) {
    size_t total = decode(path);
    /* 0.2 s stall + the 8 ticks before the main loop's next pass, less the 8 x 32 the ring holds */
    uint32_t dropped = RATE / 5u + 8u - CW_CFG_BLOCK_SLOTS * CW_CFG_EMG_BLOCK_SAMPLES;
    uint32_t want = SECONDS * RATE + 5u - dropped;
    int ok = r.errors == 0 && r.bad == 0 && r.mismatches == 0 && r.gaps == 1 &&
             r.lost == (long)((dropped + CW_CFG_EMG_BLOCK_SAMPLES - 1) / CW_CFG_EMG_BLOCK_SAMPLES) && r.overflow_flags == 1 &&
             r.overflow_status == dropped && r.received == want && r.infos == 2 && r.acks == 4;
    printf("%s: %zu bytes, %ld frames (%ld sample blocks, %ld device_info, %ld status, %ld ok acks), %u EMG samples per channel "
           "(want %u), %u differing from the signal, %ld decoder errors, %ld gap(s) of %ld frames, overflow %u samples: %s\n",
           path, total, r.frames, r.blocks, r.infos, r.statuses, r.acks, r.received, want, r.mismatches, r.errors, r.gaps, r.lost,
           r.overflow_status, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "check")) return check(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "check-isr")) return check_isr(argv[2], !strcmp(argv[3], "overload"));
    if (argc != 3 || strcmp(argv[1], "write") != 0) {
        fprintf(stderr, "usage: session_host write FILE | check FILE | check-isr FILE overload|no-overload\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        fprintf(stderr, "session_host: cannot create %s\n", argv[2]);
        return 2;
    }
    static cw_device dev;
    cw_synth_init(0, write_frame, f);
    cw_device_init(&dev);
    cw_synth_session(&dev, RATE, CHANNELS, SECONDS, STALL_SECOND);
    return fclose(f) == 0 ? 0 : 1;
}
