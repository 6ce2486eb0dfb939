/* tests/check.h: the tests' tiny harness. Each check prints "ok - ..." or
   "not ok - FILE:LINE: ..."; tests/run.sh counts those lines. CHECK_QUIET counts a check
   without printing it when it passes (for loops of many checks). */
#ifndef MEMINTRO_TEST_CHECK_H
#define MEMINTRO_TEST_CHECK_H
#include <stdio.h>

static int check_failures;
static int check_passes;

#define CHECK_REPORT(quiet, cond, ...)                                    \
    do {                                                                  \
        if (cond) {                                                       \
            check_passes++;                                               \
            if (!(quiet)) {                                               \
                printf("ok - ");                                          \
                printf(__VA_ARGS__);                                      \
                printf("\n");                                             \
            }                                                             \
        } else {                                                          \
            check_failures++;                                             \
            printf("not ok - %s:%d: ", __FILE__, __LINE__);               \
            printf(__VA_ARGS__);                                          \
            printf("\n");                                                 \
        }                                                                 \
        fflush(stdout);                                                   \
    } while (0)

#define CHECK(cond, ...) CHECK_REPORT(0, cond, __VA_ARGS__)
#define CHECK_QUIET(cond, ...) CHECK_REPORT(1, cond, __VA_ARGS__)

/* Prints a summary check for a batch of quiet checks and returns the exit code. */
static int check_done(void)
{
    return check_failures ? 1 : 0;
}
#endif
