/* noob_core demo, C side: a camera-like producer fills pooled frame buffers
 * and hands them on without allocating per frame, serializes a frame record,
 * keeps the newest frames' events in a bounded event store and runs a pipeline graph. */
#include <stdatomic.h>
#include <stdint.h>
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

/* A node callback for the scheduler part: counts its calls (up to 2 at once). */
static uint32_t count_call(void *user_data, uint32_t node) {
    (void)node;
    atomic_fetch_add((atomic_uint *)user_data, 1u);
    return NOOB_OK;
}

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

    /* Event store: a bounded store (100 events) keeps the newest epochs. */
    noob_event_store *store = NULL;
    TRY(noob_event_store_new(100, 0, &store));
    uint32_t camera = 0, frame_signal = 0;
    TRY(noob_event_store_intern(store, "camera", 6, &camera));
    TRY(noob_event_store_intern(store, "frame", 5, &frame_signal));
    for (uint64_t epoch = 0; epoch < 50; epoch++) {
        for (int i = 0; i < 10; i++) {
            uint8_t value[8] = {(uint8_t)epoch, (uint8_t)i};
            TRY(noob_event_store_add(store, camera, frame_signal, epoch, value, sizeof value, (double)epoch, NULL));
        }
    }
    noob_event_store_stats store_stats;
    TRY(noob_event_store_get_stats(store, &store_stats));
    noob_event_list *latest = NULL;
    noob_event_view view;
    TRY(noob_event_store_get_latest(store, camera, frame_signal, &latest));
    TRY(noob_event_list_get(latest, 0, &view));
    printf("event store (cache_size 100): 500 events added over 50 epochs, %zu kept in %zu epochs, "
           "%llu epochs evicted (oldest first, up to epoch %llu); latest camera/frame event: epoch %llu\n",
           store_stats.events, store_stats.epochs, (unsigned long long)store_stats.evicted_epochs,
           (unsigned long long)store_stats.highest_evicted_epoch, (unsigned long long)view.epoch);
    noob_event_list_free(latest);
    noob_event_list *evicted = NULL;
    const noob_event_view *views = NULL;
    size_t found = 0;
    TRY(noob_event_store_get(store, camera, frame_signal, 0, &evicted));
    TRY(noob_event_list_views(evicted, &views, &found));
    printf("asking for evicted epoch 0: %zu events (not found, not an error)\n", found);
    noob_event_list_free(evicted);
    noob_event_store_free(store);

    /* Scheduler: a camera pipeline's graph, run on 2 threads, then a cycle refused. */
    static const char pipeline[] = "camera\0denoise\0camera\0detect\0denoise\0track\0detect\0track\0track\0save";
    noob_graph_builder *graph_builder = NULL;
    noob_graph *graph = NULL;
    TRY(noob_graph_builder_new(&graph_builder));
    TRY(noob_graph_builder_add_edges_text(graph_builder, pipeline, sizeof pipeline - 1));
    TRY(noob_graph_builder_build(graph_builder, &graph));
    noob_run_summary summary;
    atomic_uint calls = 0;
    TRY(noob_graph_run(graph, 2, 0, count_call, &calls, NULL, 0, &summary));
    const uint32_t *order = NULL;
    size_t order_len = 0;
    TRY(noob_graph_topological_order(graph, &order, &order_len));
    printf("scheduler: %zu nodes ran on %u threads; order", summary.ran, summary.workers);
    for (size_t i = 0; i < order_len; i++) {
        const char *name = NULL;
        size_t len = 0;
        TRY(noob_graph_node_name(graph, order[i], &name, &len));
        printf("%s %s", i ? " ->" : ":", name);
    }
    printf("\n");
    /* A successful build empties its builder: the same edges again, plus a loop back. */
    TRY(noob_graph_builder_add_edges_text(graph_builder, pipeline, sizeof pipeline - 1));
    TRY(noob_graph_builder_add_edge_names(graph_builder, "save", 4, "camera", 6));
    noob_graph *cyclic = NULL;
    noob_result cycle = noob_graph_builder_build(graph_builder, &cyclic);
    printf("adding save -> camera: %s (%s)\n", noob_result_str(cycle), noob_last_error_message());
    noob_graph_builder_free(graph_builder);
    noob_graph_free(graph);
    return twice == NOOB_ERR_NOT_OUTSTANDING && corrupt == NOOB_ERR_DECODE && found == 0 &&
                   cycle == NOOB_ERR_CYCLE && atomic_load(&calls) == summary.ran
               ? 0
               : 1;
}
