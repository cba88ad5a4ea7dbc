/* ATmega32U4 board: the core's board interface (core/cw_board.h) on real hardware.

   Sampling: Timer1 runs free at 16 MHz / 8 = 2 MHz; its compare-match-B flag auto-triggers the
   ADC, so the sampling instant is set by hardware, free of interrupt latency. The ADC-complete
   interrupt stores the count (centred on 0); with two channels it starts channel 2 and the second
   ADC-complete interrupt closes the tick: it moves OCR1B one period on (exact for rates that divide
   2 MHz), re-arms the trigger and runs the core's sampler (cw_device_tick). If the interrupt was
   held off for longer than a period (a slow USB control request), the compares it slept through
   triggered no conversion: it counts them from Timer1 and reports them to the core
   (cw_sampler_missed), so the sample indices, and the times derived from them, stay exact and the
   loss shows in the status counters and as a sequence gap. That interrupt is the whole tick path,
   whose cycle count Firmware/tools/avr_isr_cycles.py reports (Firmware/README.md).
   EMG on A0 (ADC7) and A1 (ADC6), AVcc reference, ADC clock 500 kHz (26 us per conversion).
   The accelerometer is read over TWI by the main loop every 5 ms into a cache the tick copies. */
#include "avr_board.h"

#include <avr/boot.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <string.h>

#include "../../core/cw_board.h"
#include "../../core/cw_device.h"
#include "mpu6050.h"

unsigned long millis(void); /* Arduino core (wiring.c, Timer0) */
unsigned long micros(void); /* 4 us resolution, wraps every 71.6 minutes */

static cw_device dev;
static volatile int16_t adc_latest[CW_CFG_EMG_CHANNELS_MAX];
static uint8_t adc_channels = 1, adc_channel;
static uint16_t tick_period;  /* Timer1 counts (0.5 us) per tick */
static uint16_t tick_compare; /* Timer1 count of the current tick's compare (its sampling instant) */
#define LATE_MARGIN 16        /* Timer1 counts (8 us) from the last TCNT1 read to the OCR1B write, and more */
static volatile int16_t accel_cache[3];
static bool have_mpu;
static uint32_t boot_id;
static char serial[17];
static unsigned long last_accel_ms, identify_until_ms, led_ms;

#define ADMUX_BASE _BV(REFS0) /* AVcc reference, right-adjusted */
static const uint8_t adc_mux[2] = {7, 6}; /* A0 = ADC7 (PF7), A1 = ADC6 (PF6) */

static void set_mux(uint8_t ch) { ADMUX = ADMUX_BASE | adc_mux[ch]; }

/* Out of line so that tools/avr_isr_cycles.py can count the on-time tick and this rare path apart. */
__attribute__((noinline)) static void report_missed(uint16_t ticks) { cw_sampler_missed(&dev.sampler, ticks); }

ISR(ADC_vect) {
    adc_latest[adc_channel] = (int16_t)(ADC - 512);
    if (++adc_channel < adc_channels) {
        set_mux(adc_channel);
        ADCSRA |= _BV(ADSC); /* the next channel, now */
        return;
    }
    adc_channel = 0;
    if (adc_channels > 1) set_mux(0);
    /* the next compare, safely in the future: periods that passed while this interrupt waited took
       no sample (TCNT1 is re-read on each step, so a long wait cannot race the write below; a
       wait over 16 ms, half of Timer1's wrap, would be miscounted) */
    uint16_t missed = 0;
    tick_compare += tick_period;
    while ((int16_t)(TCNT1 - tick_compare + LATE_MARGIN) >= 0) {
        tick_compare += tick_period;
        missed++;
    }
    OCR1B = tick_compare;
    TIFR1 = _BV(OCF1B); /* re-arm the auto trigger (it fires on the flag's rising edge) */
    cw_device_tick(&dev);
    if (missed) report_missed(missed);
}

/* ---- the board interface ---- */
/* Arduino's micros() (Timer0, the same crystal as Timer1) extended to 64 bits; the main loop calls
   it every pass, far more often than its 71-minute wrap. Sample times come from the sample index;
   this stamps acks (TIME_SYNC), status and device_info frames. */
uint64_t cw_board_micros(void) {
    static uint32_t last, high;
    uint32_t now = micros();
    if (now < last) high++;
    last = now;
    return (uint64_t)high << 32 | now;
}

bool cw_board_write(const uint8_t *data, size_t length) { return avr_transport_write(data, length); }

void cw_board_emg_read(int16_t *counts, uint8_t channels) {
    for (uint8_t ch = 0; ch < channels; ch++) counts[ch] = adc_latest[ch];
}

