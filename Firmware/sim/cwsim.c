/* Crampwatch virtual USB device: the firmware's portable core (../core) behind a umockdev live
   ioctl handler. It presents the device's descriptors (VID 0x1209, test PID 0xC4A3, vendor
   interface, bulk IN 0x81 / OUT 0x01) and answers GET_INFO and string descriptors. Two modes:

   --capture FILE      streams the protocol-v1 frames of a recorded capture byte for byte at a speed
                       factor, with fault injection; obeys START/STOP (checked with the core's COBS
                       and CRC); the night the DeviceIO tests replay.
   --synthetic SECONDS the device IS the firmware core (cw_device: command handler, sampler, ring,
                       encoder) on the synthetic board (boards/synthetic): every command is executed
                       and answered by the core, and a START streams SECONDS of the synthetic signal
                       (paced by --speed in device time, or as fast as the host reads).

   usage: cwsim [options] -- PROGRAM ARGS...   (PROGRAM runs under libumockdev-preload)
   Frame numbers below count the capture's frames from 0. */
#include <umockdev.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "../core/cw_codec.h"
#include "../core/cw_device.h"
#include "../boards/synthetic/cw_synth.h"

#define DEVNODE "/dev/bus/usb/001/002"
#define SYSPATH "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
/* uevents name the device by its /sys path, which libudev resolves in this process: so cwsim runs under the
   preload too (it re-executes itself with it), and /sys means the testbed's. */
static const char *uevent_path = SYSPATH;

/* The testbed, for the uevents an unplug and a replug send (libusb's hotplug sees them through udev). */
static UMockdevTestbed *testbed;
static GMutex replug_lock;

typedef struct { size_t offset, length; uint32_t sequence; uint64_t timestamp_us; uint64_t pace_us; } Frame;
typedef struct { UMockdevIoctlData *urb, *buf; int done; } Urb;

static struct {
    uint8_t *bytes; size_t size;
    Frame *frames; size_t count;
    double speed;                 /* 0 = as fast as the host reads */
    long unplug_at, replug_after_frames, replug_ms;
    long stall_at, silent_at, silent_ms;
    long *drop, ndrop, *corrupt, ncorrupt;
    long unplug_every;                                   /* repeat the unplug every this many frames */
    long *duplicate, nduplicate, *swap, nswap;           /* send twice / send frame F+1 before F */
    long *garbage, ngarbage;                             /* pairs: frame, bytes of noise sent before it */
    long clock_jump_at; double clock_jump_s;             /* device timestamps step by this from a frame on */
    long suspend_at, suspend_ms, device_buffer;          /* host asleep: the device keeps its newest frames only */
    const char *serial;
    long info_frame;
    unsigned out_endpoint;                               /* bulk OUT: 0x01, or 0x02 as on the ATmega32U4 */
    long plug_in_ms;                                     /* absent when the program starts; plugged in after */
} opt = { .info_frame = -1, .speed = 0, .unplug_at = -1, .replug_ms = 500, .stall_at = -1, .silent_at = -1, .silent_ms = 2000, .serial = "0001",
            .clock_jump_at = -1, .suspend_at = -1, .suspend_ms = 30000, .device_buffer = 256, .out_endpoint = CW_USB_EP_BULK_OUT };

static struct {
    int streaming, unplugged, silent, suspended;
    size_t next;          /* next frame to send */
    size_t partial;       /* bytes of frame `next` already sent */
    gint64 start_us, unplugged_until_us, silent_until_us, suspended_until_us;
    long sent_frames, dropped_frames, unplug_lost, unplugs, suspend_lost, stalls, commands;
} st;

/* --synthetic: the core on the synthetic board; its frames wait in `outbox` for bulk IN. */
static struct {
    long seconds;          /* of streaming per START; 0 = capture mode */
    cw_device dev;
    GByteArray *outbox;
    size_t outbox_read;
    gint64 pace_start_us;  /* wall time of EMG sample 0 */
    int was_sampling;
    long frames_out;
} syn;

static bool synth_writer(void *ctx, const uint8_t *data, size_t length) {
    (void)ctx;
    g_byte_array_append(syn.outbox, data, (guint)length);
    syn.frames_out++;
    return true;
}

