#define _POSIX_C_SOURCE 200809L
/* The shared golden vectors (protocol/golden_vectors.txt), decoded by the C core in several
   chunkings and, for valid_ cases, encoded back byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cw_codec.h"

#define MAX_BYTES 16384
#define MAX_EXPECT 16
#define LINE 8192

typedef struct {
    char name[128];
    uint8_t bytes[MAX_BYTES];
    size_t count;
    char expect[MAX_EXPECT][LINE];
    int expects;
} golden_case;

static char got[64][LINE];
static int gots;
static int failures;

/* ---- rendering outcomes as the golden file writes them ---- */
static void list16(char *out, const cw_sample_block *b, size_t from, size_t n) {
    if (n == 0) { strcat(out, "-"); return; }
    char tmp[16];
    for (size_t i = 0; i < n; i++) {
        snprintf(tmp, sizeof tmp, i ? ",%d" : "%d", cw_sample_at(b, from + i));
        strcat(out, tmp);
    }
}

static const char *type_name(uint8_t t) {
    switch (t) {
    case CW_FRAME_SAMPLE_BLOCK: return "sample_block";
    case CW_FRAME_DEVICE_INFO: return "device_info";
    case CW_FRAME_STATUS: return "status";
    case CW_FRAME_ACK: return "ack";
    case CW_CMD_START: return "start";
    case CW_CMD_STOP: return "stop";
    case CW_CMD_CONFIGURE: return "configure";
    case CW_CMD_IDENTIFY: return "identify";
    case CW_CMD_TIME_SYNC: return "time_sync";
    default: return "get_status";
    }
}

static void on_frame(void *ctx, const cw_frame *f) {
    (void)ctx;
    char *o = got[gots++];
    int n = snprintf(o, LINE, "frame type=%s seq=%u ts=%llu", type_name(f->type), f->sequence, (unsigned long long)f->timestamp_us);
    switch (f->type) {
    case CW_FRAME_SAMPLE_BLOCK: {
        cw_sample_block b;
        cw_parse_sample_block(f, &b);
        snprintf(o + n, LINE - n, " emg_index=%u accel_index=%u channels=%u axes=%u flags=%u emg=", b.emg_index, b.accel_index, b.emg_channels, b.accel_axes, b.flags);
        list16(o, &b, 0, (size_t)b.emg_count * b.emg_channels);
        strcat(o, " accel=");
        list16(o, &b, (size_t)b.emg_count * b.emg_channels, (size_t)b.accel_count * b.accel_axes);
        break;
    }
    case CW_FRAME_DEVICE_INFO: {
        cw_device_info d;
        cw_parse_device_info(f, &d);
        snprintf(o + n, LINE - n, " serial=%s fw=%u.%u.%u hw=%u channels=%u axes=%u mains=%u adc_bits=%u emg_rate=%u accel_rate=%u emg_uv_per_lsb=%.9g accel_g_per_lsb=%.9g block=%u boot_id=%u sites=%u,%u,%u,%u",
                 d.serial, d.fw_major, d.fw_minor, d.fw_patch, d.hw_revision, d.emg_channels, d.accel_axes, d.mains_hz, d.adc_bits, d.emg_rate_hz, d.accel_rate_hz,
                 d.emg_uv_per_lsb, d.accel_g_per_lsb, d.emg_block_samples, d.boot_id, d.emg_site[0], d.emg_site[1], d.emg_site[2], d.emg_site[3]);
        break;
    }
    case CW_FRAME_STATUS: {
        cw_status s;
        cw_parse_status(f, &s);
        snprintf(o + n, LINE - n, " battery_mv=%u battery_percent=%u contact=%u overflow=%u dropped=%u state=%u", s.battery_mv, s.battery_percent,
                 s.electrode_contact, s.overflow_samples, s.frames_dropped, s.state_flags);
        break;
    }
    case CW_FRAME_ACK: {
        cw_ack a;
        cw_parse_ack(f, &a);
        snprintf(o + n, LINE - n, " command=%u result=%u token=%u", a.command, a.result, a.token);
        break;
    }
    default: {
        cw_command c;
        cw_parse_command(f, &c);
        if (f->type == CW_CMD_CONFIGURE)
            snprintf(o + n, LINE - n, " token=%u emg_rate=%u accel_rate=%u mains=%u channels=%u", c.token, c.emg_rate_hz, c.accel_rate_hz, c.mains_hz, c.emg_channels);
        else
            snprintf(o + n, LINE - n, " token=%u", c.token);
    }
    }
}

