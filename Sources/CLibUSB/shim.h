/* libusb-1.0 for Swift. Only DeviceIO imports this module. */
#ifndef CRAMPWATCH_CLIBUSB_SHIM_H
#define CRAMPWATCH_CLIBUSB_SHIM_H
#include <libusb.h>

/* libusb_set_option is variadic, which Swift cannot call: one shim per option we use. */
static inline int cw_libusb_set_log_level(libusb_context *ctx, int level) {
    return libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
}
/* Linux without udev (containers, umockdev): enumerate from sysfs instead. */
static inline int cw_libusb_set_no_device_discovery(libusb_context *ctx) {
    return libusb_set_option(ctx, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
}
/* libusb_fill_bulk_transfer is a static inline in libusb.h but takes a C callback type;
   wrap it so Swift passes a plain function pointer. */
static inline void cw_fill_bulk_transfer(struct libusb_transfer *t, libusb_device_handle *h, unsigned char endpoint,
                                         unsigned char *buffer, int length, libusb_transfer_cb_fn cb, void *user,
                                         unsigned int timeout) {
    libusb_fill_bulk_transfer(t, h, endpoint, buffer, length, cb, user, timeout);
}
#endif
