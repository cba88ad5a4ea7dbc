/* Command handler, device info, status and block framing; see cw_device.h. */
#include "cw_device.h"

#include <string.h>

#include "cw_board.h"

static const uint8_t emg_sites[4] = CW_CFG_EMG_SITES;

/* Frames go to the transport one at a time from d->tx; a refused frame is counted and its
   sequence number skipped (the host's decoder then reports the exact loss as a gap). */
static void send(cw_device *d, cw_encoder *e) {
    size_t n = cw_enc_finish(e);
    d->sequence++;
    if (n == 0 || !cw_board_write(d->tx, n)) d->frames_dropped++;
}

static void begin(cw_device *d, cw_encoder *e, uint8_t type, uint64_t timestamp_us, uint16_t length) {
    cw_enc_begin(e, d->tx, sizeof d->tx, type, d->sequence, timestamp_us, length);
}

void cw_device_get_info(const cw_device *d, cw_device_info *info) {
    memset(info, 0, sizeof *info);
    const char *serial = cw_board_serial();
    size_t n = strlen(serial);
    memcpy(info->serial, serial, n > 16 ? 16 : n);
    info->fw_major = CW_CFG_FW_MAJOR;
    info->fw_minor = CW_CFG_FW_MINOR;
    info->fw_patch = CW_CFG_FW_PATCH;
    info->hw_revision = CW_CFG_HW_REVISION;
    info->emg_channels = d->emg_channels;
    info->accel_axes = CW_CFG_ACCEL_AXES;
    info->mains_hz = d->mains_hz;
    info->adc_bits = CW_CFG_ADC_BITS;
    info->emg_rate_hz = d->emg_rate_hz;
    info->accel_rate_hz = CW_CFG_ACCEL_AXES ? d->accel_rate_hz : 0;
    info->emg_uv_per_lsb = CW_CFG_EMG_UV_PER_LSB;
    info->accel_g_per_lsb = CW_CFG_ACCEL_G_PER_LSB;
    info->emg_block_samples = CW_CFG_EMG_BLOCK_SAMPLES;
    info->boot_id = d->boot_id;
    memcpy(info->emg_site, emg_sites, 4);
}

static void encode_info(const cw_device *d, cw_encoder *e, uint8_t *out, size_t cap, uint32_t sequence, uint64_t timestamp_us) {
    cw_device_info info;
    cw_device_get_info(d, &info);
    uint8_t p[CW_DEVICE_INFO_SIZE];
    cw_payload_device_info(p, &info);
    cw_enc_begin(e, out, cap, CW_FRAME_DEVICE_INFO, sequence, timestamp_us, CW_DEVICE_INFO_SIZE);
    cw_enc_bytes(e, p, CW_DEVICE_INFO_SIZE);
}

static void send_info(cw_device *d) {
    cw_encoder e;
    d->info_sequence = d->sequence;
    d->info_timestamp_us = cw_board_micros();
    encode_info(d, &e, d->tx, sizeof d->tx, d->info_sequence, d->info_timestamp_us);
    send(d, &e);
}

size_t cw_device_info_frame(const cw_device *d, uint8_t *out) {
    cw_encoder e;
    encode_info(d, &e, out, CW_INFO_FRAME_MAX, d->info_sequence, d->info_timestamp_us);
    return cw_enc_finish(&e);
}

static void send_status(cw_device *d) {
    cw_encoder e;
    uint16_t mv;
    uint8_t percent;
    cw_board_power(&mv, &percent);
    begin(d, &e, CW_FRAME_STATUS, cw_board_micros(), CW_STATUS_SIZE);
    cw_enc_u16(&e, mv);
    cw_enc_u8(&e, percent);
    cw_enc_u8(&e, cw_board_contact());
    cw_enc_u32(&e, cw_sampler_overflow_samples(&d->sampler));
    cw_enc_u32(&e, d->frames_dropped);
    cw_enc_u16(&e, d->streaming ? CW_STATE_STREAMING : 0);
    cw_enc_u16(&e, 0);
    send(d, &e);
}