static void on_error(void *ctx, cw_error_kind k, uint64_t offset) {
    (void)ctx;
    snprintf(got[gots++], LINE, "error kind=%s offset=%llu", cw_error_name(k), (unsigned long long)offset);
}
static void on_gap(void *ctx, uint32_t e, uint32_t g, uint32_t l) {
    (void)ctx;
    snprintf(got[gots++], LINE, "gap expected=%u got=%u lost=%u", e, g, l);
}
static void on_reorder(void *ctx, uint32_t e, uint32_t g) {
    (void)ctx;
    snprintf(got[gots++], LINE, "reorder expected=%u got=%u", e, g);
}

/* Token-wise comparison; numbers compare as binary32 when they differ as text. */
static int same(const char *a, const char *b) {
    char x[LINE], y[LINE];
    strcpy(x, a);
    strcpy(y, b);
    char *sa, *sb;
    char *ta = strtok_r(x, " ", &sa), *tb = strtok_r(y, " ", &sb);
    while (ta && tb) {
        if (strcmp(ta, tb) != 0) {
            char *ea = strchr(ta, '='), *eb = strchr(tb, '=');
            if (!ea || !eb || (ea - ta) != (eb - tb) || strncmp(ta, tb, (size_t)(ea - ta)) != 0) return 0;
            char *end1, *end2;
            double da = strtod(ea + 1, &end1), db = strtod(eb + 1, &end2);
            if (*end1 || *end2 || (float)da != (float)db) return 0;
        }
        ta = strtok_r(NULL, " ", &sa);
        tb = strtok_r(NULL, " ", &sb);
    }
    return ta == NULL && tb == NULL;
}

static void run_decode(const golden_case *c, size_t chunk) {
    cw_decoder_callbacks cb = {on_frame, on_error, on_gap, on_reorder, NULL};
    static cw_decoder d;
    cw_decoder_init(&d, &cb);
    gots = 0;
    unsigned seed = 12345;
    for (size_t i = 0; i < c->count;) {
        size_t n = chunk;
        if (chunk == 0) { seed = seed * 1103515245u + 12345u; n = 1 + (seed >> 16) % 97; }
        if (n > c->count - i) n = c->count - i;
        cw_decoder_feed(&d, c->bytes + i, n);
        i += n;
    }
    cw_decoder_finish(&d);
    if (gots != c->expects) {
        printf("FAIL %s (chunk %zu): %d outcomes, expected %d\n", c->name, chunk, gots, c->expects);
        failures++;
        return;
    }
    for (int i = 0; i < gots; i++) {
        if (!same(got[i], c->expect[i])) {
            printf("FAIL %s (chunk %zu) outcome %d:\n  got      %s\n  expected %s\n", c->name, chunk, i, got[i], c->expect[i]);
            failures++;
        }
    }
}

/* ---- encode vectors: build the frame from its expected fields ---- */
static const char *field(const char *line, const char *key, char *out) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    if (!p) return NULL;
    p += strlen(pat);
    size_t n = strcspn(p, " ");
    memcpy(out, p, n);
    out[n] = 0;
    return out;
}
static unsigned long long num(const char *line, const char *key) {
    char v[LINE];
    return field(line, key, v) ? strtoull(v, NULL, 0) : 0;
}
static size_t list(const char *line, const char *key, int16_t *out) {
    char v[LINE];
    if (!field(line, key, v) || strcmp(v, "-") == 0) return 0;
    size_t n = 0;
    for (char *s, *t = strtok_r(v, ",", &s); t; t = strtok_r(NULL, ",", &s)) out[n++] = (int16_t)strtol(t, NULL, 10);
    return n;
}

