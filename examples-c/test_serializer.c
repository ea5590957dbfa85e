/* FastSerializer from C: build, encode, decode, read; sizes; bad blobs; batches. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The spec's worked example: {"id": 7, "ok": true, "xy": [1.5, null]} (53 bytes). */
static const uint8_t WORKED_EXAMPLE[] = {
    0x89, 'N', 'O', 'B', 0x01, 0x08, 3, 0, 0, 0,                  /* header, dict of 3 */
    2, 0, 0, 0, 'i', 'd', 0x03, 7, 0, 0, 0, 0, 0, 0, 0,           /* "id": 7 */
    2, 0, 0, 0, 'o', 'k', 0x02,                                   /* "ok": true */
    2, 0, 0, 0, 'x', 'y', 0x07, 2, 0, 0, 0,                       /* "xy": list of 2 */
    0x04, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x00};                    /* 1.5, null */

static noob_value_builder *build_worked_example(void) {
    noob_value_builder *b = NULL;
    if (noob_value_builder_new(&b) != NOOB_OK) return NULL;
    noob_value_builder_begin_dict(b);
    noob_value_builder_push_key(b, "id", 2);
    noob_value_builder_push_int(b, 7);
    noob_value_builder_push_key(b, "ok", 2);
    noob_value_builder_push_bool(b, true);
    noob_value_builder_push_key(b, "xy", 2);
    noob_value_builder_begin_list(b);
    noob_value_builder_push_float(b, 1.5);
    noob_value_builder_push_null(b);
    noob_value_builder_end_list(b);
    noob_value_builder_end_dict(b);
    return b;
}

static void test_builder_writes_the_documented_bytes(void) {
    noob_value_builder *b = build_worked_example();
    CHECK(b != NULL);
    noob_bytes *blob = NULL;
    CHECK_OK(noob_value_builder_build_encoded(b, &blob));
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(noob_bytes_get(blob, &data, &len));
    CHECK(len == sizeof WORKED_EXAMPLE);
    CHECK(memcmp(data, WORKED_EXAMPLE, len) == 0);
    noob_bytes_free(blob);
    noob_value_builder_free(b);
}

static void test_decode_and_read(void) {
    noob_value *v = NULL;
    CHECK_OK(noob_value_decode(WORKED_EXAMPLE, sizeof WORKED_EXAMPLE, &v));
    noob_value_type type;
    size_t len = 0, item = 0;
    CHECK_OK(noob_value_node_type(v, NOOB_VALUE_ROOT, &type));
    CHECK(type == NOOB_VALUE_DICT);
    CHECK_OK(noob_value_node_len(v, NOOB_VALUE_ROOT, &len));
    CHECK(len == 3);

    int64_t id = 0;
    CHECK_OK(noob_value_node_dict_find(v, NOOB_VALUE_ROOT, "id", 2, &item));
    CHECK_OK(noob_value_node_get_int(v, item, &id));
    CHECK(id == 7);
    /* Reading a value as a kind it is not is refused. */
    double wrong = 0;
    CHECK_RESULT(noob_value_node_get_float(v, item, &wrong), NOOB_ERR_WRONG_TYPE);

    const char *key = NULL;
    size_t key_len = 0;
    CHECK_OK(noob_value_node_dict_entry(v, NOOB_VALUE_ROOT, 2, &key, &key_len, &item));
    CHECK(key_len == 2 && memcmp(key, "xy", 2) == 0);
    size_t first = 0;
    double x = 0;
    CHECK_OK(noob_value_node_list_get(v, item, 0, &first));
    CHECK_OK(noob_value_node_get_float(v, first, &x));
    CHECK(x == 1.5);
    CHECK_RESULT(noob_value_node_dict_find(v, NOOB_VALUE_ROOT, "nope", 4, &item), NOOB_ERR_NOT_FOUND);
    noob_value_free(v);
}

static void test_encode_into_reports_the_size_needed(void) {
    noob_value *v = NULL;
    CHECK_OK(noob_value_decode(WORKED_EXAMPLE, sizeof WORKED_EXAMPLE, &v));
    size_t need = 0, written = 0;
    CHECK_OK(noob_value_node_encoded_size(v, NOOB_VALUE_ROOT, &need));
    CHECK(need == sizeof WORKED_EXAMPLE);
    uint8_t small[8];
    CHECK_RESULT(noob_value_node_encode_into(v, NOOB_VALUE_ROOT, small, sizeof small, &written),
                 NOOB_ERR_BUFFER_TOO_SMALL);
    CHECK(written == need); /* the size needed, zstd/libgit2 style */
    uint8_t *buffer = malloc(need);
    CHECK(buffer != NULL);
    CHECK_OK(noob_value_node_encode_into(v, NOOB_VALUE_ROOT, buffer, need, &written));
    CHECK(written == need && memcmp(buffer, WORKED_EXAMPLE, need) == 0);
    free(buffer);
    noob_value_free(v);
}

