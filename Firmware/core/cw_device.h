/* The device: command handler, device info, status and overflow counters, and the main-loop task
   that turns the sampler's blocks into protocol-v1 frames (PROTOCOL.md). One instance per board.

   Output order (each frame gets the next sequence number; a frame the transport refuses is
   counted in `frames_dropped` and its number is skipped, so the host sees the loss as a gap):
     power-up     device_info
     START        ack, device_info, then sample blocks, and a status after the block that completes
                  each emg_rate_hz EMG samples (once a second of device time, also in STOP's flush);
                  START while streaming: ack 3 (wrong state), the indices keep counting
     STOP         the blocks still in the ring and the short last block, then ack; STOP when
                  stopped: ack 0, nothing else (the host's goal, a stopped device, holds)
     CONFIGURE    ack 0, 2 (a value this device does not support) or 3 (while streaming)
     IDENTIFY     device_info, ack        TIME_SYNC   ack        GET_STATUS   status, ack
     other types  ack 1 (unknown command); a known command of the wrong length: ack 4 (malformed)
   A host frame that fails COBS, CRC, version or length checks, or is longer than the receive
   buffer, cannot be trusted to name a command or token: it is ignored and counted in rx_errors. */
#ifndef CW_DEVICE_H
#define CW_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cw_codec.h"
#include "cw_config.h"
#include "cw_sampler.h"

typedef struct {
    cw_sampler sampler;
    uint16_t emg_rate_hz, accel_rate_hz;
    uint8_t mains_hz, emg_channels;
    bool streaming;
    uint32_t sequence;          /* of the next frame */
    uint32_t boot_id;
    uint64_t start_us;          /* device time of EMG sample 0 */
    uint32_t next_status_emg;   /* EMG index after which the next status is due */
    uint32_t frames_dropped;    /* frames the transport refused, since power-up */
    uint32_t rx_errors;         /* host frames ignored as corrupt or too long, since power-up */
    uint32_t info_sequence;     /* of the last device_info sent (GET_INFO control request) */
    uint64_t info_timestamp_us;
    uint8_t rx[CW_CFG_RX_BUFFER];
    uint8_t rx_count;
    bool rx_dropping;           /* an over-long host frame: skip to the next 0x00 */
    uint8_t tx[CW_TX_BUFFER];
} cw_device;

/* Power-up: default configuration, stopped; sends device_info. */
void cw_device_init(cw_device *d);
/* Bytes from the host in any chunking; complete commands are executed at once. */
void cw_device_receive(cw_device *d, const uint8_t *bytes, size_t length);
/* Timer interrupt. */
static inline void cw_device_tick(cw_device *d) { cw_sampler_tick(&d->sampler); }
/* Main loop: sends the blocks complete on entry (and the status when due), so that it returns even
   when the tick refills the ring faster than frames go out. Returns the frames sent. */
unsigned cw_device_task(cw_device *d);
/* The last device_info frame re-encoded (same sequence and time, current configuration), for the
   USB GET_INFO control request; it does not touch the device's transmit buffer, so a USB interrupt
   may call it. Returns its length with the delimiter; `out` needs CW_INFO_FRAME_MAX bytes. */
#define CW_INFO_FRAME_MAX (CW_DEVICE_INFO_SIZE + CW_HEADER_SIZE + CW_CRC_SIZE + 2u + 1u)
size_t cw_device_info_frame(const cw_device *d, uint8_t *out);
/* The device_info payload fields as the host will decode them. */
void cw_device_get_info(const cw_device *d, cw_device_info *info);

#endif
