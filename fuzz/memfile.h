/* memfile.h: a fuzz input as a file, for parsers that take a path (an in-memory file, no disk). */
#ifndef TS_FUZZ_MEMFILE_H
#define TS_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes data into a new in-memory file and its /proc path into path; returns its
 * descriptor (close it when done), or -1. */
static inline int memfile(const uint8_t *data, size_t size, char *path, size_t cap)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