/* Runs the device's timer up to the EMG sample due now (or, unpaced, until `want` bytes wait). */
static void synth_advance(gint64 now, size_t want) {
    if (!cw_synth_sampling()) return;
    uint16_t rate = syn.dev.sampler.config.emg_rate_hz;
    uint32_t total = (uint32_t)syn.seconds * rate, done = syn.dev.sampler.tick;
    if (done >= total) return;
    uint32_t target;
    if (opt.speed > 0) {
        double due = (double)(now - syn.pace_start_us) * opt.speed * rate / 1e6;
        target = due >= total ? total : (uint32_t)due;
    } else {
        target = done;
        while (target < total && syn.outbox->len - syn.outbox_read < want + 4096) target += 64;
        if (target > total) target = total;
    }
    if (target > done) cw_synth_run(&syn.dev, target - done, 8);
    cw_device_task(&syn.dev);
    if (target == total && done < total) fprintf(stderr, "cwsim: synthetic night of %ld s streamed (%u EMG samples)\n", syn.seconds, total);
}

static size_t synth_fill(uint8_t *out, size_t cap, gint64 now) {
    synth_advance(now, cap);
    size_t n = syn.outbox->len - syn.outbox_read;
    if (n > cap) n = cap;
    memcpy(out, syn.outbox->data + syn.outbox_read, n);
    syn.outbox_read += n;
    if (syn.outbox_read == syn.outbox->len) { g_byte_array_set_size(syn.outbox, 0); syn.outbox_read = 0; }
    return n;
}

static GQueue pending = G_QUEUE_INIT;   /* bulk IN URBs waiting for data, in order */
static GQueue done = G_QUEUE_INIT;      /* control / OUT URBs already answered */

static int listed(const long *list, long n, long v) { for (long i = 0; i < n; i++) if (list[i] == v) return 1; return 0; }