static void send_ack(cw_device *d, uint8_t command, uint8_t result, uint32_t token) {
    cw_encoder e;
    begin(d, &e, CW_FRAME_ACK, cw_board_micros(), CW_ACK_SIZE);
    cw_enc_u8(&e, command);
    cw_enc_u8(&e, result);
    cw_enc_u16(&e, 0);
    cw_enc_u32(&e, token);
    send(d, &e);
}

/* Device time of EMG sample `index`, with 32-bit arithmetic only (cheap on an 8-bit MCU). */
static uint64_t sample_time(const cw_device *d, uint32_t index) {
    uint32_t rate = d->sampler.config.emg_rate_hz;
    uint32_t seconds = index / rate, rest = index % rate;
    return d->start_us + (uint64_t)seconds * 1000000u + rest * 1000000u / rate;
}

static void send_block(cw_device *d, const cw_block *b) {
    const cw_sampler_config *c = &d->sampler.config;
    uint16_t emg_values = (uint16_t)(b->emg_count * c->emg_channels);
    uint16_t accel_values = (uint16_t)(b->accel_count * c->accel_axes);
    cw_encoder e;
    d->sequence += b->blocks_lost; /* samples dropped by the ring: the frames they would have made */
    begin(d, &e, CW_FRAME_SAMPLE_BLOCK, sample_time(d, b->emg_index), (uint16_t)(CW_SAMPLE_HEADER_SIZE + 2u * emg_values + 2u * accel_values));
    cw_enc_u32(&e, b->emg_index);
    cw_enc_u32(&e, b->accel_index);
    cw_enc_u8(&e, c->emg_channels);
    cw_enc_u8(&e, c->accel_axes);
    cw_enc_u16(&e, b->emg_count);
    cw_enc_u16(&e, b->accel_count);
    cw_enc_u16(&e, b->flags);
    for (uint16_t i = 0; i < emg_values; i++) cw_enc_u16(&e, (uint16_t)b->emg[i]);
    for (uint16_t i = 0; i < accel_values; i++) cw_enc_u16(&e, (uint16_t)b->accel[i]);
    send(d, &e);
}

unsigned cw_device_task(cw_device *d) {
    unsigned sent = 0;
    const cw_block *b;
    /* only the blocks complete on entry: under overload the tick keeps filling the ring, and the
       main loop must still get back to the host's commands (a STOP) */
    cw_ring_index todo = cw_ring_count(&d->sampler.ring);
    while (todo-- > 0 && (b = cw_sampler_peek(&d->sampler)) != NULL) {
        uint32_t end = b->emg_index + b->emg_count;
        send_block(d, b);
        cw_sampler_release(&d->sampler);
        sent++;
        if (end >= d->next_status_emg) {
            d->next_status_emg += d->emg_rate_hz;
            send_status(d);
            sent++;
        }
    }
    return sent;
}