static size_t encode_expected(const char *e, uint8_t *out) {
    static uint8_t payload[CW_MAX_PAYLOAD];
    static int16_t emg[4096], accel[1024];
    char type[64];
    field(e, "type", type);
    uint32_t seq = (uint32_t)num(e, "seq");
    uint64_t ts = num(e, "ts");
    uint16_t n = 0;
    uint8_t t = 0;
    if (!strcmp(type, "sample_block")) {
        t = CW_FRAME_SAMPLE_BLOCK;
        uint8_t ch = (uint8_t)num(e, "channels"), ax = (uint8_t)num(e, "axes");
        size_t ne = list(e, "emg", emg), na = list(e, "accel", accel);
        n = cw_payload_sample_block(payload, (uint32_t)num(e, "emg_index"), (uint32_t)num(e, "accel_index"), ch, ax,
                                    (uint16_t)(ch ? ne / ch : 0), (uint16_t)(ax ? na / ax : 0), (uint16_t)num(e, "flags"), emg, accel);
    } else if (!strcmp(type, "device_info")) {
        t = CW_FRAME_DEVICE_INFO;
        cw_device_info d;
        memset(&d, 0, sizeof d);
        char v[LINE];
        field(e, "serial", d.serial);
        field(e, "fw", v);
        unsigned a, b, c;
        sscanf(v, "%u.%u.%u", &a, &b, &c);
        d.fw_major = (uint8_t)a; d.fw_minor = (uint8_t)b; d.fw_patch = (uint8_t)c;
        d.hw_revision = (uint8_t)num(e, "hw"); d.emg_channels = (uint8_t)num(e, "channels"); d.accel_axes = (uint8_t)num(e, "axes");
        d.mains_hz = (uint8_t)num(e, "mains"); d.adc_bits = (uint8_t)num(e, "adc_bits");
        d.emg_rate_hz = (uint16_t)num(e, "emg_rate"); d.accel_rate_hz = (uint16_t)num(e, "accel_rate");
        d.emg_uv_per_lsb = (float)strtod(field(e, "emg_uv_per_lsb", v), NULL);
        d.accel_g_per_lsb = (float)strtod(field(e, "accel_g_per_lsb", v), NULL);
        d.emg_block_samples = (uint16_t)num(e, "block"); d.boot_id = (uint32_t)num(e, "boot_id");
        int16_t sites[4] = {0};
        list(e, "sites", sites);
        for (int i = 0; i < 4; i++) d.emg_site[i] = (uint8_t)sites[i];
        n = cw_payload_device_info(payload, &d);
    } else if (!strcmp(type, "status")) {
        t = CW_FRAME_STATUS;
        cw_status s = {(uint16_t)num(e, "battery_mv"), (uint8_t)num(e, "battery_percent"), (uint8_t)num(e, "contact"),
                       (uint32_t)num(e, "overflow"), (uint32_t)num(e, "dropped"), (uint16_t)num(e, "state")};
        n = cw_payload_status(payload, &s);
    } else if (!strcmp(type, "ack")) {
        t = CW_FRAME_ACK;
        cw_ack a = {(uint8_t)num(e, "command"), (uint8_t)num(e, "result"), (uint32_t)num(e, "token")};
        n = cw_payload_ack(payload, &a);
    } else {
        static const struct { const char *name; uint8_t type; } commands[] = {
            {"start", CW_CMD_START}, {"stop", CW_CMD_STOP}, {"configure", CW_CMD_CONFIGURE},
            {"identify", CW_CMD_IDENTIFY}, {"time_sync", CW_CMD_TIME_SYNC}, {"get_status", CW_CMD_GET_STATUS}};
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) if (!strcmp(type, commands[i].name)) t = commands[i].type;
        cw_command c = {(uint32_t)num(e, "token"), (uint16_t)num(e, "emg_rate"), (uint16_t)num(e, "accel_rate"), (uint8_t)num(e, "mains"), (uint8_t)num(e, "channels")};
        n = cw_payload_command(payload, t, &c);
    }
    return cw_encode_frame(t, seq, ts, payload, n, out);
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

#ifndef TEST_GOLDEN_MAIN
#define TEST_GOLDEN_MAIN main
#endif
int TEST_GOLDEN_MAIN(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "protocol/golden_vectors.txt";
    FILE *f = fopen(path, "r");
    if (!f) { printf("FAIL cannot open %s\n", path); return 1; }
    static golden_case c;
    static char line[LINE];
    int cases = 0, encoded = 0;
    static const size_t chunks[] = {4096 * 4, 1, 3, 7, 64, 0};
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        if (!strncmp(line, "case ", 5)) {
            memset(&c, 0, sizeof c);
            snprintf(c.name, sizeof c.name, "%.100s", line + 5);
        } else if (!strncmp(line, "bytes ", 6)) {
            for (const char *p = line + 6; p[0] && p[1]; p += 2) c.bytes[c.count++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
        } else if (!strncmp(line, "expect ", 7)) {
            snprintf(c.expect[c.expects++], LINE, "%.8000s", line + 7);
        } else if (!strcmp(line, "end")) {
            cases++;
            for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) run_decode(&c, chunks[k]);
            if (!strncmp(c.name, "valid_", 6)) {
                static uint8_t out[MAX_BYTES];
                size_t n = 0;
                for (int i = 0; i < c.expects; i++) n += encode_expected(c.expect[i], out + n);
                if (n != c.count || memcmp(out, c.bytes, n) != 0) {
                    printf("FAIL %s: encoding gives %zu bytes, the vector has %zu (or the bytes differ)\n", c.name, n, c.count);
                    failures++;
                }
                encoded++;
            }
        }
    }
    fclose(f);
    if (cases < 30 || encoded < 10) { printf("FAIL only %d cases (%d encode vectors) read from %s\n", cases, encoded, path); failures++; }
    if (cw_crc32c((const uint8_t *)"123456789", 9) != 0xE3069283u) { printf("FAIL CRC-32C check value\n"); failures++; }
    printf("%s: %d golden cases decoded in 6 chunkings, %d encoded byte for byte, %d failures\n", failures ? "FAIL" : "ok", cases, encoded, failures);
    return failures ? 1 : 0;
}
