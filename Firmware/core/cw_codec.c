/* Protocol v1 codec. Portable C11: no heap, no hardware, table in flash (const). */
#include "cw_codec.h"

#include "cw_config.h"

#include <string.h>

/* ---- little-endian helpers ---- */
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32); }
static void putf(uint8_t *p, float f) { uint32_t v; memcpy(&v, &f, 4); put32(p, v); }
static float getf(const uint8_t *p) { uint32_t v = get32(p); float f; memcpy(&f, &v, 4); return f; }

/* ---- CRC-32C: 16-entry nibble table (64 bytes), small enough for an 8-bit MCU's flash ---- */
static const uint32_t crc_nibble[16] CW_ROM = {
    0x00000000u, 0x105EC76Fu, 0x20BD8EDEu, 0x30E349B1u, 0x417B1DBCu, 0x5125DAD3u, 0x61C69362u, 0x7198540Du,
    0x82F63B78u, 0x92A8FC17u, 0xA24BB5A6u, 0xB21572C9u, 0xC38D26C4u, 0xD3D3E1ABu, 0xE330A81Au, 0xF36E6F75u,
};

static uint32_t crc_byte(uint32_t crc, uint8_t b) {
    crc ^= b;
    crc = (crc >> 4) ^ CW_ROM_READ32(&crc_nibble[crc & 0x0Fu]);
    return (crc >> 4) ^ CW_ROM_READ32(&crc_nibble[crc & 0x0Fu]);
}

uint32_t cw_crc32c_update(uint32_t crc, const uint8_t *data, size_t length) {
    for (size_t i = 0; i < length; i++) crc = crc_byte(crc, data[i]);
    return crc;
}

uint32_t cw_crc32c(const uint8_t *data, size_t length) { return cw_crc32c_update(CW_CRC32C_INIT, data, length) ^ CW_CRC32C_INIT; }

/* ---- COBS ---- */
size_t cw_cobs_encode(const uint8_t *in, size_t length, uint8_t *out) {
    size_t code_at = 0, w = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < length; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = w++;
            code = 1;
        } else {
            out[w++] = in[i];
            if (++code == 0xFF) {
                out[code_at] = code;
                if (i == length - 1) return w; /* minimal form: nothing after a final full block */
                code_at = w++;
                code = 1;
            }
        }
    }
    out[code_at] = code;
    return w;
}

long cw_cobs_decode(const uint8_t *in, size_t length, uint8_t *out) {
    size_t r = 0, w = 0;
    while (r < length) {
        uint8_t code = in[r];
        if (code == 0 || r + code > length) return -1;
        r++;
        for (uint8_t k = 1; k < code; k++) out[w++] = in[r++];
        if (code != 0xFF && r < length) out[w++] = 0;
    }
    return (long)w;
}

/* ---- streaming encoder ---- */
static void out_byte(cw_encoder *e, size_t at, uint8_t b) {
    if (at < e->cap) e->out[at] = b;
    else e->overflow = 1;
}

/* One body byte through COBS (minimal form: a full 254-byte block opens the next one lazily). */
static void cobs_put(cw_encoder *e, uint8_t b) {
    if (!e->open) {
        e->code_at = e->w++;
        e->code = 1;
        e->open = 1;
    }
    if (b == 0) {
        out_byte(e, e->code_at, e->code);
        e->code_at = e->w++;
        e->code = 1;
        return;
    }
    out_byte(e, e->w++, b);
    if (++e->code == 0xFF) {
        out_byte(e, e->code_at, e->code);
        e->open = 0;
    }
}

static void body_byte(cw_encoder *e, uint8_t b) {
    e->crc = crc_byte(e->crc, b);
    cobs_put(e, b);
}

void cw_enc_u8(cw_encoder *e, uint8_t v) {
    e->payload_written++;
    body_byte(e, v);
}

void cw_enc_bytes(cw_encoder *e, const uint8_t *data, size_t length) {
    for (size_t i = 0; i < length; i++) cw_enc_u8(e, data[i]);
}

