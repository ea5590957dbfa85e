/* A tiny test runner for the examples: CHECK() records a failure and returns
 * from the test function; RUN() runs a test_* function and reports it. */
#ifndef NOOB_EXAMPLES_CHECK_H
#define NOOB_EXAMPLES_CHECK_H

#include <stdio.h>
#include "noob_core.h"

static int check_failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",   \
                    __FILE__, __LINE__, #cond, noob_last_error_message());   \
            check_failures++;                                                \
            return;                                                          \
        }                                                                    \
    } while (0)

/* Asserts a call returned `expected`. */
#define CHECK_RESULT(call, expected) CHECK((call) == (expected))
#define CHECK_OK(call) CHECK_RESULT(call, NOOB_OK)

#define RUN(test)                                                            \
    do {                                                                     \
        int before = check_failures;                                         \
        test();                                                              \
        printf("%s %s\n", check_failures == before ? "ok  " : "FAIL", #test); \
    } while (0)

#define CHECK_SUMMARY()                                                      \
    (printf("%s\n", check_failures == 0 ? "all passed" : "FAILED"),          \
     check_failures == 0 ? 0 : 1)

#endif
