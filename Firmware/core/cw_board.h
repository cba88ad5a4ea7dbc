/* The board interface: what the core needs from the hardware. Every board (the ATmega32U4 port,
   the Cortex-M run under QEMU, the host's synthetic board used by the tests and the virtual USB
   device) implements each function; the core calls them and includes no hardware header.
   The board calls into the core through cw_device.h:
       cw_device_init()     once at power-up, when the transport is up
       cw_device_receive()  with bytes from the host (USB bulk OUT or serial RX), main-loop context
       cw_device_tick()     from the sampling timer interrupt, at the rate cw_board_sampling_start asks
       cw_device_task()     from the main loop, as often as it can */
#ifndef CW_BOARD_H
#define CW_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device clock: microseconds since power-up, monotonic (the protocol's timestamp_us). */
uint64_t cw_board_micros(void);

/* Sends one whole frame to the host. Returns false when the transport could not take it
   (host not reading, cable out); the core then counts the frame as dropped. Main-loop context. */
bool cw_board_write(const uint8_t *data, size_t length);

/* Interrupt context, must be quick: the latest ADC counts of `channels` EMG channels, centred on 0. */
void cw_board_emg_read(int16_t *counts, uint8_t channels);

/* Interrupt context, must be quick: the latest accelerometer counts x, y, z (the bus is read
   elsewhere; this returns the cached value). */
void cw_board_accel_read(int16_t xyz[3]);

/* Start calling cw_device_tick() `tick_hz` times a second; stop calling it. */
void cw_board_sampling_start(uint16_t tick_hz);
void cw_board_sampling_stop(void);

/* The serial number, ASCII, NUL-terminated, at most 16 characters. */
const char *cw_board_serial(void);

/* Random at each power-up (ADC noise, an uninitialised RAM word, a hardware RNG). */
uint32_t cw_board_boot_id(void);

/* Battery in millivolts (0 = USB powered) and percent (255 = unknown). */
void cw_board_power(uint16_t *battery_mv, uint8_t *battery_percent);

/* Bit i set: EMG channel i has skin contact (all set when the board cannot tell). */
uint8_t cw_board_contact(void);

/* IDENTIFY: make the device findable (blink an LED); returns at once. */
void cw_board_identify(void);

#endif