void cw_enc_u16(cw_encoder *e, uint16_t v) {
    cw_enc_u8(e, (uint8_t)v);
    cw_enc_u8(e, (uint8_t)(v >> 8));
}

void cw_enc_u32(cw_encoder *e, uint32_t v) {
    cw_enc_u16(e, (uint16_t)v);
    cw_enc_u16(e, (uint16_t)(v >> 16));
}

void cw_enc_begin(cw_encoder *e, uint8_t *out, size_t cap, uint8_t type, uint32_t sequence, uint64_t timestamp_us, uint16_t payload_length) {
    e->out = out;
    e->cap = cap;
    e->w = 0;
    e->code_at = 0;
    e->code = 1;
    e->open = 0;
    e->overflow = payload_length > CW_MAX_PAYLOAD;
    e->crc = CW_CRC32C_INIT;
    e->payload_length = payload_length;
    cw_enc_u8(e, CW_PROTOCOL_VERSION);
    cw_enc_u8(e, type);
    cw_enc_u16(e, payload_length);
    cw_enc_u32(e, sequence);
    cw_enc_u32(e, (uint32_t)timestamp_us);
    cw_enc_u32(e, (uint32_t)(timestamp_us >> 32));
    e->payload_written = 0;
}

size_t cw_enc_finish(cw_encoder *e) {
    uint32_t crc = e->crc ^ CW_CRC32C_INIT;
    for (int i = 0; i < 4; i++) cobs_put(e, (uint8_t)(crc >> (8 * i)));
    if (e->open) out_byte(e, e->code_at, e->code);
    out_byte(e, e->w++, 0);
    if (e->overflow || e->payload_written != e->payload_length) return 0;
    return e->w;
}

/* ---- encoding ---- */
size_t cw_encode_frame(uint8_t type, uint32_t sequence, uint64_t timestamp_us, const uint8_t *payload, uint16_t length, uint8_t *out) {
    if (length > CW_MAX_PAYLOAD) return 0;
    cw_encoder e;
    cw_enc_begin(&e, out, cw_cobs_max((size_t)length + CW_HEADER_SIZE + CW_CRC_SIZE) + 1u, type, sequence, timestamp_us, length);
    cw_enc_bytes(&e, payload, length);
    return cw_enc_finish(&e);
}

uint16_t cw_payload_sample_block(uint8_t *p, uint32_t emg_index, uint32_t accel_index, uint8_t channels, uint8_t axes,
                                 uint16_t emg_count, uint16_t accel_count, uint16_t flags, const int16_t *emg, const int16_t *accel) {
    put32(p, emg_index);
    put32(p + 4, accel_index);
    p[8] = channels;
    p[9] = axes;
    put16(p + 10, emg_count);
    put16(p + 12, accel_count);
    put16(p + 14, flags);
    size_t o = CW_SAMPLE_HEADER_SIZE;
    for (size_t i = 0; i < (size_t)emg_count * channels; i++, o += 2) put16(p + o, (uint16_t)emg[i]);
    for (size_t i = 0; i < (size_t)accel_count * axes; i++, o += 2) put16(p + o, (uint16_t)accel[i]);
    return (uint16_t)o;
}

uint16_t cw_payload_device_info(uint8_t *p, const cw_device_info *d) {
    memset(p, 0, CW_DEVICE_INFO_SIZE);
    size_t n = strlen(d->serial);
    memcpy(p, d->serial, n > 16 ? 16 : n);
    p[16] = d->fw_major; p[17] = d->fw_minor; p[18] = d->fw_patch; p[19] = d->hw_revision;
    p[20] = d->emg_channels; p[21] = d->accel_axes; p[22] = d->mains_hz; p[23] = d->adc_bits;
    put16(p + 24, d->emg_rate_hz);
    put16(p + 26, d->accel_rate_hz);
    putf(p + 28, d->emg_uv_per_lsb);
    putf(p + 32, d->accel_g_per_lsb);
    put16(p + 36, d->emg_block_samples);
    put32(p + 38, d->boot_id);
    memcpy(p + 42, d->emg_site, 4);
    return CW_DEVICE_INFO_SIZE;
}

