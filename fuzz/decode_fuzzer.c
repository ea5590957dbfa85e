/*
 * libFuzzer harness for the serializer's C API, linked to the static library
 * (see fuzz/run.sh). Stable Rust: the library is instrumented with
 * -Cpasses=sancov-module, no sanitizer runtime, no nightly.
 *
 * The first input byte chooses a mode:
 *   even: decode the rest as a blob. Any input must give NOOB_OK or
 *         NOOB_ERR_DECODE with an offset in the message; when it decodes, the tree
 *         is walked through every reader function and re-encoded, and (the format
 *         having exactly one encoding per value) the blob must come back identical.
 *   odd:  run the rest as a script of builder calls; every call returns a code
 *         (never crashes), and whatever the builder finishes must decode.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noob_core.h"

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "check failed: %s (%s:%d): %s\n", #cond, __FILE__,   \
                    __LINE__, noob_last_error_message());                        \
            abort();                                                             \
        }                                                                        \
    } while (0)

static void walk(const noob_value *value, size_t node, size_t count, int depth) {
    noob_value_type type;
    CHECK(node < count);
    CHECK(noob_value_node_type(value, node, &type) == NOOB_OK);
    CHECK(depth <= NOOB_VALUE_MAX_DEPTH);
    size_t len = 0;
    noob_result len_code = noob_value_node_len(value, node, &len);
    switch (type) {
    case NOOB_VALUE_NULL:
        CHECK(len_code == NOOB_ERR_WRONG_TYPE);
        break;
    case NOOB_VALUE_BOOL: {
        bool b;
        CHECK(noob_value_node_get_bool(value, node, &b) == NOOB_OK);
        break;
    }
    case NOOB_VALUE_INT: {
        int64_t i;
        double f;
        CHECK(noob_value_node_get_int(value, node, &i) == NOOB_OK);
        CHECK(noob_value_node_get_float(value, node, &f) == NOOB_ERR_WRONG_TYPE);
        break;
    }
    case NOOB_VALUE_FLOAT: {
        double f;
        CHECK(noob_value_node_get_float(value, node, &f) == NOOB_OK);
        break;
    }
    case NOOB_VALUE_STR: {
        const char *text;
        size_t n;
        CHECK(noob_value_node_get_str(value, node, &text, &n) == NOOB_OK && n == len);
        break;
    }
    case NOOB_VALUE_BYTES: {
        const uint8_t *data;
        size_t n;
        CHECK(noob_value_node_get_bytes(value, node, &data, &n) == NOOB_OK && n == len);
        break;
    }
    case NOOB_VALUE_LIST: {
        CHECK(len_code == NOOB_OK);
        size_t item;
        for (size_t i = 0; i < len; i++) {
            CHECK(noob_value_node_list_get(value, node, i, &item) == NOOB_OK);
            CHECK(item > node);
            walk(value, item, count, depth + 1);
        }
        CHECK(noob_value_node_list_get(value, node, len, &item) == NOOB_ERR_INVALID_ARGUMENT);
        break;
    }
    case NOOB_VALUE_DICT:
        CHECK(len_code == NOOB_OK);
        for (size_t i = 0; i < len; i++) {
            const char *key;
            size_t key_len, item, found;
            CHECK(noob_value_node_dict_entry(value, node, i, &key, &key_len, &item) == NOOB_OK);
            CHECK(noob_value_node_dict_find(value, node, key, key_len, &found) == NOOB_OK);
            CHECK(found == item); /* keys are unique */
            walk(value, item, count, depth + 1);
        }
        break;
    default:
        CHECK(!"unknown type");
    }
}

/* Counts value events (one per node) and checks containers open and close in order. */
typedef struct {
    size_t values;
    int depth;
} counter;
static int32_t count_value(void *u) { ((counter *)u)->values++; return 0; }
static int32_t count_bool(void *u, bool b) { (void)b; return count_value(u); }
static int32_t count_int(void *u, int64_t i) { (void)i; return count_value(u); }
static int32_t count_float(void *u, double f) { (void)f; return count_value(u); }
static int32_t count_text(void *u, const char *t, size_t n) { (void)t; (void)n; return count_value(u); }
static int32_t count_bytes(void *u, const uint8_t *t, size_t n) { (void)t; (void)n; return count_value(u); }
static int32_t count_open(void *u, size_t n) { (void)n; ((counter *)u)->depth++; return count_value(u); }
static int32_t count_close(void *u) { CHECK(((counter *)u)->depth-- > 0); return 0; }
static int32_t count_key(void *u, const char *t, size_t n) { (void)u; (void)t; (void)n; return 0; }
static const noob_value_visitor COUNTER = {count_value, count_bool, count_int, count_float,
                                           count_text, count_bytes, count_open, count_close,
                                           count_open, count_key, count_close};

