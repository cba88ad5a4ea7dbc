/* ARM semihosting, as QEMU implements it (-semihosting-config enable=on,target=native). */
#ifndef CW_SEMIHOST_H
#define CW_SEMIHOST_H

long semihost(long op, const void *arg);
_Noreturn void semihost_exit(int status);

#define SH_OPEN 0x01
#define SH_CLOSE 0x02
#define SH_WRITE0 0x04 /* a NUL-terminated string to the console */
#define SH_WRITE 0x05
#define SH_READ 0x06
#define SH_GET_CMDLINE 0x15

#endif