uint16_t cw_payload_status(uint8_t *p, const cw_status *s) {
    put16(p, s->battery_mv);
    p[2] = s->battery_percent;
    p[3] = s->electrode_contact;
    put32(p + 4, s->overflow_samples);
    put32(p + 8, s->frames_dropped);
    put16(p + 12, s->state_flags);
    put16(p + 14, 0);
    return CW_STATUS_SIZE;
}

uint16_t cw_payload_ack(uint8_t *p, const cw_ack *a) {
    p[0] = a->command;
    p[1] = a->result;
    put16(p + 2, 0);
    put32(p + 4, a->token);
    return CW_ACK_SIZE;
}

uint16_t cw_payload_command(uint8_t *p, uint8_t type, const cw_command *c) {
    put32(p, c->token);
    if (type != CW_CMD_CONFIGURE) return CW_TOKEN_SIZE;
    put16(p + 4, c->emg_rate_hz);
    put16(p + 6, c->accel_rate_hz);
    p[8] = c->mains_hz;
    p[9] = c->emg_channels;
    put16(p + 10, 0);
    return CW_CONFIGURE_SIZE;
}

/* ---- parsing ---- */
void cw_parse_sample_block(const cw_frame *f, cw_sample_block *b) {
    const uint8_t *p = f->payload;
    b->emg_index = get32(p);
    b->accel_index = get32(p + 4);
    b->emg_channels = p[8];
    b->accel_axes = p[9];
    b->emg_count = get16(p + 10);
    b->accel_count = get16(p + 12);
    b->flags = get16(p + 14);
    b->samples = p + CW_SAMPLE_HEADER_SIZE;
}

int16_t cw_sample_at(const cw_sample_block *b, size_t i) { return (int16_t)get16(b->samples + 2 * i); }

void cw_parse_device_info(const cw_frame *f, cw_device_info *d) {
    const uint8_t *p = f->payload;
    memcpy(d->serial, p, 16);
    d->serial[16] = 0;
    d->fw_major = p[16]; d->fw_minor = p[17]; d->fw_patch = p[18]; d->hw_revision = p[19];
    d->emg_channels = p[20]; d->accel_axes = p[21]; d->mains_hz = p[22]; d->adc_bits = p[23];
    d->emg_rate_hz = get16(p + 24);
    d->accel_rate_hz = get16(p + 26);
    d->emg_uv_per_lsb = getf(p + 28);
    d->accel_g_per_lsb = getf(p + 32);
    d->emg_block_samples = get16(p + 36);
    d->boot_id = get32(p + 38);
    memcpy(d->emg_site, p + 42, 4);
}

void cw_parse_status(const cw_frame *f, cw_status *s) {
    const uint8_t *p = f->payload;
    s->battery_mv = get16(p);
    s->battery_percent = p[2];
    s->electrode_contact = p[3];
    s->overflow_samples = get32(p + 4);
    s->frames_dropped = get32(p + 8);
    s->state_flags = get16(p + 12);
}

void cw_parse_ack(const cw_frame *f, cw_ack *a) {
    a->command = f->payload[0];
    a->result = f->payload[1];
    a->token = get32(f->payload + 4);
}

void cw_parse_command(const cw_frame *f, cw_command *c) {
    memset(c, 0, sizeof *c);
    c->token = get32(f->payload);
    if (f->type == CW_CMD_CONFIGURE) {
        c->emg_rate_hz = get16(f->payload + 4);
        c->accel_rate_hz = get16(f->payload + 6);
        c->mains_hz = f->payload[8];
        c->emg_channels = f->payload[9];
    }
}

