/* Crampwatch core configuration: the one place a board chooses sizes and limits.
   A board overrides any CW_CFG_* by defining CW_CONFIG_FILE (-DCW_CONFIG_FILE='"board_config.h"'),
   a header that #defines what it wants; everything else keeps the defaults below (the host build,
   the virtual device and the QEMU run use the defaults). Bad combinations stop the build here. */
#ifndef CW_CONFIG_H
#define CW_CONFIG_H

#ifdef CW_CONFIG_FILE
#include CW_CONFIG_FILE
#endif

#include "../protocol/crampwatch_protocol.h"

/* What every v1 device must be able to judge in CONFIGURE (PROTOCOL.md, section 2). */
#define CW_EMG_RATE_MIN_HZ 250u
#define CW_EMG_RATE_MAX_HZ 4000u
#define CW_ACCEL_RATE_MIN_HZ 25u
#define CW_ACCEL_RATE_MAX_HZ 200u

/* ---- identity ---- */
#ifndef CW_CFG_FW_MAJOR
#define CW_CFG_FW_MAJOR 1
#define CW_CFG_FW_MINOR 0
#define CW_CFG_FW_PATCH 0
#endif
#ifndef CW_CFG_HW_REVISION
#define CW_CFG_HW_REVISION 0 /* 0: the host build (virtual device, QEMU) */
#endif

/* ---- acquisition hardware ---- */
#ifndef CW_CFG_EMG_CHANNELS_MAX /* channels the front end has; CONFIGURE may ask for fewer */
#define CW_CFG_EMG_CHANNELS_MAX 4
#endif
#ifndef CW_CFG_EMG_CHANNELS_DEFAULT
#define CW_CFG_EMG_CHANNELS_DEFAULT 2
#endif
#ifndef CW_CFG_ACCEL_AXES /* 3 with an accelerometer, 0 without */
#define CW_CFG_ACCEL_AXES 3
#endif
#ifndef CW_CFG_ADC_BITS
#define CW_CFG_ADC_BITS 16
#endif
#ifndef CW_CFG_EMG_UV_PER_LSB
#define CW_CFG_EMG_UV_PER_LSB 0.25f
#endif
#ifndef CW_CFG_ACCEL_G_PER_LSB
#define CW_CFG_ACCEL_G_PER_LSB 0.000244140625f /* 1/4096 g: +-8 g in 16 bits */
#endif
#ifndef CW_CFG_EMG_SITES /* per channel: PROTOCOL.md device_info.emg_site */
#define CW_CFG_EMG_SITES {2, 1, 0, 0} /* gastrocnemius, tibialis anterior */
#endif

/* ---- rates this device accepts (within the protocol's 250-4000 / 25-200 Hz) ---- */
#ifndef CW_CFG_EMG_RATE_MIN_HZ
#define CW_CFG_EMG_RATE_MIN_HZ CW_EMG_RATE_MIN_HZ
#endif
#ifndef CW_CFG_EMG_RATE_MAX_HZ
#define CW_CFG_EMG_RATE_MAX_HZ CW_EMG_RATE_MAX_HZ
#endif
#ifndef CW_CFG_EMG_RATE_DEFAULT_HZ
#define CW_CFG_EMG_RATE_DEFAULT_HZ 2000
#endif
#ifndef CW_CFG_ACCEL_RATE_MIN_HZ
#define CW_CFG_ACCEL_RATE_MIN_HZ CW_ACCEL_RATE_MIN_HZ
#endif
#ifndef CW_CFG_ACCEL_RATE_MAX_HZ
#define CW_CFG_ACCEL_RATE_MAX_HZ CW_ACCEL_RATE_MAX_HZ
#endif
#ifndef CW_CFG_ACCEL_RATE_DEFAULT_HZ
#define CW_CFG_ACCEL_RATE_DEFAULT_HZ 100
#endif
#ifndef CW_CFG_MAINS_HZ_DEFAULT /* 50, 60, or 0 when unknown */
#define CW_CFG_MAINS_HZ_DEFAULT 50
#endif

/* ---- buffers ---- */
#ifndef CW_CFG_EMG_BLOCK_SAMPLES /* EMG samples per channel in a full sample block */
#define CW_CFG_EMG_BLOCK_SAMPLES 32
#endif
#ifndef CW_CFG_BLOCK_SLOTS /* blocks the ring holds between the tick and the main loop; power of two */
#define CW_CFG_BLOCK_SLOTS 8
#endif
#ifndef CW_CFG_RX_BUFFER /* encoded bytes of one host frame the device buffers (commands need at most 34) */
#define CW_CFG_RX_BUFFER 40
#endif
#ifndef CW_CFG_RING_INDEX_T /* free-running ring index; the CPU must read and write it in one access */
#define CW_CFG_RING_INDEX_T uint16_t
#endif