static long *parse_list(const char *s, long *n) {
    long *out = NULL; *n = 0;
    for (const char *p = s; *p;) {
        char *end; long v = strtol(p, &end, 10);
        if (end == p) { fprintf(stderr, "cwsim: bad frame list '%s' (want numbers separated by commas)\n", s); exit(2); }
        out = realloc(out, sizeof(long) * (size_t)(*n + 1)); out[(*n)++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    return out;
}

/* Splits the capture at its 0x00 delimiters and reads each frame's header with the core's COBS decoder. */
static void index_capture(const char *path) {
    gchar *data; gsize size; GError *err = NULL;
    if (!g_file_get_contents(path, &data, &size, &err)) { fprintf(stderr, "cwsim: %s\n", err->message); exit(2); }
    opt.bytes = (uint8_t *)data; opt.size = size;
    static uint8_t body[CW_MAX_BODY + 256];
    /* Every byte is streamed: a segment that is not a frame (garbage in a faulty capture) keeps the
       previous timestamp, so replaying what the host recorded gives back the capture exactly. */
    size_t start = 0;
    uint64_t last_ts = 0;
    for (size_t i = 0; i < size; i++) {
        if (opt.bytes[i] != 0 && i + 1 < size) continue;
        size_t len = i + 1 - start;
        opt.frames = realloc(opt.frames, sizeof(Frame) * (opt.count + 1));
        Frame *f = &opt.frames[opt.count++];
        f->offset = start; f->length = len; f->sequence = 0; f->timestamp_us = last_ts; f->pace_us = 0;
        if (len > 1 && len - 1 <= CW_MAX_ENCODED) {
            long n = cw_cobs_decode(opt.bytes + start, len - 1, body);
            if (n >= (long)CW_HEADER_SIZE) {
                memcpy(&f->sequence, body + 4, 4); memcpy(&f->timestamp_us, body + 8, 8);
                last_ts = f->timestamp_us;
                f->pace_us = f->timestamp_us;
                if (body[1] == 0x02 && opt.info_frame < 0) opt.info_frame = (long)opt.count - 1;
            }
        }
        if (f->pace_us == 0) f->pace_us = last_ts;
        start = i + 1;
    }
    if (opt.info_frame < 0) { fprintf(stderr, "cwsim: %s holds no device-info frame; is it a protocol-v1 capture?\n", path); exit(2); }
}

static uint32_t noise_state = 0x2545F491u;
static uint8_t noise(void) { noise_state ^= noise_state << 13; noise_state ^= noise_state >> 17; noise_state ^= noise_state << 5; return (uint8_t)noise_state; }

/* Rebuilds the stream as the faulty device sends it: noise bursts before some frames, some frames twice,
   some pairs swapped, device timestamps stepped from a frame on (those frames re-encoded with the core's
   encoder, so they stay valid). Frame numbers of the other faults count this stream's frames. */
static void apply_transforms(void) {
    if (!opt.nduplicate && !opt.nswap && !opt.ngarbage && opt.clock_jump_at < 0) return;
    GByteArray *out = g_byte_array_sized_new((guint)opt.size + 65536);
    Frame *frames = NULL; size_t count = 0, cap = 0;
    static uint8_t body[CW_MAX_BODY + 256], enc[CW_MAX_ENCODED + 8];
    long new_info = -1;
#define EMIT(P_, N_, SRC_) do { \
        if (count == cap) { cap = cap ? cap * 2 : 1024; frames = realloc(frames, sizeof(Frame) * cap); } \
        frames[count] = *(SRC_); frames[count].offset = out->len; frames[count].length = (N_); \
        g_byte_array_append(out, (P_), (guint)(N_)); count++; } while (0)
    for (size_t k = 0; k < opt.count; k++) {
        size_t order[2] = { k, k }; int n = 1;
        if (listed(opt.swap, opt.nswap, (long)k) && k + 1 < opt.count) { order[0] = k + 1; order[1] = k; n = 2; }
        for (int j = 0; j < n; j++) {
            size_t idx = order[j];
            const Frame *f = &opt.frames[idx];
            for (long g = 0; g + 1 < opt.ngarbage * 2; g += 2) {
                if (opt.garbage[g] != (long)idx) continue;
                /* Noise, then a delimiter so the noise is one bad segment and the frame after it survives. */
                uint8_t junk[4096]; long len = opt.garbage[g + 1] > 4095 ? 4095 : opt.garbage[g + 1];
                for (long b = 0; b < len; b++) junk[b] = noise();
                junk[len] = 0;
                Frame noise_frame = *f; noise_frame.sequence = 0;
                EMIT(junk, (size_t)len + 1, &noise_frame);
            }
            const uint8_t *bytes = opt.bytes + f->offset; size_t len = f->length;
            if (opt.clock_jump_at >= 0 && (long)idx >= opt.clock_jump_at && len > 1) {
                long m = cw_cobs_decode(bytes, len - 1, body);
                if (m >= (long)(CW_HEADER_SIZE + CW_CRC_SIZE)) {
                    uint64_t ts; memcpy(&ts, body + 8, 8);
                    double shifted = (double)ts + opt.clock_jump_s * 1e6;
                    uint16_t plen; memcpy(&plen, body + 2, 2);
                    uint32_t seq; memcpy(&seq, body + 4, 4);
                    len = cw_encode_frame(body[1], seq, shifted < 0 ? 0 : (uint64_t)shifted, body + CW_HEADER_SIZE, plen, enc);
                    bytes = enc;
                }
            }
            if ((long)idx == opt.info_frame && new_info < 0) new_info = (long)count;
            EMIT(bytes, len, f);
            if (listed(opt.duplicate, opt.nduplicate, (long)idx)) EMIT(bytes, len, f);
        }
        if (n == 2) k++;
    }
#undef EMIT
    opt.bytes = out->data; opt.size = out->len; opt.frames = frames; opt.count = count; opt.info_frame = new_info;
}

/* Frames the device has produced by now (all of them when not paced). */
static size_t produced(gint64 now) {
    if (opt.speed <= 0) return opt.count;
    double device_us = (double)(now - st.start_us) * opt.speed + (double)opt.frames[0].pace_us;
    size_t lo = st.next, hi = opt.count;
    while (lo < hi) { size_t mid = (lo + hi) / 2; if ((double)opt.frames[mid].pace_us <= device_us) lo = mid + 1; else hi = mid; }
    return lo;
}

/* Skips dropped frames and starts an unplug when its frame comes up. */
static void advance_faults(gint64 now) {
    for (;;) {
        if (st.partial == 0 && (long)st.next == opt.unplug_at && !st.unplugged && st.unplugged_until_us == 0) {
            g_mutex_lock(&replug_lock);
            st.unplugged = 1; st.unplugged_until_us = now + opt.replug_ms * 1000;
            g_mutex_unlock(&replug_lock);
            umockdev_testbed_uevent(testbed, uevent_path, "remove");
            long lost = opt.replug_after_frames;
            if (st.next + (size_t)lost > opt.count) lost = (long)(opt.count - st.next);
            st.next += (size_t)lost; st.unplug_lost += lost; st.unplugs++;
            fprintf(stderr, "cwsim: unplugged at frame %ld for %ld ms; %ld frames lost\n", opt.unplug_at, opt.replug_ms, lost);
            continue;
        }
        if (st.partial == 0 && (long)st.next == opt.suspend_at && !st.suspended && st.suspended_until_us == 0) {
            st.suspended = 1; st.suspended_until_us = now + opt.suspend_ms * 1000;
            fprintf(stderr, "cwsim: host suspended at frame %ld for %ld ms\n", opt.suspend_at, opt.suspend_ms);
            break;
        }
        if (st.suspended) {
            if (now < st.suspended_until_us) break;
            /* Awake again: the device kept sampling, but its buffer holds only the newest frames. */
            st.suspended = 0;
            size_t have = produced(now);
            long over = (long)(have - st.next) - opt.device_buffer;
            if (over > 0) { st.next += (size_t)over; st.suspend_lost += over; }
            fprintf(stderr, "cwsim: host resumed; %ld frames overflowed the device's %ld-frame buffer\n", over > 0 ? over : 0, opt.device_buffer);
            continue;
        }
        if (st.partial == 0 && st.next < opt.count && listed(opt.drop, opt.ndrop, (long)st.next)) { st.next++; st.dropped_frames++; continue; }
        break;
    }
}

/* Fills one bulk IN buffer with whole or partial frames; stops at a fault boundary. */
static size_t fill(uint8_t *out, size_t cap, gint64 now) {
    size_t n = 0, limit = produced(now);
    while (n < cap) {
        advance_faults(now);
        if (st.unplugged || st.suspended || st.next >= limit) break;
        if (st.partial == 0 && (long)st.next == opt.stall_at) break;
        if (st.partial == 0 && (long)st.next == opt.silent_at && st.silent_until_us == 0) break;
        Frame *f = &opt.frames[st.next];
        size_t take = f->length - st.partial;
        if (take > cap - n) take = cap - n;
        memcpy(out + n, opt.bytes + f->offset + st.partial, take);
        if (listed(opt.corrupt, opt.ncorrupt, (long)st.next)) {
            size_t mid = f->length / 2;
            if (mid >= st.partial && mid < st.partial + take) { uint8_t *b = out + n + (mid - st.partial); *b ^= (*b ^ 0x55) ? 0x55 : 0xAA; }
        }
        n += take; st.partial += take;
        if (st.partial == f->length) { st.partial = 0; st.next++; st.sent_frames++; }
    }
    return n;
}

/* The cable goes back in when its time comes, whether or not the host is asking (a host waiting for a
   hotplug event asks nothing): called from the handler and from a timer thread. */
static void replug_if_due(gint64 now) {
    g_mutex_lock(&replug_lock);
    int due = st.unplugged && now >= st.unplugged_until_us;
    if (due) {
        st.unplugged = 0;
        if (opt.unplug_every > 0) { opt.unplug_at = (long)st.next + opt.unplug_every; st.unplugged_until_us = 0; }
    }
    g_mutex_unlock(&replug_lock);
    if (due) {
        fprintf(stderr, "cwsim: replugged\n");
        umockdev_testbed_uevent(testbed, uevent_path, "add");
    }
}

/* --plug-in-ms: nobody plugged the device in before bed. It enters the testbed after MS, with an "add" uevent
   as the kernel sends when a cable goes in (libusb's hotplug sees it through udev). */
static gchar *plug_in_description;
static gpointer plug_in_thread(gpointer unused) {
    (void)unused;
    g_usleep((gulong)opt.plug_in_ms * 1000);
    GError *err = NULL;
    if (!umockdev_testbed_add_from_string(testbed, plug_in_description, &err)) {
        fprintf(stderr, "cwsim: device description: %s\n", err->message);
        exit(2);
    }
    fprintf(stderr, "cwsim: plugged in after %ld ms\n", opt.plug_in_ms);
    umockdev_testbed_uevent(testbed, uevent_path, "add");
    return NULL;
}

static gpointer replug_thread(gpointer unused) {
    (void)unused;
    for (;;) { g_usleep(5000); replug_if_due(g_get_monotonic_time()); }
    return NULL;
}

static void handle_command(const uint8_t *bytes, size_t length) {
    if (syn.seconds > 0) {
        cw_device_receive(&syn.dev, bytes, length);
        st.commands++;
        int sampling = cw_synth_sampling();
        if (sampling && !syn.was_sampling) { syn.pace_start_us = g_get_monotonic_time(); fprintf(stderr, "cwsim: START (synthetic)\n"); }
        if (!sampling && syn.was_sampling) fprintf(stderr, "cwsim: STOP (synthetic)\n");
        syn.was_sampling = sampling;
        return;
    }
    static uint8_t body[CW_MAX_BODY + 256];
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        if (bytes[i] != 0) continue;
        long n = i > start ? cw_cobs_decode(bytes + start, i - start, body) : -1;
        start = i + 1;
        if (n < (long)(CW_HEADER_SIZE + CW_CRC_SIZE)) continue;
        uint32_t crc; memcpy(&crc, body + n - 4, 4);
        if (crc != cw_crc32c(body, (size_t)n - 4)) { fprintf(stderr, "cwsim: command with a bad CRC ignored\n"); continue; }
        st.commands++;
        if (body[1] == 0x81 && !st.streaming) { st.streaming = 1; st.next = 0; st.partial = 0; st.start_us = g_get_monotonic_time(); fprintf(stderr, "cwsim: START\n"); }
        else if (body[1] == 0x82) { st.streaming = 0; fprintf(stderr, "cwsim: STOP\n"); }
    }
}

