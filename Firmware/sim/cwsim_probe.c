/* A minimal USB host for the virtual device's --synthetic mode: real libusb, run under cwsim
   (umockdev), talks to the firmware core as a host would: GET_INFO, START, reads the stream until
   the night ends, STOP, and checks every frame with the core's decoder against the synthetic
   signal. Exit status 0 only if every number matches.
       cwsim --synthetic SECONDS -- cwsim_probe SECONDS */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../boards/synthetic/cw_synth.h"
#include "../core/cw_codec.h"

static struct {
    long frames, blocks, errors, gaps, acks_ok, infos, statuses;
    uint32_t emg_next, accel_next, mismatches;
    uint16_t rate, accel_rate;
    uint8_t channels;
    int bad_order;
} r;

static void on_frame(void *ctx, const cw_frame *f) {
    (void)ctx;
    r.frames++;
    if (f->type == CW_FRAME_DEVICE_INFO) {
        cw_device_info i;
        cw_parse_device_info(f, &i);
        r.infos++;
        r.rate = i.emg_rate_hz, r.accel_rate = i.accel_rate_hz, r.channels = i.emg_channels;
    } else if (f->type == CW_FRAME_ACK) {
        cw_ack a;
        cw_parse_ack(f, &a);
        r.acks_ok += a.result == 0;
    } else if (f->type == CW_FRAME_STATUS) {
        r.statuses++;
    } else if (f->type == CW_FRAME_SAMPLE_BLOCK) {
        cw_sample_block b;
        cw_parse_sample_block(f, &b);
        r.blocks++;
        if (b.emg_index != r.emg_next || b.accel_index != r.accel_next || b.emg_channels != r.channels) r.bad_order++;
        for (uint32_t k = 0; k < b.emg_count; k++)
            for (uint8_t ch = 0; ch < b.emg_channels; ch++)
                r.mismatches += cw_sample_at(&b, (size_t)k * b.emg_channels + ch) != cw_synth_emg(b.emg_index + k, ch, r.rate);
        for (uint32_t k = 0; k < b.accel_count; k++) {
            int16_t xyz[3];
            cw_synth_accel(b.accel_index + k, r.accel_rate, xyz);
            for (int a = 0; a < 3; a++) r.mismatches += cw_sample_at(&b, (size_t)b.emg_count * b.emg_channels + 3u * k + (size_t)a) != xyz[a];
        }
        r.emg_next = b.emg_index + b.emg_count;
        r.accel_next = b.accel_index + b.accel_count;
    }
}
static void on_error(void *ctx, cw_error_kind k, uint64_t offset) {
    (void)ctx;
    fprintf(stderr, "cwsim_probe: decoder error %s at stream byte %llu\n", cw_error_name(k), (unsigned long long)offset);
    r.errors++;
}
static void on_gap(void *ctx, uint32_t e, uint32_t g, uint32_t lost) {
    (void)ctx;
    fprintf(stderr, "cwsim_probe: sequence gap: expected %u got %u (%u lost)\n", e, g, lost);
    r.gaps++;
}

static int send_command(libusb_device_handle *h, uint8_t type, uint32_t seq) {
    cw_command c = {0xABCD0000u + seq, 0, 0, 0, 0};
    uint8_t p[4], wire[64];
    cw_payload_command(p, type, &c);
    size_t n = cw_encode_frame(type, seq, 0, p, 4, wire);
    int done = 0;
    return libusb_bulk_transfer(h, CW_USB_EP_BULK_OUT, wire, (int)n, &done, 1000);
}

/* Reads until the device has been quiet for one timeout. */
static void drain(libusb_device_handle *h, cw_decoder *d, unsigned timeout_ms) {
    uint8_t buf[4096];
    for (;;) {
        int got = 0, rc = libusb_bulk_transfer(h, CW_USB_EP_BULK_IN, buf, sizeof buf, &got, timeout_ms);
        if (got > 0) cw_decoder_feed(d, buf, (size_t)got);
        if (rc != 0 && got == 0) return;
    }
}

int main(int argc, char **argv) {
    long seconds = argc > 1 ? atol(argv[1]) : 0;
    if (seconds <= 0) { fprintf(stderr, "usage: cwsim_probe SECONDS (the --synthetic length cwsim was given)\n"); return 2; }
    libusb_context *ctx = NULL;
    if (libusb_init(&ctx) != 0) { fprintf(stderr, "cwsim_probe: libusb_init failed\n"); return 1; }
    libusb_device_handle *h = libusb_open_device_with_vid_pid(ctx, CW_USB_VID, CW_USB_TEST_PID);
    if (!h) { fprintf(stderr, "cwsim_probe: no device %04x:%04x (run under cwsim)\n", CW_USB_VID, CW_USB_TEST_PID); return 1; }
    if (libusb_claim_interface(h, 0) != 0) { fprintf(stderr, "cwsim_probe: cannot claim interface 0\n"); return 1; }

    cw_decoder_callbacks cb = {on_frame, on_error, on_gap, NULL, NULL};
    cw_decoder info_dec, dec;
    cw_decoder_init(&info_dec, &cb);
    uint8_t info[128];
    int n = libusb_control_transfer(h, 0xC1, CW_USB_REQUEST_GET_INFO, 0, 0, info, sizeof info, 1000);
    if (n <= 0) { fprintf(stderr, "cwsim_probe: GET_INFO failed (%d)\n", n); return 1; }
    cw_decoder_feed(&info_dec, info, (size_t)n);
    int info_ok = r.infos == 1 && r.frames == 1;
    memset(&r, 0, sizeof r);

    cw_decoder_init(&dec, &cb);
    if (send_command(h, CW_CMD_START, 1) != 0) { fprintf(stderr, "cwsim_probe: START not sent\n"); return 1; }
    drain(h, &dec, 1500);
    if (send_command(h, CW_CMD_STOP, 2) != 0) { fprintf(stderr, "cwsim_probe: STOP not sent\n"); return 1; }
    drain(h, &dec, 500);
    cw_decoder_finish(&dec);
    libusb_release_interface(h, 0);
    libusb_close(h);
    libusb_exit(ctx);

    uint32_t want = (uint32_t)seconds * r.rate;
    int ok = info_ok && r.errors == 0 && r.gaps == 0 && r.bad_order == 0 && r.mismatches == 0 && r.emg_next == want && r.acks_ok == 2 &&
             r.infos == 2 && r.statuses == seconds;
    printf("cwsim_probe: GET_INFO %s; %ld frames: %ld sample blocks, %ld device_info, %ld status, %ld ok acks; %u EMG samples per channel of %u "
           "expected at %u Hz x %u channels, %u values differing from the synthetic signal, %ld decoder errors, %ld gaps: %s\n",
           info_ok ? "ok" : "WRONG", r.frames, r.blocks, r.infos, r.statuses, r.acks_ok, r.emg_next, want, r.rate, r.channels, r.mismatches, r.errors,
           r.gaps, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