void cw_device_init(cw_device *d) {
    memset(d, 0, sizeof *d);
    cw_sampler_init(&d->sampler);
    d->emg_rate_hz = CW_CFG_EMG_RATE_DEFAULT_HZ;
    d->accel_rate_hz = CW_CFG_ACCEL_RATE_DEFAULT_HZ;
    d->mains_hz = CW_CFG_MAINS_HZ_DEFAULT;
    d->emg_channels = CW_CFG_EMG_CHANNELS_DEFAULT;
    d->boot_id = cw_board_boot_id();
    send_info(d);
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint8_t configure(cw_device *d, const uint8_t *p) {
    uint16_t emg = get16(p + 4), accel = get16(p + 6);
    uint8_t mains = p[8], channels = p[9];
    if (d->streaming) return CW_ACK_WRONG_STATE;
    if (emg < CW_CFG_EMG_RATE_MIN_HZ || emg > CW_CFG_EMG_RATE_MAX_HZ) return CW_ACK_BAD_ARGUMENT;
    if (accel < CW_CFG_ACCEL_RATE_MIN_HZ || accel > CW_CFG_ACCEL_RATE_MAX_HZ) return CW_ACK_BAD_ARGUMENT;
    if (mains != 0 && mains != 50 && mains != 60) return CW_ACK_BAD_ARGUMENT;
    if (channels < 1 || channels > CW_CFG_EMG_CHANNELS_MAX) return CW_ACK_BAD_ARGUMENT;
    d->emg_rate_hz = emg;
    d->accel_rate_hz = accel;
    d->mains_hz = mains;
    d->emg_channels = channels;
    return CW_ACK_OK;
}

static void start(cw_device *d, uint32_t token) {
    if (d->streaming) {
        send_ack(d, CW_CMD_START, CW_ACK_WRONG_STATE, token);
        return;
    }
    send_ack(d, CW_CMD_START, CW_ACK_OK, token);
    send_info(d);
    cw_sampler_config c = {d->emg_rate_hz, d->accel_rate_hz, d->emg_channels, CW_CFG_ACCEL_AXES};
    d->streaming = true;
    d->next_status_emg = d->emg_rate_hz;
    d->start_us = cw_board_micros();
    cw_sampler_start(&d->sampler, &c);
    cw_board_sampling_start(d->emg_rate_hz);
}

static void stop(cw_device *d, uint32_t token) {
    if (d->streaming) {
        cw_board_sampling_stop();
        cw_sampler_stop(&d->sampler);
        d->streaming = false;
        cw_device_task(d); /* the blocks still in the ring, then the ack */
    }
    send_ack(d, CW_CMD_STOP, CW_ACK_OK, token);
}

static void execute(cw_device *d, const uint8_t *body, size_t n) {
    if (n < CW_HEADER_SIZE + CW_CRC_SIZE || cw_crc32c(body, n - CW_CRC_SIZE) != get32(body + n - CW_CRC_SIZE) ||
        body[0] != CW_PROTOCOL_VERSION || get16(body + 2) != n - CW_HEADER_SIZE - CW_CRC_SIZE) {
        d->rx_errors++;
        return;
    }
    uint8_t type = body[1];
    const uint8_t *p = body + CW_HEADER_SIZE;
    size_t length = n - CW_HEADER_SIZE - CW_CRC_SIZE;
    uint32_t token = length >= CW_TOKEN_SIZE ? get32(p) : 0;
    if (type < CW_CMD_START || type > CW_CMD_GET_STATUS) {
        send_ack(d, type, CW_ACK_UNKNOWN_COMMAND, token);
        return;
    }
    if (length != (type == CW_CMD_CONFIGURE ? CW_CONFIGURE_SIZE : CW_TOKEN_SIZE)) {
        send_ack(d, type, CW_ACK_MALFORMED, token);
        return;
    }
    switch (type) {
    case CW_CMD_START: start(d, token); break;
    case CW_CMD_STOP: stop(d, token); break;
    case CW_CMD_CONFIGURE: send_ack(d, type, configure(d, p), token); break;
    case CW_CMD_IDENTIFY:
        cw_board_identify();
        send_info(d);
        send_ack(d, type, CW_ACK_OK, token);
        break;
    case CW_CMD_TIME_SYNC: send_ack(d, type, CW_ACK_OK, token); break;
    default: /* CW_CMD_GET_STATUS */
        send_status(d);
        send_ack(d, type, CW_ACK_OK, token);
        break;
    }
}

void cw_device_receive(cw_device *d, const uint8_t *bytes, size_t length) {
    for (size_t i = 0; i < length; i++) {
        uint8_t c = bytes[i];
        if (c != 0) {
            if (d->rx_dropping) continue;
            if (d->rx_count == sizeof d->rx) {
                d->rx_errors++;
                d->rx_dropping = true;
                d->rx_count = 0;
                continue;
            }
            d->rx[d->rx_count++] = c;
            continue;
        }
        if (d->rx_count > 0) {
            uint8_t body[CW_CFG_RX_BUFFER];
            long n = cw_cobs_decode(d->rx, d->rx_count, body);
            if (n < 0) d->rx_errors++;
            else execute(d, body, (size_t)n);
        }
        d->rx_count = 0;
        d->rx_dropping = false;
    }
}