static size_t string_descriptor(uint8_t index, uint8_t *out, size_t cap) {
    const char *s = index == 1 ? "Crampwatch" : index == 2 ? "Crampwatch EMG-Accel (virtual)" : index == 3 ? opt.serial : NULL;
    uint8_t d[256]; size_t n;
    if (index == 0) { d[0] = 4; d[1] = 3; d[2] = 0x09; d[3] = 0x04; n = 4; }
    else if (s) { n = 2; for (const char *p = s; *p && n < 254; p++) { d[n++] = (uint8_t)*p; d[n++] = 0; } d[0] = (uint8_t)n; d[1] = 3; }
    else return 0;
    if (n > cap) n = cap;
    memcpy(out, d, n); return n;
}

static void complete_urb(UMockdevIoctlClient *c, UMockdevIoctlData *arg, Urb *u) {
    GError *err = NULL;
    UMockdevIoctlData *ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), &err);
    umockdev_ioctl_data_set_ptr(ptr, 0, u->urb);
    umockdev_ioctl_client_complete(c, 0, 0);
    g_object_unref(ptr); g_object_unref(u->buf); g_object_unref(u->urb); g_free(u);
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user) {
    (void)h; (void)user;
    gulong req = umockdev_ioctl_client_get_request(c);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
    GError *err = NULL;
    gint64 now = g_get_monotonic_time();
    replug_if_due(now);
    if (st.silent && now >= st.silent_until_us) st.silent = 0;

    if (req == USBDEVFS_SUBMITURB) {
        if (st.unplugged) { umockdev_ioctl_client_complete(c, -1, ENODEV); return TRUE; }
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), &err);
        struct usbdevfs_urb *urb = (void *)d->data;
        Urb *u = g_new0(Urb, 1);
        u->urb = d;
        u->buf = umockdev_ioctl_data_resolve(d, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer), (gsize)urb->buffer_length, &err);
        urb->status = 0; urb->actual_length = 0;
        if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
            const uint8_t *setup = u->buf->data;
            uint16_t wvalue = (uint16_t)(setup[2] | setup[3] << 8), wlength = (uint16_t)(setup[6] | setup[7] << 8);
            size_t cap = (size_t)urb->buffer_length - 8; if (cap > wlength) cap = wlength;
            if (setup[0] == 0xC1 && setup[1] == CW_USB_REQUEST_GET_INFO && syn.seconds > 0) {
                uint8_t frame[CW_INFO_FRAME_MAX];
                size_t n = cw_device_info_frame(&syn.dev, frame);
                if (n > cap) n = cap;
                memcpy(u->buf->data + 8, frame, n); urb->actual_length = (int)n;
            } else if (setup[0] == 0xC1 && setup[1] == CW_USB_REQUEST_GET_INFO) {
                const Frame *info = &opt.frames[opt.info_frame];
                size_t n = info->length < cap ? info->length : cap;
                memcpy(u->buf->data + 8, opt.bytes + info->offset, n); urb->actual_length = (int)n;
            } else if (setup[0] == 0x80 && setup[1] == 6 && (wvalue >> 8) == 3) {
                urb->actual_length = (int)string_descriptor((uint8_t)wvalue, u->buf->data + 8, cap);
                if (urb->actual_length == 0) urb->status = -EPIPE;
            } else if ((setup[0] & 0x80) == 0) {
                /* standard OUT requests (SET_CONFIGURATION, CLEAR_FEATURE): accept */
            } else {
                urb->status = -EPIPE;   /* unsupported request: a protocol stall, as a real device would */
            }
            u->done = 1; g_queue_push_tail(&done, u);
        } else if (urb->endpoint == opt.out_endpoint) {
            handle_command(u->buf->data, (size_t)urb->buffer_length);
            urb->actual_length = urb->buffer_length; u->done = 1; g_queue_push_tail(&done, u);
        } else {
            g_queue_push_tail(&pending, u);
        }
        umockdev_ioctl_client_complete(c, 0, 0);
    } else if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY) {
        Urb *u = g_queue_pop_head(&done);
        if (!u && st.unplugged && (u = g_queue_pop_head(&pending))) {
            struct usbdevfs_urb *urb = (void *)u->urb->data; urb->status = -ENODEV; urb->actual_length = 0;
        }
        if (!u && syn.seconds > 0 && !g_queue_is_empty(&pending)) {
            Urb *head = g_queue_peek_head(&pending);
            struct usbdevfs_urb *urb = (void *)head->urb->data;
            if (urb->status == -ENOENT) { u = g_queue_pop_head(&pending); }
            else {
                size_t n = synth_fill(head->buf->data, (size_t)urb->buffer_length, now);
                if (n > 0) { u = g_queue_pop_head(&pending); urb->actual_length = (int)n; st.sent_frames = syn.frames_out; }
            }
        }
        if (!u && syn.seconds == 0 && !st.unplugged && !st.silent && st.streaming && !g_queue_is_empty(&pending)) {
            Urb *head = g_queue_peek_head(&pending);
            struct usbdevfs_urb *urb = (void *)head->urb->data;
            if (urb->status == -ENOENT) { u = g_queue_pop_head(&pending); }
            else if (st.partial == 0 && (long)st.next == opt.stall_at) {
                u = g_queue_pop_head(&pending); urb->status = -EPIPE; opt.stall_at = -1; st.stalls++;
                fprintf(stderr, "cwsim: endpoint 0x81 stalled at frame %zu\n", st.next);
            } else if (st.partial == 0 && (long)st.next == opt.silent_at && st.silent_until_us == 0) {
                st.silent = 1; st.silent_until_us = now + opt.silent_ms * 1000;
                fprintf(stderr, "cwsim: silent at frame %zu for %ld ms\n", st.next, opt.silent_ms);
            } else {
                size_t n = fill(head->buf->data, (size_t)urb->buffer_length, now);
                if (n > 0) { u = g_queue_pop_head(&pending); urb->actual_length = (int)n; }
            }
        }
        if (!u) {
            /* a discarded URB anywhere in the queue can be reaped at once */
            for (GList *l = pending.head; l; l = l->next) {
                Urb *p = l->data;
                if (((struct usbdevfs_urb *)p->urb->data)->status == -ENOENT) { u = p; g_queue_delete_link(&pending, l); break; }
            }
        }
        if (!u) { umockdev_ioctl_client_complete(c, -1, st.unplugged ? ENODEV : EAGAIN); return TRUE; }
        complete_urb(c, arg, u);
    } else if (req == USBDEVFS_DISCARDURB) {
        gulong addr = *(gulong *)arg->data;
        for (GList *l = pending.head; l; l = l->next) {
            Urb *p = l->data;
            if (p->urb->client_addr == addr) {
                ((struct usbdevfs_urb *)p->urb->data)->status = -ENOENT;
                umockdev_ioctl_client_complete(c, 0, 0); return TRUE;
            }
        }
        umockdev_ioctl_client_complete(c, -1, EINVAL);
    } else if (req == USBDEVFS_GET_CAPABILITIES) {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, 4, &err);
        *(guint32 *)d->data = 0; umockdev_ioctl_client_complete(c, 0, 0); g_object_unref(d);
    } else if (req == USBDEVFS_CLAIMINTERFACE || req == USBDEVFS_RELEASEINTERFACE || req == USBDEVFS_CLEAR_HALT ||
               req == USBDEVFS_RESET || req == USBDEVFS_SETINTERFACE || req == USBDEVFS_SETCONFIGURATION) {
        if (st.unplugged) umockdev_ioctl_client_complete(c, -1, ENODEV);
        else umockdev_ioctl_client_complete(c, 0, 0);
    } else {
        umockdev_ioctl_client_complete(c, -1, ENOTTY);
    }
    return TRUE;
}

