/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The C test programs' check: a failed condition prints a line naming the
 * program (PROGRAM, defined before this is included), the place, the
 * condition and errno, and is counted; the program exits non-zero if any
 * was.
 */
#ifndef CHECK_H
#define CHECK_H
#include <errno.h>
#include <stdio.h>

static int failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("%s: %s:%d: %s (errno %d)\n", PROGRAM, __FILE__, __LINE__, \
                   #cond, errno);                                             \
            failures++;                                                       \
        }                                                                     \
    } while (0)
#endif