void cw_board_accel_read(int16_t xyz[3]) {
    xyz[0] = accel_cache[0];
    xyz[1] = accel_cache[1];
    xyz[2] = accel_cache[2];
}

void cw_board_sampling_start(uint16_t tick_hz) {
    adc_channels = dev.sampler.config.emg_channels;
    adc_channel = 0;
    set_mux(0);
    ADCSRB = _BV(ADTS2) | _BV(ADTS0);                                 /* trigger: Timer1 compare match B */
    ADCSRA = _BV(ADEN) | _BV(ADATE) | _BV(ADIE) | _BV(ADIF) | _BV(ADPS2) | _BV(ADPS0); /* /32: 500 kHz */
    TCCR1B = 0;
    TCCR1A = 0; /* normal mode: Timer1 counts freely, OCR1B moves one period per tick */
    TCNT1 = 0;
    tick_period = (uint16_t)(F_CPU / 8u / tick_hz);
    tick_compare = tick_period;
    OCR1B = tick_compare;
    TIFR1 = _BV(OCF1B);
    TCCR1B = _BV(CS11); /* /8: 2 MHz */
}

void cw_board_sampling_stop(void) {
    TCCR1B = 0;
    ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS0);
}

const char *cw_board_serial(void) { return serial; }
uint32_t cw_board_boot_id(void) { return boot_id; }

void cw_board_power(uint16_t *battery_mv, uint8_t *battery_percent) {
    *battery_mv = 0; /* USB powered */
    *battery_percent = 255;
}

uint8_t cw_board_contact(void) { return (uint8_t)((1u << dev.emg_channels) - 1u); /* no lead-off detection */ }

void cw_board_identify(void) { identify_until_ms = millis() + 3000u; }

/* ---- set-up and the main loop ---- */
static void make_serial(void) {
    /* "CW" + the last 7 bytes of the chip's factory serial number (signature row 0x0E...0x17) in hex */
    static const char hex[] = "0123456789ABCDEF";
    serial[0] = 'C';
    serial[1] = 'W';
    for (uint8_t i = 0; i < 7; i++) {
        uint8_t b = boot_signature_byte_get((uint8_t)(0x11 + i));
        serial[2 + 2 * i] = hex[b >> 4];
        serial[3 + 2 * i] = hex[b & 15];
    }
    serial[16] = 0;
}

static uint32_t make_boot_id(void) {
    /* the low bits of 64 conversions of the floating-ish inputs and the bandgap, and Timer0 */
    uint32_t h = 2166136261u;
    ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1);
    for (uint8_t i = 0; i < 64; i++) {
        ADMUX = _BV(REFS0) | (i & 1 ? 0x1E : 7); /* bandgap / A0 */
        ADCSRA |= _BV(ADSC);
        while (ADCSRA & _BV(ADSC)) {
        }
        h = (h ^ ADCL ^ (uint8_t)(TCNT0 << 4)) * 16777619u;
        (void)ADCH;
    }
    return h;
}

void avr_board_init(void) {
    DDRC |= _BV(PC7); /* LED (D13) */
    make_serial();
    boot_id = make_boot_id();
    have_mpu = mpu6050_init();
    cw_device_init(&dev);
}

void avr_board_receive(const uint8_t *bytes, size_t n) { cw_device_receive(&dev, bytes, n); }

size_t avr_board_info_frame(uint8_t *out, size_t cap) {
    if (cap < CW_INFO_FRAME_MAX) return 0;
    return cw_device_info_frame(&dev, out);
}

const char *avr_board_serial(void) { return serial; }

void avr_board_poll(void) {
    (void)cw_board_micros(); /* keeps the 64-bit clock's wrap count */
    unsigned long now = millis();
    if (have_mpu && now - last_accel_ms >= 5u) {
        int16_t xyz[3];
        last_accel_ms = now;
        if (mpu6050_read(xyz)) {
            cli();
            accel_cache[0] = xyz[0];
            accel_cache[1] = xyz[1];
            accel_cache[2] = xyz[2];
            sei();
        }
    }
    /* LED: on while streaming; fast blink to IDENTIFY; slow blink if the accelerometer is missing */
    bool on = dev.streaming;
    if ((long)(identify_until_ms - now) > 0) on = (now / 100u) & 1u;
    else if (!have_mpu) on = (now / 1000u) & 1u;
    if (now != led_ms) {
        led_ms = now;
        if (on) PORTC |= _BV(PC7);
        else PORTC &= (uint8_t)~_BV(PC7);
    }
    cw_device_task(&dev);
}
