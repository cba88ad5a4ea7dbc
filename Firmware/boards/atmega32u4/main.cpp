/* Crampwatch firmware for the ATmega32U4 (Arduino Leonardo / Micro / SparkFun Pro Micro 5 V):
   the USB transport, on the Arduino AVR core's USB stack (USBCore + PluggableUSB), built without
   the Arduino IDE (Firmware/Makefile, `make -C Firmware avr`).

   Default build: a vendor-class interface 0 (class 0xFF) with bulk IN 0x81 and bulk OUT 0x02,
   VID 0x1209 / PID 0xC4A3, and the GET_INFO vendor request (bmRequestType 0xC1, bRequest 1).
   The ATmega32U4 gives each endpoint number one direction, so OUT cannot be 0x01 next to IN 0x81
   (PROTOCOL.md section 4). CDC is compiled out, so the Arduino "1200 baud touch" reset does not
   exist: to flash, press reset (twice on a Pro Micro) to start the Caterina bootloader.
   CW_AVR_CDC build: the same frames over CDC-ACM serial (/dev/ttyACM*), same VID/PID. */
#include <Arduino.h>
#include <PluggableUSB.h>

#include "../../protocol/crampwatch_protocol.h"
#include "avr_board.h"

#ifndef CW_AVR_CDC
static uint8_t endpoint_types[2] = {EP_TYPE_BULK_IN, EP_TYPE_BULK_OUT};

class CrampwatchUSB : public PluggableUSBModule {
public:
    CrampwatchUSB() : PluggableUSBModule(2, 1, endpoint_types) { PluggableUSB().plug(this); }
    uint8_t in() const { return pluggedEndpoint; }
    uint8_t out() const { return (uint8_t)(pluggedEndpoint + 1); }

protected:
    int getInterface(uint8_t *interface_count) override {
        *interface_count += 1;
        struct {
            InterfaceDescriptor interface;
            EndpointDescriptor in, out;
        } d = {
            D_INTERFACE(pluggedInterface, 2, 0xFF, 0, 0),
            D_ENDPOINT(USB_ENDPOINT_IN(pluggedEndpoint), USB_ENDPOINT_TYPE_BULK, USB_EP_SIZE, 0),
            D_ENDPOINT(USB_ENDPOINT_OUT(pluggedEndpoint + 1), USB_ENDPOINT_TYPE_BULK, USB_EP_SIZE, 0),
        };
        return USB_SendControl(0, &d, sizeof d);
    }
    int getDescriptor(USBSetup &) override { return 0; }
    bool setup(USBSetup &s) override {
        if (s.bmRequestType != 0xC1 || s.bRequest != CW_USB_REQUEST_GET_INFO || s.wIndex != pluggedInterface) return false;
        uint8_t frame[72];
        size_t n = avr_board_info_frame(frame, sizeof frame);
        return n > 0 && USB_SendControl(0, frame, (int)n) == (int)n;
    }
    uint8_t getShortName(char *name) override { /* the iSerialNumber string */
        const char *s = avr_board_serial();
        uint8_t n = (uint8_t)strlen(s);
        memcpy(name, s, n);
        return n;
    }
};

static CrampwatchUSB usb;

extern "C" bool avr_transport_write(const uint8_t *data, size_t length) {
    /* blocks while the host reads (at most 250 ms per packet, then gives up: frame dropped) */
    return USB_Send((uint8_t)(usb.in() | TRANSFER_RELEASE), data, (int)length) == (int)length;
}

static void receive(void) {
    uint8_t buf[USB_EP_SIZE];
    int n = USB_Available(usb.out());
    if (n <= 0) return;
    n = USB_Recv(usb.out(), buf, n > (int)sizeof buf ? (int)sizeof buf : n);
    if (n > 0) avr_board_receive(buf, (size_t)n);
}
#else
extern "C" bool avr_transport_write(const uint8_t *data, size_t length) {
    return Serial.write(data, length) == length; /* 0 when no program has the port open */
}

static void receive(void) {
    uint8_t buf[32];
    size_t n = 0;
    while (n < sizeof buf && Serial.available() > 0) buf[n++] = (uint8_t)Serial.read();
    if (n > 0) avr_board_receive(buf, n);
}
#endif

int main(void) {
    init(); /* Arduino core: Timer0 for millis(), interrupts on */
    USBDevice.attach();
#ifdef CW_AVR_CDC
    Serial.begin(115200);
#endif
    for (unsigned long t0 = millis(); !USBDevice.configured() && millis() - t0 < 3000u;) {
    }
    avr_board_init(); /* sensors, then the core's power-up device_info */
    for (;;) {
        receive();
        avr_board_poll();
    }
}