static void usage(void) {
    fprintf(stderr,
        "usage: cwsim --capture FILE [--device FILE.umockdev] [--speed X] [--serial S] [--out-endpoint N]\n"
        "             [--unplug-at FRAME --lost FRAMES --replug-ms MS] [--drop F,F..] [--corrupt F,F..]\n"
        "             [--stall-at FRAME] [--silent-at FRAME --silent-ms MS]\n"
        "             [--unplug-every FRAMES] [--duplicate F,F..] [--swap F,F..] [--garbage F:BYTES,..]\n"
        "             [--clock-jump FRAME:SECONDS] [--suspend-at FRAME --suspend-ms MS --device-buffer FRAMES]\n"
        "             -- PROGRAM ARGS...\n"
        "       (either mode: [--plug-in-ms MS] starts with no device, plugged in after MS)\n"
        "       cwsim --synthetic SECONDS [--device FILE.umockdev] [--speed X] [--serial S] -- PROGRAM ARGS...\n"
        "             (the firmware core on the synthetic board; the fault options need --capture)\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *preload = getenv("LD_PRELOAD");
    if (!preload || !strstr(preload, "libumockdev-preload")) {
        /* Run under the preload ourselves, so the uevents of unplug and replug find the device in the testbed. */
        setenv("LD_PRELOAD", "libumockdev-preload.so.0", 1);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "cwsim: cannot re-execute itself under libumockdev-preload: %s\n", strerror(errno));
        return 2;
    }
    const char *capture = NULL, *device = NULL;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(a, "--capture")) capture = v;
        else if (!strcmp(a, "--synthetic")) {
            char *end; syn.seconds = strtol(v, &end, 10);
            if (*end || syn.seconds <= 0) { fprintf(stderr, "cwsim: --synthetic wants a whole number of seconds > 0, got '%s'\n", v); return 2; }
        }
        else if (!strcmp(a, "--device")) device = v;
        else if (!strcmp(a, "--speed")) opt.speed = atof(v);
        else if (!strcmp(a, "--serial")) opt.serial = v;
        else if (!strcmp(a, "--out-endpoint")) {
            opt.out_endpoint = (unsigned)strtoul(v, NULL, 0);
            if (opt.out_endpoint < 1 || opt.out_endpoint > 15) { fprintf(stderr, "cwsim: --out-endpoint wants 1 to 15\n"); return 2; }
        }
        else if (!strcmp(a, "--unplug-at")) opt.unplug_at = atol(v);
        else if (!strcmp(a, "--lost")) opt.replug_after_frames = atol(v);
        else if (!strcmp(a, "--replug-ms")) opt.replug_ms = atol(v);
        else if (!strcmp(a, "--drop")) opt.drop = parse_list(v, &opt.ndrop);
        else if (!strcmp(a, "--corrupt")) opt.corrupt = parse_list(v, &opt.ncorrupt);
        else if (!strcmp(a, "--stall-at")) opt.stall_at = atol(v);
        else if (!strcmp(a, "--silent-at")) opt.silent_at = atol(v);
        else if (!strcmp(a, "--silent-ms")) opt.silent_ms = atol(v);
        else if (!strcmp(a, "--unplug-every")) opt.unplug_every = atol(v);
        else if (!strcmp(a, "--duplicate")) opt.duplicate = parse_list(v, &opt.nduplicate);
        else if (!strcmp(a, "--swap")) opt.swap = parse_list(v, &opt.nswap);
        else if (!strcmp(a, "--garbage")) {
            char *copy = g_strdup(v);
            for (char *p = copy; *p; p++) if (*p == ':') *p = ',';
            opt.garbage = parse_list(copy, &opt.ngarbage); opt.ngarbage /= 2; g_free(copy);
        }
        else if (!strcmp(a, "--clock-jump")) {
            char *colon = strchr(v, ':');
            if (!colon) { fprintf(stderr, "cwsim: --clock-jump wants FRAME:SECONDS\n"); exit(2); }
            opt.clock_jump_at = atol(v); opt.clock_jump_s = atof(colon + 1);
        }
        else if (!strcmp(a, "--suspend-at")) opt.suspend_at = atol(v);
        else if (!strcmp(a, "--suspend-ms")) opt.suspend_ms = atol(v);
        else if (!strcmp(a, "--device-buffer")) opt.device_buffer = atol(v);
        else if (!strcmp(a, "--plug-in-ms")) opt.plug_in_ms = atol(v);
        else usage();
        i++;
    }
    if ((!capture == !syn.seconds) || i + 1 >= argc) usage();
    if (syn.seconds > 0) {
        if (opt.unplug_at >= 0 || opt.ndrop || opt.ncorrupt || opt.stall_at >= 0 || opt.silent_at >= 0 || opt.unplug_every > 0 ||
            opt.nduplicate || opt.nswap || opt.ngarbage || opt.clock_jump_at >= 0 || opt.suspend_at >= 0) {
            fprintf(stderr, "cwsim: the fault options work with --capture only\n");
            return 2;
        }
        syn.outbox = g_byte_array_new();
        cw_synth_init(0, synth_writer, NULL);
        cw_device_init(&syn.dev); /* power-up: its device_info waits in the outbox */
    } else {
        index_capture(capture);
        apply_transforms();
        if (opt.unplug_every > 0 && opt.unplug_at < 0) opt.unplug_at = opt.unplug_every;
    }
    GError *err = NULL;
    UMockdevTestbed *tb = umockdev_testbed_new();
    testbed = tb;
    gchar *desc = NULL;
    if (device) { if (!g_file_get_contents(device, &desc, NULL, &err)) { fprintf(stderr, "cwsim: %s\n", err->message); return 2; } }
    else desc = g_strdup_printf(
        "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
        "N: bus/usb/001/002=12010002FF0000400912A3C40001010203010902200001010080320904000002FF000000070581020002000705%02X02000200\n"
        "E: DEVNAME=/dev/bus/usb/001/002\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: PRODUCT=1209/c4a3/100\nE: TYPE=255/0/0\n"
        "E: BUSNUM=001\nE: DEVNUM=002\nE: MAJOR=189\nE: MINOR=1\nE: SUBSYSTEM=usb\nE: ID_VENDOR_ID=1209\nE: ID_MODEL_ID=c4a3\nE: ID_BUS=usb\n"
        "A: bConfigurationValue=1\nA: bDeviceClass=ff\nA: bNumConfigurations=1\nA: bNumInterfaces= 1\nA: bMaxPacketSize0=64\n"
        "A: busnum=1\\n\nA: devnum=2\\n\nA: devpath=1\nA: idProduct=c4a3\nA: idVendor=1209\nA: speed=480\n"
        "A: manufacturer=Crampwatch\nA: product=Crampwatch EMG-Accel (virtual)\nA: serial=%s\n"
        "H: descriptors=12010002FF0000400912A3C40001010203010902200001010080320904000002FF000000070581020002000705%02X02000200\n"
        "L: driver=../../../../../bus/usb/drivers/usb\n", opt.out_endpoint, opt.serial, opt.out_endpoint);
    if (opt.plug_in_ms > 0) plug_in_description = desc;
    else if (!umockdev_testbed_add_from_string(tb, desc, &err)) { fprintf(stderr, "cwsim: device description: %s\n", err->message); return 2; }
    UMockdevIoctlBase *h = umockdev_ioctl_base_new();
    g_signal_connect(h, "handle-ioctl", G_CALLBACK(on_ioctl), NULL);
    if (!umockdev_testbed_attach_ioctl(tb, DEVNODE, h, &err)) { fprintf(stderr, "cwsim: %s\n", err->message); return 2; }
    gchar **envp = g_environ_setenv(g_get_environ(), "LD_PRELOAD", "libumockdev-preload.so.0", TRUE);
    envp = g_environ_setenv(envp, "UMOCKDEV_DIR", umockdev_testbed_get_root_dir(tb), TRUE);
    int status = 0;
    if (opt.unplug_at >= 0 || opt.unplug_every > 0) g_thread_new("replug", replug_thread, NULL);
    if (opt.plug_in_ms > 0) g_thread_new("plug-in", plug_in_thread, NULL);
    if (!g_spawn_sync(NULL, argv + i + 1, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL, NULL, &status, &err)) {
        fprintf(stderr, "cwsim: cannot start %s: %s\n", argv[i + 1], err->message); return 2;
    }
    if (syn.seconds > 0)
        fprintf(stderr, "cwsim: synthetic: %ld frames produced by the core, %u EMG samples, %u overflowed, %ld commands\n",
                syn.frames_out, syn.dev.sampler.tick, syn.dev.sampler.overflow_samples, st.commands);
    else {
        fprintf(stderr, "cwsim: frames %zu in capture, %ld sent, %ld dropped, %ld lost to unplug, %ld stalls, %ld commands\n",
                opt.count, st.sent_frames, st.dropped_frames, st.unplug_lost, st.stalls, st.commands);
        fprintf(stderr, "cwsim: faults: %ld unplugs, %ld frames lost to a host suspend, %ld duplicated, %ld swapped, %ld noise bursts%s\n",
                st.unplugs, st.suspend_lost, opt.nduplicate, opt.nswap, opt.ngarbage, opt.clock_jump_at >= 0 ? ", device clock stepped" : "");
    }
    g_object_unref(tb);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
