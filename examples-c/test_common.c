/* Versions, result texts and the per-thread error message. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_header_and_library_versions_match(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", NOOB_VERSION_MAJOR, NOOB_VERSION_MINOR,
             NOOB_VERSION_PATCH);
    CHECK(strcmp(noob_version(), expected) == 0);
    CHECK(strcmp(noob_version(), NOOB_VERSION_STRING) == 0);
    CHECK(noob_version_number() == NOOB_VERSION_NUMBER);
    CHECK(NOOB_VERSION_NUMBER ==
          NOOB_VERSION_MAJOR * 1000000 + NOOB_VERSION_MINOR * 1000 + NOOB_VERSION_PATCH);
}

static void test_every_code_has_a_text(void) {
    CHECK(strcmp(noob_result_str(NOOB_OK), "ok") == 0);
    CHECK(strlen(noob_result_str(NOOB_ERR_NULL_POINTER)) > 0);
    CHECK(strcmp(noob_result_str(NOOB_ERR_NULL_POINTER), noob_result_str(NOOB_ERR_PANIC)) != 0);
    CHECK(strcmp(noob_result_str(4000000000u), "unknown result code") == 0);
}

static void *fail_on_other_thread(void *arg) {
    (void)arg;
    noob_buffer_pool *pool = NULL;
    noob_buffer_pool_new(0, 1, &pool); /* fails: size 0 */
    return NULL;
}

static void test_error_message_is_per_thread(void) {
    noob_buffer_pool *pool = NULL;
    CHECK_RESULT(noob_buffer_pool_new(16, 1, NULL), NOOB_ERR_NULL_POINTER);
    const char *mine = noob_last_error_message();
    CHECK(strstr(mine, "pool_out") != NULL);
    char saved[256];
    snprintf(saved, sizeof saved, "%s", mine);

    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, fail_on_other_thread, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(strcmp(noob_last_error_message(), saved) == 0);

    /* A success leaves the message as it was. */
    CHECK_OK(noob_buffer_pool_new(16, 1, &pool));
    CHECK(strcmp(noob_last_error_message(), saved) == 0);
    noob_buffer_pool_free(pool);
}

/* A message quoting a name that holds a NUL byte: noob_last_error_detail gives it whole
 * (pointer + length), noob_last_error_message as a C string with the NUL shown as \0. */
static void test_error_detail_keeps_nul_bytes(void) {
    static const char name[] = "c_detail\0name"; /* 13 bytes, one of them NUL */
    uint32_t id = 7;
    CHECK_RESULT(noob_item_lookup_node(name, sizeof name - 1, &id), NOOB_ERR_ITEM_NOT_ADDED);
    CHECK(id == 7);
    static const char expected[] =
        "noob_item_lookup_node: Node 'c_detail\0name' was not added when creating the scheduler";
    size_t len = 0;
    const char *detail = noob_last_error_detail(&len);
    CHECK(len == sizeof expected - 1);
    CHECK(memcmp(detail, expected, sizeof expected) == 0); /* the text, then its NUL */
    CHECK(strstr(noob_last_error_message(), "'c_detail\\0name'") != NULL);
    CHECK(noob_last_error_detail(NULL) == detail);
}

int main(void) {
    RUN(test_header_and_library_versions_match);
    RUN(test_every_code_has_a_text);
    RUN(test_error_message_is_per_thread);
    RUN(test_error_detail_keeps_nul_bytes);
    return CHECK_SUMMARY();
}
