/* Protocol v1 codec: COBS, CRC-32C, frame encoding, streaming decoder. No heap, no hardware. */
#ifndef CW_CODEC_H
#define CW_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "../protocol/crampwatch_protocol.h"

uint32_t cw_crc32c(const uint8_t *data, size_t length);
/* Incremental form: crc = CW_CRC32C_INIT; crc = cw_crc32c_update(crc, ...)...; value = crc ^ CW_CRC32C_INIT. */
#define CW_CRC32C_INIT 0xFFFFFFFFu
uint32_t cw_crc32c_update(uint32_t crc, const uint8_t *data, size_t length);

/* COBS (minimal form). Returns the encoded length; `out` needs cw_cobs_max(length) bytes. */
size_t cw_cobs_encode(const uint8_t *in, size_t length, uint8_t *out);
#define cw_cobs_max(n) ((n) + (n) / 254u + 1u)
/* Returns the decoded length, or -1 when a code byte points past the end. */
long cw_cobs_decode(const uint8_t *in, size_t length, uint8_t *out);

/* Encodes one frame (COBS body + 0x00) into `out` (at least CW_MAX_ENCODED + 1 bytes, or
   cw_cobs_max(length + 20) + 1). Returns the number of bytes written, 0 if the payload is too long. */
size_t cw_encode_frame(uint8_t type, uint32_t sequence, uint64_t timestamp_us, const uint8_t *payload, uint16_t length, uint8_t *out);

/* Streaming frame encoder: header, payload fields and CRC go through COBS straight into `out`, so
   the firmware needs no separate body or payload buffer (an 8-bit MCU has 2.5 KB of RAM).
       cw_encoder e; cw_enc_begin(&e, out, cap, type, sequence, timestamp_us, payload_length);
       cw_enc_u16(&e, ...); cw_enc_bytes(&e, ...); ...
       size_t n = cw_enc_finish(&e);   // bytes written (with the 0x00), 0 if `out` was too small
                                       // or the payload written differs from payload_length */
typedef struct {
    uint8_t *out;
    size_t cap, w, code_at;
    uint32_t crc;
    uint16_t payload_length, payload_written;
    uint8_t code;
    uint8_t open;     /* a COBS block is open at code_at */
    uint8_t overflow; /* `out` was too small */
} cw_encoder;

void cw_enc_begin(cw_encoder *e, uint8_t *out, size_t cap, uint8_t type, uint32_t sequence, uint64_t timestamp_us, uint16_t payload_length);
void cw_enc_bytes(cw_encoder *e, const uint8_t *data, size_t length);
void cw_enc_u8(cw_encoder *e, uint8_t v);
void cw_enc_u16(cw_encoder *e, uint16_t v);
void cw_enc_u32(cw_encoder *e, uint32_t v);
size_t cw_enc_finish(cw_encoder *e);

/* Payload builders; each returns the payload length written into `p`. */
uint16_t cw_payload_sample_block(uint8_t *p, uint32_t emg_index, uint32_t accel_index, uint8_t channels, uint8_t axes,
                                 uint16_t emg_count, uint16_t accel_count, uint16_t flags, const int16_t *emg, const int16_t *accel);
uint16_t cw_payload_device_info(uint8_t *p, const cw_device_info *d);
uint16_t cw_payload_status(uint8_t *p, const cw_status *s);
uint16_t cw_payload_ack(uint8_t *p, const cw_ack *a);
uint16_t cw_payload_command(uint8_t *p, uint8_t type, const cw_command *c);

/* Payload parsers (for payloads the decoder has already checked). */
void cw_parse_sample_block(const cw_frame *f, cw_sample_block *out);
void cw_parse_device_info(const cw_frame *f, cw_device_info *out);
void cw_parse_status(const cw_frame *f, cw_status *out);
void cw_parse_ack(const cw_frame *f, cw_ack *out);
void cw_parse_command(const cw_frame *f, cw_command *out);
int16_t cw_sample_at(const cw_sample_block *b, size_t flat_index); /* EMG then accelerometer values */

/* What the decoder reports (PROTOCOL.md section 3). */
typedef enum {
    CW_ERR_COBS, CW_ERR_SHORT, CW_ERR_CRC, CW_ERR_VERSION, CW_ERR_LENGTH,
    CW_ERR_TYPE, CW_ERR_PAYLOAD, CW_ERR_OVERSIZE, CW_ERR_TRUNCATED,
} cw_error_kind;

const char *cw_error_name(cw_error_kind kind);

typedef struct {
    void (*frame_cb)(void *ctx, const cw_frame *frame);
    void (*error_cb)(void *ctx, cw_error_kind kind, uint64_t offset);
    void (*gap_cb)(void *ctx, uint32_t expected, uint32_t got, uint32_t lost);
    void (*reorder_cb)(void *ctx, uint32_t expected, uint32_t got);
    void *ctx;
} cw_decoder_callbacks;

typedef struct {
    cw_decoder_callbacks cb;
    uint8_t encoded[CW_MAX_ENCODED];
    uint8_t body[CW_MAX_BODY + 256];
    size_t encoded_count;
    int dropping;
    uint64_t frame_start, stream_offset;
    uint32_t expected_sequence;
    int have_sequence;
} cw_decoder;

void cw_decoder_init(cw_decoder *d, const cw_decoder_callbacks *cb);
void cw_decoder_feed(cw_decoder *d, const uint8_t *bytes, size_t length);
void cw_decoder_finish(cw_decoder *d);

#endif
