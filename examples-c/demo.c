/* noob_core demo, C side: a camera-like producer fills pooled frame buffers
 * and hands them on without allocating per frame. */
#include <stdio.h>
#include <string.h>

#include "noob_core.h"

#define TRY(call)                                                                 \
    do {                                                                          \
        noob_result result_ = (call);                                             \
        if (result_ != NOOB_OK) {                                                 \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, noob_result_str(result_), \
                    noob_last_error_message());                                   \
            return 1;                                                             \
        }                                                                         \
    } while (0)

enum { FRAME_BYTES = 640 * 480, FRAMES = 1000, IN_FLIGHT = 4 };

int main(void) {
    printf("libnoob_core %s (header %s)\n", noob_version(), NOOB_VERSION_STRING);

    noob_buffer_pool *pool = NULL;
    TRY(noob_buffer_pool_new(FRAME_BYTES, IN_FLIGHT, &pool));
    TRY(noob_buffer_pool_prefill(pool, IN_FLIGHT, NULL));

    /* Keep up to IN_FLIGHT frames lent at once, as a pipeline stage would. */
    noob_buffer in_flight[IN_FLIGHT];
    unsigned long checksum = 0;
    for (int frame = 0; frame < FRAMES; frame++) {
        noob_buffer *slot = &in_flight[frame % IN_FLIGHT];
        if (frame >= IN_FLIGHT) {
            checksum += slot->data[frame % FRAME_BYTES];
            TRY(noob_buffer_pool_release(pool, slot->token));
        }
        TRY(noob_buffer_pool_acquire(pool, slot));
        memset(slot->data, frame & 0xFF, slot->len);
    }
    for (int i = 0; i < IN_FLIGHT; i++) TRY(noob_buffer_pool_release(pool, in_flight[i].token));

    noob_buffer_pool_stats stats;
    TRY(noob_buffer_pool_get_stats(pool, &stats));
    printf("buffer pool: %d frames of %zu bytes through %zu buffers: "
           "%llu hits, %llu misses, %zu pooled, %zu outstanding (checksum %lu)\n",
           FRAMES, stats.buffer_size, stats.max_pooled, (unsigned long long)stats.hits,
           (unsigned long long)stats.misses, stats.pooled, stats.outstanding, checksum);

    /* Mistakes are reported, not crashed on. */
    noob_result twice = noob_buffer_pool_release(pool, in_flight[0].token);
    printf("releasing a buffer twice: %s (%s)\n", noob_result_str(twice), noob_last_error_message());

    /* Serializer: a frame record encoded straight into a pooled buffer. */
    noob_buffer frame, wire;
    TRY(noob_buffer_pool_acquire(pool, &frame));
    memset(frame.data, 7, frame.len);
    noob_value_builder *builder = NULL;
    TRY(noob_value_builder_new(&builder));
    TRY(noob_value_builder_begin_dict(builder));
    TRY(noob_value_builder_push_key(builder, "camera", 6));
    TRY(noob_value_builder_push_str(builder, "left", 4));
    TRY(noob_value_builder_push_key(builder, "index", 5));
    TRY(noob_value_builder_push_int(builder, 42));
    TRY(noob_value_builder_push_key(builder, "pixels", 6));
    TRY(noob_value_builder_push_bytes(builder, frame.data, frame.len));
    TRY(noob_value_builder_end_dict(builder));
    noob_value *record = NULL;
    TRY(noob_value_builder_build(builder, &record));
    size_t need = 0, written = 0;
    TRY(noob_value_node_encoded_size(record, NOOB_VALUE_ROOT, &need));
    noob_buffer_pool *wire_pool = NULL;
    TRY(noob_buffer_pool_new(need, 1, &wire_pool));
    TRY(noob_buffer_pool_acquire(wire_pool, &wire));
    TRY(noob_value_node_encode_into(record, NOOB_VALUE_ROOT, wire.data, wire.len, &written));
    noob_value *back = NULL;
    size_t item = 0;
    int64_t index = 0;
    TRY(noob_value_decode(wire.data, written, &back));
    TRY(noob_value_node_dict_find(back, NOOB_VALUE_ROOT, "index", 5, &item));
    TRY(noob_value_node_get_int(back, item, &index));
    printf("serializer: frame record encoded into a pooled buffer (%zu bytes), decoded index %lld\n",
           written, (long long)index);
    noob_result corrupt = noob_value_decode(wire.data, written - 1, &back);
    printf("decoding a truncated blob: %s (%s)\n", noob_result_str(corrupt), noob_last_error_message());
    noob_value_free(back);
    noob_value_free(record);
    noob_value_builder_free(builder);
    TRY(noob_buffer_pool_release(wire_pool, wire.token));
    TRY(noob_buffer_pool_release(pool, frame.token));
    noob_buffer_pool_free(wire_pool);

    noob_buffer_pool_free(pool);
    return twice == NOOB_ERR_NOT_OUTSTANDING && corrupt == NOOB_ERR_DECODE ? 0 : 1;
}
