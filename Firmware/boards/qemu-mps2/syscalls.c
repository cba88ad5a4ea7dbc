/* The newlib system calls the unit tests need on the emulated Cortex-M4: stdio on the semihosting
   console, files on the host through semihosting (the golden vectors), a heap between .bss and
   the stack. The session run (main.c) does not use them. File descriptors 0-2 are the console;
   a host file's semihosting handle h is descriptor h + 3. */
#include <fcntl.h>
#include <string.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "semihost.h"

extern char _heap_start, _stack_top;

void *_sbrk(ptrdiff_t increment) {
    static char *brk = &_heap_start;
    char *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    if (brk + increment > sp - 64 * 1024) { /* keep 64 KB for the stack */
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = brk;
    brk += increment;
    return old;
}

static long handle(int fd) {
    static long console = -1;
    if (fd >= 3) return fd - 3;
    if (console < 0) {
        const long args[3] = {(long)":tt", 4 /* "w" */, 3};
        console = semihost(SH_OPEN, args);
    }
    return console;
}

int _open(const char *path, int flags, ...) {
    long mode = (flags & O_ACCMODE) == O_RDONLY ? 1 /* "rb" */ : 5 /* "wb" */;
    const long args[3] = {(long)path, mode, (long)strlen(path)};
    long h = semihost(SH_OPEN, args);
    if (h < 0) {
        errno = ENOENT;
        return -1;
    }
    return (int)h + 3;
}

int _write(int fd, const char *buf, int n) {
    const long args[3] = {handle(fd), (long)buf, n};
    return n - (int)semihost(SH_WRITE, args);
}

int _read(int fd, char *buf, int n) {
    if (fd < 3) return 0;
    const long args[3] = {handle(fd), (long)buf, n};
    return n - (int)semihost(SH_READ, args); /* returns the bytes NOT read */
}

int _close(int fd) {
    if (fd < 3) return 0;
    long h = handle(fd);
    return (int)semihost(SH_CLOSE, &h);
}

int _lseek(int fd, int offset, int whence) { (void)fd, (void)offset, (void)whence; return 0; }
int _isatty(int fd) { return fd < 3; }
int _fstat(int fd, struct stat *st) {
    memset(st, 0, sizeof *st);
    st->st_mode = fd < 3 ? S_IFCHR : S_IFREG;
    return 0;
}
int _getpid(void) { return 1; }
int _kill(int pid, int sig) { (void)pid, (void)sig; errno = EINVAL; return -1; }
void _exit(int status) { semihost_exit(status); }
