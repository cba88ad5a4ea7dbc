/* Crampwatch device protocol v1: wire definitions (see PROTOCOL.md). C11, no hardware includes. */
#ifndef CRAMPWATCH_PROTOCOL_H
#define CRAMPWATCH_PROTOCOL_H

#include <stdint.h>

#define CW_PROTOCOL_VERSION 1u
#define CW_HEADER_SIZE 16u
#define CW_CRC_SIZE 4u
#define CW_MAX_PAYLOAD 1024u
#define CW_MAX_BODY (CW_HEADER_SIZE + CW_MAX_PAYLOAD + CW_CRC_SIZE)
/* COBS adds at most ceil(1044 / 254) = 5 bytes (1049); the spec rounds the limit up to 1050. */
#define CW_MAX_ENCODED 1050u /* without the delimiter */
#define CW_MAX_CHANNELS 4u

/* Payload sizes. */
#define CW_SAMPLE_HEADER_SIZE 16u
#define CW_DEVICE_INFO_SIZE 48u
#define CW_STATUS_SIZE 16u
#define CW_ACK_SIZE 8u
#define CW_TOKEN_SIZE 4u
#define CW_CONFIGURE_SIZE 12u

/* USB binding. */
#define CW_USB_VID 0x1209u
#define CW_USB_TEST_PID 0xC4A3u
#define CW_USB_REQUEST_GET_INFO 0x01u
#define CW_USB_EP_BULK_IN 0x81u
#define CW_USB_EP_BULK_OUT 0x01u

typedef enum {
    CW_FRAME_SAMPLE_BLOCK = 0x01,
    CW_FRAME_DEVICE_INFO = 0x02,
    CW_FRAME_STATUS = 0x03,
    CW_FRAME_ACK = 0x04,
    CW_CMD_START = 0x81,
    CW_CMD_STOP = 0x82,
    CW_CMD_CONFIGURE = 0x83,
    CW_CMD_IDENTIFY = 0x84,
    CW_CMD_TIME_SYNC = 0x85,
    CW_CMD_GET_STATUS = 0x86,
} cw_frame_type;

typedef enum {
    CW_ACK_OK = 0,
    CW_ACK_UNKNOWN_COMMAND = 1,
    CW_ACK_BAD_ARGUMENT = 2,
    CW_ACK_WRONG_STATE = 3,
    CW_ACK_MALFORMED = 4,
} cw_ack_result;

#define CW_SAMPLE_FLAG_CLIPPING 0x0001u
#define CW_SAMPLE_FLAG_OVERFLOW 0x0002u
#define CW_STATE_STREAMING 0x0001u

/* Decoded forms (host order). */
typedef struct {
    uint32_t emg_index, accel_index;
    uint8_t emg_channels, accel_axes;
    uint16_t emg_count, accel_count, flags;
    const uint8_t *samples; /* little-endian int16: EMG sample-major, then accelerometer */
} cw_sample_block;

typedef struct {
    char serial[17];
    uint8_t fw_major, fw_minor, fw_patch, hw_revision;
    uint8_t emg_channels, accel_axes, mains_hz, adc_bits;
    uint16_t emg_rate_hz, accel_rate_hz;
    float emg_uv_per_lsb, accel_g_per_lsb;
    uint16_t emg_block_samples;
    uint32_t boot_id;
    uint8_t emg_site[4];
} cw_device_info;

typedef struct {
    uint16_t battery_mv;
    uint8_t battery_percent, electrode_contact;
    uint32_t overflow_samples, frames_dropped;
    uint16_t state_flags;
} cw_status;

typedef struct {
    uint8_t command, result;
    uint32_t token;
} cw_ack;

typedef struct {
    uint32_t token;
    uint16_t emg_rate_hz, accel_rate_hz;
    uint8_t mains_hz, emg_channels;
} cw_command;

/* A well-formed frame as the decoder reports it; pointers are valid only inside the callback. */
typedef struct {
    uint8_t type;
    uint32_t sequence;
    uint64_t timestamp_us;
    const uint8_t *payload;
    uint16_t payload_length;
    uint64_t offset; /* stream offset of the frame's first byte */
} cw_frame;

#ifdef __cplusplus /* the ATmega32U4 port's USB code is C++ (Arduino's PluggableUSB) */
#define _Static_assert static_assert
#endif
_Static_assert(CW_MAX_ENCODED >= CW_MAX_BODY + (CW_MAX_BODY + 253u) / 254u, "an encoded maximum-size frame must fit");
_Static_assert(CW_SAMPLE_HEADER_SIZE + 2u * 4u * 120u + 2u * 3u * 8u <= CW_MAX_PAYLOAD, "4 channels x 120 samples must fit a frame");

#endif
