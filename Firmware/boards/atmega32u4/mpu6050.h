/* MPU-6050 accelerometer over TWI: +-8 g (4096 counts per g), 44 Hz low-pass, 200 Hz output rate. */
#ifndef CW_MPU6050_H
#define CW_MPU6050_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* False when no MPU-6050 answers (wiring, address). */
bool mpu6050_init(void);
/* Latest x, y, z counts; false on a bus error. */
bool mpu6050_read(int16_t xyz[3]);
#ifdef __cplusplus
}
#endif

#endif