static void decode_mode(const uint8_t *data, size_t size) {
    counter in_place = {0, 0};
    noob_result visited = noob_value_visit_blob(data, size, &COUNTER, &in_place);
    noob_value *value = NULL;
    noob_result code = noob_value_decode(data, size, &value);
    CHECK((visited == NOOB_OK) == (code == NOOB_OK));
    if (code != NOOB_OK) {
        CHECK(in_place.values == 0); /* nothing is visited in an invalid blob */
        CHECK(code == NOOB_ERR_DECODE);
        CHECK(strstr(noob_last_error_message(), "offset") != NULL);
        CHECK(value == NULL);
        return;
    }
    size_t count = 0;
    CHECK(noob_value_node_count(value, &count) == NOOB_OK && count >= 1 && count <= size);
    walk(value, NOOB_VALUE_ROOT, count, 0);
    counter in_tree = {0, 0};
    CHECK(noob_value_visit(value, NOOB_VALUE_ROOT, &COUNTER, &in_tree) == NOOB_OK);
    CHECK(in_tree.values == count && in_place.values == count);
    CHECK(in_tree.depth == 0 && in_place.depth == 0);
    noob_value_type type;
    CHECK(noob_value_node_type(value, count, &type) == NOOB_ERR_INVALID_ARGUMENT);
    size_t needed = 0;
    CHECK(noob_value_node_encoded_size(value, NOOB_VALUE_ROOT, &needed) == NOOB_OK);
    CHECK(needed == size);
    uint8_t *buffer = malloc(size);
    CHECK(buffer != NULL);
    size_t written = 0;
    CHECK(noob_value_node_encode_into(value, NOOB_VALUE_ROOT, buffer, size - 1, &written) ==
          NOOB_ERR_BUFFER_TOO_SMALL);
    CHECK(written == size);
    CHECK(noob_value_node_encode_into(value, NOOB_VALUE_ROOT, buffer, size, &written) == NOOB_OK);
    CHECK(written == size && memcmp(buffer, data, size) == 0);
    /* Every node re-encodes as a blob of its own that decodes. */
    for (size_t node = 0; node < count; node++) {
        noob_bytes *blob = NULL;
        CHECK(noob_value_node_encode(value, node, &blob) == NOOB_OK);
        const uint8_t *bytes;
        size_t len;
        CHECK(noob_bytes_get(blob, &bytes, &len) == NOOB_OK);
        noob_value *part = NULL;
        CHECK(noob_value_decode(bytes, len, &part) == NOOB_OK);
        noob_value_free(part);
        noob_bytes_free(blob);
    }
    free(buffer);
    noob_value_free(value);
}

static void builder_mode(const uint8_t *data, size_t size) {
    noob_value_builder *builder;
    CHECK(noob_value_builder_new(&builder) == NOOB_OK);
    size_t at = 0;
    while (at < size) {
        uint8_t op = data[at++];
        size_t n = at < size ? data[at] % 8 : 0; /* payload length for text ops */
        const char *text = (const char *)data + (at < size ? at + 1 : at);
        size_t avail = at < size ? size - at - 1 : 0;
        if (n > avail) {
            n = avail;
        }
        noob_result code;
        switch (op % 12) {
        case 0: code = noob_value_builder_push_null(builder); break;
        case 1: code = noob_value_builder_push_bool(builder, op & 0x80); break;
        case 2: code = noob_value_builder_push_int(builder, (int64_t)op * -977); break;
        case 3: code = noob_value_builder_push_float(builder, op / 3.0); break;
        case 4: code = noob_value_builder_push_str(builder, text, n); at += 1 + n; break;
        case 5: code = noob_value_builder_push_bytes(builder, (const uint8_t *)text, n); at += 1 + n; break;
        case 6: code = noob_value_builder_begin_list(builder); break;
        case 7: code = noob_value_builder_end_list(builder); break;
        case 8: code = noob_value_builder_begin_dict(builder); break;
        case 9: code = noob_value_builder_push_key(builder, text, n); at += 1 + n; break;
        case 10: code = noob_value_builder_end_dict(builder); break;
        default: {
            noob_bytes *blob = NULL;
            code = noob_value_builder_build_encoded(builder, &blob);
            if (code == NOOB_OK) {
                const uint8_t *bytes;
                size_t len;
                CHECK(noob_bytes_get(blob, &bytes, &len) == NOOB_OK);
                noob_value *value = NULL;
                CHECK(noob_value_decode(bytes, len, &value) == NOOB_OK);
                noob_value_free(value);
                noob_bytes_free(blob);
            }
        }
        }
        CHECK(code == NOOB_OK || code == NOOB_ERR_BUILDER_STATE || code == NOOB_ERR_INVALID_UTF8 ||
              code == NOOB_ERR_DUPLICATE_KEY || code == NOOB_ERR_LIMIT_EXCEEDED);
    }
    noob_value_builder_free(builder);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    if (data[0] % 2 == 0) {
        decode_mode(data + 1, size - 1);
    } else {
        builder_mode(data + 1, size - 1);
    }
    return 0;
}
