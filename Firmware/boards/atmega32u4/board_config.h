/* Core configuration for the ATmega32U4 board (Arduino Leonardo / Micro / SparkFun Pro Micro 5 V,
   16 MHz): passed to the core as -DCW_CONFIG_FILE='"board_config.h"'. */
#ifndef CW_BOARD_CONFIG_H
#define CW_BOARD_CONFIG_H

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>

#define CW_CFG_HW_REVISION 1

/* EMG: the analog front end's single-ended output (MyoWare 2.0 RAW/ENV pin, or a BioAmp EXG Pill)
   on A0 (and a second sensor on A1), 10-bit ADC against AVcc = 5 V, centred on 0 by subtracting 512.
   µV at the electrodes per ADC count = 5 V / 1024 / front-end gain. */
#ifndef CW_AVR_FRONTEND_GAIN
#define CW_AVR_FRONTEND_GAIN 200.0f /* MyoWare 2.0 raw output; a BioAmp EXG Pill is about 1211 */
#endif
#define CW_CFG_EMG_CHANNELS_MAX 2
#ifndef CW_CFG_EMG_CHANNELS_DEFAULT
#define CW_CFG_EMG_CHANNELS_DEFAULT 1
#endif
#define CW_CFG_ADC_BITS 10
#define CW_CFG_EMG_UV_PER_LSB (5000000.0f / 1024.0f / CW_AVR_FRONTEND_GAIN)
#define CW_CFG_EMG_SITES {2, 0, 0, 0} /* calf (gastrocnemius) */

/* Accelerometer: MPU-6050 at +-8 g, 4096 counts per g. */
#define CW_CFG_ACCEL_AXES 3
#define CW_CFG_ACCEL_G_PER_LSB 0.000244140625f

/* Rates: the timer ticks at the EMG rate (Timer1, 16 MHz / 8 / rate: exact for rates dividing
   2 MHz). 1 kHz minimum keeps the per-block accelerometer buffer small. */
#define CW_CFG_EMG_RATE_MIN_HZ 1000
#define CW_CFG_EMG_RATE_MAX_HZ 4000
#define CW_CFG_EMG_RATE_DEFAULT_HZ 2000
#define CW_CFG_ACCEL_RATE_DEFAULT_HZ 100

/* RAM: 4 blocks of 32 samples x 2 channels (16 ms each at 2 kHz: the main loop may stall 48 ms
   before samples are dropped). */
#define CW_CFG_EMG_BLOCK_SAMPLES 32
#define CW_CFG_BLOCK_SLOTS 4
#define CW_CFG_RING_INDEX_T uint8_t

/* The tick interrupt shares the ring and counters with the main loop. */
#define CW_CRITICAL_ENTER() uint8_t cw_sreg_saved = SREG; cli()
#define CW_CRITICAL_EXIT() SREG = cw_sreg_saved

/* The CRC table in flash. */
#define CW_ROM PROGMEM
#define CW_ROM_READ32(p) pgm_read_dword(p)

#endif
