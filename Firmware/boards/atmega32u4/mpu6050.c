/* MPU-6050 over the ATmega32U4's TWI (SDA = D2/PD1, SCL = D3/PD0), polled from the main loop.
   A minimal blocking master with a bounded wait on every step, so a missing or hung sensor
   costs a few hundred microseconds, never the main loop. */
#include "mpu6050.h"

#include <avr/io.h>
#include <util/twi.h>

#define MPU_ADDR 0x68
#define TWI_WAIT_LOOPS 2000u /* ~ 0.5 ms at 16 MHz: a byte at 400 kHz takes 23 us */

static bool wait_twint(void) {
    for (uint16_t i = 0; i < TWI_WAIT_LOOPS; i++)
        if (TWCR & _BV(TWINT)) return true;
    return false;
}

static bool start(uint8_t addr_rw, uint8_t want) {
    TWCR = _BV(TWINT) | _BV(TWSTA) | _BV(TWEN);
    if (!wait_twint() || (TW_STATUS != TW_START && TW_STATUS != TW_REP_START)) return false;
    TWDR = addr_rw;
    TWCR = _BV(TWINT) | _BV(TWEN);
    return wait_twint() && TW_STATUS == want;
}

static bool send(uint8_t b) {
    TWDR = b;
    TWCR = _BV(TWINT) | _BV(TWEN);
    return wait_twint() && TW_STATUS == TW_MT_DATA_ACK;
}

static void stop(void) { TWCR = _BV(TWINT) | _BV(TWSTO) | _BV(TWEN); }

static bool write_reg(uint8_t reg, uint8_t value) {
    bool ok = start((MPU_ADDR << 1) | TW_WRITE, TW_MT_SLA_ACK) && send(reg) && send(value);
    stop();
    return ok;
}

static bool read_regs(uint8_t reg, uint8_t *out, uint8_t n) {
    bool ok = start((MPU_ADDR << 1) | TW_WRITE, TW_MT_SLA_ACK) && send(reg) && start((MPU_ADDR << 1) | TW_READ, TW_MR_SLA_ACK);
    for (uint8_t i = 0; ok && i < n; i++) {
        TWCR = _BV(TWINT) | _BV(TWEN) | (i + 1 < n ? _BV(TWEA) : 0);
        ok = wait_twint() && TW_STATUS == (i + 1 < n ? TW_MR_DATA_ACK : TW_MR_DATA_NACK);
        out[i] = TWDR;
    }
    stop();
    return ok;
}

bool mpu6050_init(void) {
    PORTD |= _BV(PD0) | _BV(PD1); /* internal pull-ups as a fallback; the breakout boards have 4.7k */
    TWSR = 0;                      /* prescaler 1 */
    TWBR = (F_CPU / 400000UL - 16) / 2; /* 400 kHz */
    TWCR = _BV(TWEN);
    uint8_t who = 0;
    if (!read_regs(0x75, &who, 1) || (who != 0x68 && who != 0x72 && who != 0x98)) return false; /* WHO_AM_I (clones answer 0x72/0x98) */
    return write_reg(0x6B, 0x01)    /* PWR_MGMT_1: wake, clock from the X gyro PLL */
           && write_reg(0x1A, 0x03) /* CONFIG: DLPF 44 Hz (anti-alias for 100-200 Hz sampling) */
           && write_reg(0x19, 0x04) /* SMPLRT_DIV: 1 kHz / 5 = 200 Hz */
           && write_reg(0x1C, 0x10); /* ACCEL_CONFIG: +-8 g, 4096 counts per g */
}

bool mpu6050_read(int16_t xyz[3]) {
    uint8_t b[6];
    if (!read_regs(0x3B, b, 6)) return false;
    for (uint8_t i = 0; i < 3; i++) xyz[i] = (int16_t)((uint16_t)b[2 * i] << 8 | b[2 * i + 1]); /* big-endian */
    return true;
}