/* Guards data shared with the tick interrupt (the host build calls the tick synchronously). */
#ifndef CW_CRITICAL_ENTER
#define CW_CRITICAL_ENTER() do { } while (0)
#define CW_CRITICAL_EXIT() do { } while (0)
#endif
/* Constant tables: AVR keeps `const` data in RAM unless it is put in flash and read with LPM. */
#ifndef CW_ROM
#define CW_ROM
#define CW_ROM_READ32(p) (*(p))
#endif

/* ---- derived sizes ---- */
/* Accelerometer samples that can fall due while one block's EMG is sampled (+1 for the phase). */
#define CW_ACCEL_BLOCK_MAX \
    ((CW_CFG_ACCEL_AXES == 0) ? 1 : (CW_CFG_EMG_BLOCK_SAMPLES * CW_CFG_ACCEL_RATE_MAX_HZ + CW_CFG_EMG_RATE_MIN_HZ - 1) / CW_CFG_EMG_RATE_MIN_HZ + 1)
#define CW_BLOCK_PAYLOAD_MAX \
    (CW_SAMPLE_HEADER_SIZE + 2 * CW_CFG_EMG_BLOCK_SAMPLES * CW_CFG_EMG_CHANNELS_MAX + 2 * CW_ACCEL_BLOCK_MAX * CW_CFG_ACCEL_AXES)
#define CW_TX_PAYLOAD_MAX (CW_BLOCK_PAYLOAD_MAX > CW_DEVICE_INFO_SIZE ? CW_BLOCK_PAYLOAD_MAX : CW_DEVICE_INFO_SIZE)
/* COBS body + delimiter of the largest frame the device sends. */
#define CW_TX_BUFFER (CW_TX_PAYLOAD_MAX + CW_HEADER_SIZE + CW_CRC_SIZE + (CW_TX_PAYLOAD_MAX + CW_HEADER_SIZE + CW_CRC_SIZE) / 254 + 2)

_Static_assert(CW_CFG_EMG_CHANNELS_MAX >= 1 && CW_CFG_EMG_CHANNELS_MAX <= CW_MAX_CHANNELS, "1 to 4 EMG channels");
_Static_assert(CW_CFG_EMG_CHANNELS_DEFAULT >= 1 && CW_CFG_EMG_CHANNELS_DEFAULT <= CW_CFG_EMG_CHANNELS_MAX, "default channels");
_Static_assert(CW_CFG_ACCEL_AXES == 0 || CW_CFG_ACCEL_AXES == 3, "0 or 3 accelerometer axes");
_Static_assert(CW_CFG_EMG_RATE_MIN_HZ >= CW_EMG_RATE_MIN_HZ && CW_CFG_EMG_RATE_MAX_HZ <= CW_EMG_RATE_MAX_HZ, "EMG rates within the protocol's");
_Static_assert(CW_CFG_ACCEL_RATE_MIN_HZ >= CW_ACCEL_RATE_MIN_HZ && CW_CFG_ACCEL_RATE_MAX_HZ <= CW_ACCEL_RATE_MAX_HZ, "accelerometer rates within the protocol's");
_Static_assert(CW_CFG_EMG_RATE_DEFAULT_HZ >= CW_CFG_EMG_RATE_MIN_HZ && CW_CFG_EMG_RATE_DEFAULT_HZ <= CW_CFG_EMG_RATE_MAX_HZ, "default EMG rate");
_Static_assert(CW_CFG_ACCEL_RATE_DEFAULT_HZ >= CW_CFG_ACCEL_RATE_MIN_HZ && CW_CFG_ACCEL_RATE_DEFAULT_HZ <= CW_CFG_ACCEL_RATE_MAX_HZ, "default accelerometer rate");
_Static_assert(CW_BLOCK_PAYLOAD_MAX <= CW_MAX_PAYLOAD, "a full sample block must fit one frame");
_Static_assert(CW_CFG_RX_BUFFER >= 34, "the receive buffer must hold an encoded CONFIGURE (20 + 12 bytes + COBS)");
_Static_assert(CW_CFG_RX_BUFFER <= 255, "rx_count is a byte");

#endif