/* ---- decoding ---- */
const char *cw_error_name(cw_error_kind k) {
    static const char *const names[] = {"cobs", "short", "crc", "version", "length", "type", "payload", "oversize", "truncated"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void cw_decoder_init(cw_decoder *d, const cw_decoder_callbacks *cb) {
    memset(d, 0, sizeof *d);
    d->cb = *cb;
}

static int known_type(uint8_t t) { return (t >= 0x01 && t <= 0x04) || (t >= 0x81 && t <= 0x86); }

static int payload_consistent(uint8_t t, const uint8_t *p, size_t n) {
    switch (t) {
    case CW_FRAME_SAMPLE_BLOCK: {
        if (n < CW_SAMPLE_HEADER_SIZE) return 0;
        uint8_t ch = p[8], ax = p[9];
        if (ch > CW_MAX_CHANNELS || (ax != 0 && ax != 3)) return 0;
        return n == CW_SAMPLE_HEADER_SIZE + 2u * get16(p + 10) * ch + 2u * get16(p + 12) * ax;
    }
    case CW_FRAME_DEVICE_INFO: return n == CW_DEVICE_INFO_SIZE;
    case CW_FRAME_STATUS: return n == CW_STATUS_SIZE;
    case CW_FRAME_ACK: return n == CW_ACK_SIZE;
    case CW_CMD_CONFIGURE: return n == CW_CONFIGURE_SIZE;
    default: return n == CW_TOKEN_SIZE;
    }
}

static void error(cw_decoder *d, cw_error_kind k) {
    if (d->cb.error_cb) d->cb.error_cb(d->cb.ctx, k, d->frame_start);
}

static void decode_frame(cw_decoder *d) {
    long n = cw_cobs_decode(d->encoded, d->encoded_count, d->body);
    if (n < 0) { error(d, CW_ERR_COBS); return; }
    const uint8_t *b = d->body;
    if (n < (long)(CW_HEADER_SIZE + CW_CRC_SIZE)) { error(d, CW_ERR_SHORT); return; }
    if (cw_crc32c(b, (size_t)n - 4) != get32(b + n - 4)) { error(d, CW_ERR_CRC); return; }
    if (b[0] != CW_PROTOCOL_VERSION) { error(d, CW_ERR_VERSION); return; }
    uint16_t length = get16(b + 2);
    if (length != n - (long)(CW_HEADER_SIZE + CW_CRC_SIZE)) { error(d, CW_ERR_LENGTH); return; }
    if (!known_type(b[1])) { error(d, CW_ERR_TYPE); return; }
    if (!payload_consistent(b[1], b + CW_HEADER_SIZE, length)) { error(d, CW_ERR_PAYLOAD); return; }
    cw_frame f = {b[1], get32(b + 4), get64(b + 8), b + CW_HEADER_SIZE, length, d->frame_start};
    if (f.type < 0x80) {
        if (d->have_sequence && f.sequence != d->expected_sequence) {
            uint32_t ahead = f.sequence - d->expected_sequence;
            if (ahead < 0x80000000u) {
                if (d->cb.gap_cb) d->cb.gap_cb(d->cb.ctx, d->expected_sequence, f.sequence, ahead);
            } else if (d->cb.reorder_cb) {
                d->cb.reorder_cb(d->cb.ctx, d->expected_sequence, f.sequence);
            }
        }
        d->expected_sequence = f.sequence + 1u;
        d->have_sequence = 1;
    }
    if (d->cb.frame_cb) d->cb.frame_cb(d->cb.ctx, &f);
}

void cw_decoder_feed(cw_decoder *d, const uint8_t *bytes, size_t length) {
    for (size_t i = 0; i < length; i++) {
        uint8_t c = bytes[i];
        if (c == 0) {
            if (d->dropping) d->dropping = 0;
            else if (d->encoded_count > 0) decode_frame(d);
            d->encoded_count = 0;
            continue;
        }
        if (d->dropping) continue;
        if (d->encoded_count == 0) d->frame_start = d->stream_offset + i;
        if (d->encoded_count == CW_MAX_ENCODED) {
            error(d, CW_ERR_OVERSIZE);
            d->dropping = 1;
            d->encoded_count = 0;
            continue;
        }
        d->encoded[d->encoded_count++] = c;
    }
    d->stream_offset += length;
}

void cw_decoder_finish(cw_decoder *d) {
    if (d->encoded_count > 0 || d->dropping) error(d, CW_ERR_TRUNCATED);
    d->encoded_count = 0;
    d->dropping = 0;
}