static void test_bad_blobs_are_refused_with_an_offset(void) {
    static const uint8_t lying[] = {0x89, 'N', 'O', 'B', 0x01, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    static const uint8_t trailing[] = {0x89, 'N', 'O', 'B', 0x01, 0x00, 0x00};
    static const uint8_t bad_utf8[] = {0x89, 'N', 'O', 'B', 0x01, 0x05, 2, 0, 0, 0, 0xC3, 0x28};
    noob_value *v = (noob_value *)&v; /* must stay untouched on failure */
    noob_value *sentinel = v;
    CHECK_RESULT(noob_value_decode(lying, sizeof lying, &v), NOOB_ERR_DECODE);
    CHECK(strstr(noob_last_error_message(), "offset 6") != NULL);
    CHECK_RESULT(noob_value_decode(trailing, sizeof trailing, &v), NOOB_ERR_DECODE);
    CHECK(strstr(noob_last_error_message(), "offset 6") != NULL);
    CHECK_RESULT(noob_value_decode(bad_utf8, sizeof bad_utf8, &v), NOOB_ERR_DECODE);
    CHECK(strstr(noob_last_error_message(), "offset 10") != NULL);
    CHECK_RESULT(noob_value_decode(WORKED_EXAMPLE, 3, &v), NOOB_ERR_DECODE);
    CHECK_RESULT(noob_value_decode(NULL, 5, &v), NOOB_ERR_NULL_POINTER);
    CHECK(v == sentinel);
}

static void test_builder_refuses_out_of_order_calls(void) {
    noob_value_builder *b = NULL;
    CHECK_OK(noob_value_builder_new(&b));
    CHECK_OK(noob_value_builder_begin_dict(b));
    CHECK_RESULT(noob_value_builder_push_int(b, 1), NOOB_ERR_BUILDER_STATE); /* a key is due */
    CHECK_OK(noob_value_builder_push_key(b, "k", 1));
    CHECK_OK(noob_value_builder_push_int(b, 1));
    CHECK_RESULT(noob_value_builder_push_key(b, "k", 1), NOOB_ERR_DUPLICATE_KEY);
    CHECK_RESULT(noob_value_builder_end_list(b), NOOB_ERR_BUILDER_STATE);
    noob_value *v = NULL;
    CHECK_RESULT(noob_value_builder_build(b, &v), NOOB_ERR_BUILDER_STATE); /* dict still open */
    CHECK_RESULT(noob_value_builder_push_str(b, "\xff", 1), NOOB_ERR_INVALID_UTF8);
    CHECK_OK(noob_value_builder_end_dict(b));
    CHECK_OK(noob_value_builder_build(b, &v));
    noob_value_free(v);
    noob_value_builder_free(b);
}

static void test_batch_encode(void) {
    enum { N = 64 };
    noob_value *values[N];
    size_t nodes[N];
    for (int i = 0; i < N; i++) {
        noob_value_builder *b = NULL;
        CHECK_OK(noob_value_builder_new(&b));
        noob_value_builder_begin_list(b);
        noob_value_builder_push_int(b, i);
        noob_value_builder_push_str(b, "frame", 5);
        noob_value_builder_end_list(b);
        CHECK_OK(noob_value_builder_build(b, &values[i]));
        noob_value_builder_free(b);
        nodes[i] = NOOB_VALUE_ROOT;
    }
    noob_bytes_list *list = NULL;
    CHECK_OK(noob_value_encode_batch((const noob_value *const *)values, nodes, N, &list));
    size_t count = 0;
    CHECK_OK(noob_bytes_list_len(list, &count));
    CHECK(count == N);
    for (size_t i = 0; i < count; i++) {
        const uint8_t *data = NULL;
        size_t len = 0;
        noob_value *back = NULL;
        int64_t number = -1;
        size_t item = 0;
        CHECK_OK(noob_bytes_list_get(list, i, &data, &len));
        CHECK_OK(noob_value_decode(data, len, &back));
        CHECK_OK(noob_value_node_list_get(back, NOOB_VALUE_ROOT, 0, &item));
        CHECK_OK(noob_value_node_get_int(back, item, &number));
        CHECK(number == (int64_t)i);
        noob_value_free(back);
    }
    noob_bytes_list_free(list);
    for (int i = 0; i < N; i++) noob_value_free(values[i]);
}

int main(void) {
    RUN(test_builder_writes_the_documented_bytes);
    RUN(test_decode_and_read);
    RUN(test_encode_into_reports_the_size_needed);
    RUN(test_bad_blobs_are_refused_with_an_offset);
    RUN(test_builder_refuses_out_of_order_calls);
    RUN(test_batch_encode);
    return CHECK_SUMMARY();
}
