/* The ATmega32U4 board around the portable core: ADC + Timer1 sampling, MPU-6050, LED, identity.
   C, called from main.cpp (which owns the USB transport, in C++ because of PluggableUSB). */
#ifndef CW_AVR_BOARD_H
#define CW_AVR_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
void avr_board_init(void);                               /* sensors, then cw_device_init (sends device_info) */
void avr_board_poll(void);                               /* main loop: accelerometer, LED, cw_device_task */
void avr_board_receive(const uint8_t *bytes, size_t n);  /* bytes from the host */
size_t avr_board_info_frame(uint8_t *out, size_t cap);   /* GET_INFO: the device_info frame */
const char *avr_board_serial(void);
/* Implemented by the transport (main.cpp): sends a whole frame, false if the host did not take it. */
bool avr_transport_write(const uint8_t *data, size_t length);
#ifdef __cplusplus
}
#endif

#endif
