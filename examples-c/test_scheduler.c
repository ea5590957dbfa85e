/* The scheduler from C: building graphs, cycles, drives in both styles, the
 * marking errors, and parallel runs with a failing node. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* a -> b -> d, a -> c -> d, e alone. */
static const char EDGES[] = "a\0b\0a\0c\0b\0d\0c\0d";

static noob_graph *build_text(const char *names, size_t len, const char *isolated, size_t isolated_len) {
    noob_graph_builder *builder = NULL;
    noob_graph *graph = NULL;
    if (noob_graph_builder_new(&builder) != NOOB_OK) return NULL;
    if (isolated_len && noob_graph_builder_add_nodes(builder, isolated, isolated_len, NULL, 0, NULL) != NOOB_OK) {
        noob_graph_builder_free(builder);
        return NULL;
    }
    if (noob_graph_builder_add_edges_text(builder, names, len) != NOOB_OK ||
        noob_graph_builder_build(builder, &graph) != NOOB_OK)
        graph = NULL;
    noob_graph_builder_free(builder);
    return graph;
}

static uint32_t id_of(const noob_graph *graph, const char *name) {
    uint32_t id = UINT32_MAX;
    noob_graph_node_id(graph, name, strlen(name), &id);
    return id;
}

static int name_is(const noob_graph *graph, uint32_t id, const char *want) {
    const char *name = NULL;
    size_t len = 0;
    if (noob_graph_node_name(graph, id, &name, &len) != NOOB_OK) return 0;
    return len == strlen(want) && memcmp(name, want, len) == 0 && name[len] == '\0';
}

static void test_build_by_ids_and_query(void) {
    noob_graph_builder *builder = NULL;
    noob_graph *graph = NULL;
    uint32_t ids[4];
    size_t count = 0;
    CHECK_OK(noob_graph_builder_new(&builder));
    CHECK_OK(noob_graph_builder_add_nodes(builder, "a\0b\0c\0d\0", 8, ids, 4, &count));
    CHECK(count == 4 && ids[0] == 0 && ids[3] == 3);
    const uint32_t pairs[] = {0, 1, 0, 2, 1, 3, 2, 3, 1, 3}; /* the last edge repeats */
    CHECK_OK(noob_graph_builder_add_edges(builder, pairs, 5));
    CHECK_RESULT(noob_graph_builder_add_edge(builder, 0, 9), NOOB_ERR_UNKNOWN_NODE);
    CHECK_OK(noob_graph_builder_build(builder, &graph));
    noob_graph_builder_free(builder);

    noob_graph_info info;
    CHECK_OK(noob_graph_get_info(graph, &info));
    CHECK(info.node_count == 4 && info.edge_count == 4 && info.repeated_edges == 1);
    CHECK(info.generation_count == 3 && info.heap_bytes > 0);
    const uint32_t *view = NULL;
    CHECK_OK(noob_graph_successors(graph, 0, &view, &count));
    CHECK(count == 2 && view[0] == 1 && view[1] == 2);
    CHECK_OK(noob_graph_predecessors(graph, 3, &view, &count));
    CHECK(count == 2 && view[0] == 1 && view[1] == 2);
    CHECK_RESULT(noob_graph_successors(graph, 4, &view, &count), NOOB_ERR_UNKNOWN_NODE);
    CHECK_OK(noob_graph_topological_order(graph, &view, &count));
    CHECK(count == 4 && view[0] == 0 && view[3] == 3);
    const uint32_t *starts = NULL;
    size_t generations = 0;
    CHECK_OK(noob_graph_generations(graph, &starts, &generations));
    CHECK(generations == 3 && starts[0] == 0 && starts[1] == 1 && starts[2] == 3 && starts[3] == 4);
    const char *text = NULL;
    size_t len = 0;
    CHECK_OK(noob_graph_names(graph, &text, &len));
    CHECK(len == 8 && memcmp(text, "a\0b\0c\0d\0", 8) == 0);
    CHECK(name_is(graph, 2, "c"));
    noob_graph_free(graph);
}

static void test_cycle_is_reported_with_its_nodes(void) {
    noob_graph_builder *builder = NULL;
    noob_graph *graph = NULL;
    CHECK_OK(noob_graph_builder_new(&builder));
    static const char cyclic[] = "x\0a\0a\0b\0b\0c\0c\0a";
    CHECK_OK(noob_graph_builder_add_edges_text(builder, cyclic, sizeof cyclic - 1));
    CHECK_RESULT(noob_graph_builder_build(builder, &graph), NOOB_ERR_CYCLE);
    CHECK(graph == NULL);
    CHECK(strstr(noob_last_error_message(), "\"a\" -> \"b\" -> \"c\" -> \"a\"") != NULL);
    const uint32_t *cycle = NULL;
    size_t count = 0;
    CHECK_OK(noob_graph_builder_cycle(builder, &cycle, &count));
    CHECK(count == 3 && cycle[0] == 1 && cycle[1] == 2 && cycle[2] == 3);
    noob_graph_builder_free(builder);

    /* A self-loop is a cycle of one node. */
    CHECK_OK(noob_graph_builder_new(&builder));
    CHECK_OK(noob_graph_builder_add_edge_names(builder, "s", 1, "s", 1));
    CHECK_RESULT(noob_graph_builder_build(builder, &graph), NOOB_ERR_CYCLE);
    CHECK_OK(noob_graph_builder_cycle(builder, &cycle, &count));
    CHECK(count == 1 && cycle[0] == 0);
    noob_graph_builder_free(builder);
}

static void test_bad_input_is_refused(void) {
    noob_graph_builder *builder = NULL;
    CHECK_OK(noob_graph_builder_new(&builder));
    CHECK_RESULT(noob_graph_builder_add_node(builder, "", 0, NULL), NOOB_ERR_INVALID_ARGUMENT);
    CHECK_RESULT(noob_graph_builder_add_node(builder, "\xff", 1, NULL), NOOB_ERR_INVALID_UTF8);
    CHECK_RESULT(noob_graph_builder_add_node(builder, NULL, 3, NULL), NOOB_ERR_NULL_POINTER);
    CHECK_RESULT(noob_graph_builder_add_edges_text(builder, "a\0b\0c", 5), NOOB_ERR_INVALID_ARGUMENT);
    size_t count = 99;
    CHECK_OK(noob_graph_builder_node_count(builder, &count));
    CHECK(count == 0); /* refused calls added nothing */
    CHECK_RESULT(noob_graph_builder_build(NULL, NULL), NOOB_ERR_NULL_POINTER);
    noob_graph_builder_free(builder);
    noob_graph_builder_free(NULL);
    noob_graph_free(NULL);
    noob_scheduler_free(NULL);
    noob_scheduler *scheduler = NULL;
    CHECK_RESULT(noob_scheduler_new(NULL, &scheduler), NOOB_ERR_NULL_POINTER);
    CHECK(scheduler == NULL);
}

static void test_empty_graph(void) {
    noob_graph_builder *builder = NULL;
    noob_graph *graph = NULL;
    noob_scheduler *scheduler = NULL;
    CHECK_OK(noob_graph_builder_new(&builder));
    CHECK_OK(noob_graph_builder_build(builder, &graph));
    noob_graph_builder_free(builder);
    CHECK_OK(noob_scheduler_new(graph, &scheduler));
    bool done = false;
    size_t count = 7;
    CHECK_OK(noob_scheduler_is_done(scheduler, &done));
    CHECK(done);
    CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, NULL, 0, &count));
    CHECK(count == 0);
    noob_scheduler_free(scheduler);
    noob_graph_free(graph);
}

/* The edges seed API: get a batch, mark one done at a time, newly ready nodes out. */
static void test_drive_one_at_a_time(void) {
    noob_graph *graph = build_text(EDGES, sizeof EDGES - 1, "e", 1);
    CHECK(graph != NULL);
    noob_scheduler *scheduler = NULL;
    CHECK_OK(noob_scheduler_new(graph, &scheduler));
    noob_graph_free(graph); /* the scheduler keeps the graph alive */
    uint32_t ready[5], fresh[5];
    size_t count = 0, fresh_count = 0;
    CHECK_OK(noob_scheduler_get_ready(scheduler, 1, ready, 5, &count));
    CHECK(count == 1 && ready[0] == 0); /* e, the first source */
    CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, ready + 1, 4, &count));
    CHECK(count == 1 && ready[1] == 1); /* a */
    CHECK_OK(noob_scheduler_mark_done(scheduler, 1, fresh, 5, &fresh_count));
    CHECK(fresh_count == 2 && fresh[0] == 2 && fresh[1] == 3); /* b, c in id order */
    CHECK_OK(noob_scheduler_mark_done(scheduler, 0, fresh, 5, &fresh_count));
    CHECK(fresh_count == 0);
    CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, ready, 5, &count));
    CHECK(count == 2);
    CHECK_OK(noob_scheduler_mark_done(scheduler, 3, NULL, 0, NULL));
    CHECK_OK(noob_scheduler_mark_done(scheduler, 2, fresh, 1, &fresh_count));
    CHECK(fresh_count == 1 && fresh[0] == 4); /* d */
    noob_scheduler_counts counts;
    CHECK_OK(noob_scheduler_get_counts(scheduler, &counts));
    CHECK(counts.node_count == 5 && counts.ready == 1 && counts.handed_out == 0 && counts.done == 4);
    bool done = true;
    CHECK_OK(noob_scheduler_is_done(scheduler, &done));
    CHECK(!done);
    CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, ready, 5, &count));
    CHECK_OK(noob_scheduler_mark_done(scheduler, ready[0], NULL, 0, NULL));
    CHECK_OK(noob_scheduler_is_done(scheduler, &done));
    CHECK(done);
    noob_scheduler_free(scheduler);
}

/* The batch API: every ready node at once, the whole batch marked in one call. */
static void test_drive_in_batches_is_reproducible(void) {
    noob_graph *graph = build_text(EDGES, sizeof EDGES - 1, "e", 1);
    CHECK(graph != NULL);
    noob_scheduler *scheduler = NULL;
    CHECK_OK(noob_scheduler_new(graph, &scheduler));
    uint32_t order[2][5];
    for (int round = 0; round < 2; round++) {
        uint32_t batch[5], fresh[5];
        size_t count = 0, fresh_count = 0, taken = 0;
        bool done = false;
        while (noob_scheduler_is_done(scheduler, &done) == NOOB_OK && !done) {
            CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, batch, 5, &count));
            CHECK(count > 0 && taken + count <= 5);
            memcpy(order[round] + taken, batch, count * sizeof batch[0]);
            taken += count;
            CHECK_OK(noob_scheduler_mark_done_many(scheduler, batch, count, fresh, 5, &fresh_count));
        }
        CHECK(taken == 5);
        CHECK_OK(noob_scheduler_reset(scheduler));
    }
    CHECK(memcmp(order[0], order[1], sizeof order[0]) == 0);
    /* The documented order: sources in id order, then in the order they became ready. */
    const uint32_t expected[5] = {0, 1, 2, 3, 4};
    CHECK(memcmp(order[0], expected, sizeof expected) == 0);
    /* A too-small array hands out nothing and says how many are ready. */
    uint32_t one[1];
    size_t count = 0;
    CHECK_RESULT(noob_scheduler_get_ready(scheduler, SIZE_MAX, one, 1, &count), NOOB_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 2);
    noob_scheduler_free(scheduler);
    noob_graph_free(graph);
}

static void test_marking_errors_change_nothing(void) {
    noob_graph *graph = build_text(EDGES, sizeof EDGES - 1, NULL, 0);
    CHECK(graph != NULL);
    noob_scheduler *scheduler = NULL;
    CHECK_OK(noob_scheduler_new(graph, &scheduler));
    uint32_t a = id_of(graph, "a"), b = id_of(graph, "b"), d = id_of(graph, "d");
    CHECK_RESULT(noob_scheduler_mark_done(scheduler, 77, NULL, 0, NULL), NOOB_ERR_UNKNOWN_NODE);
    CHECK_RESULT(noob_scheduler_mark_done(scheduler, a, NULL, 0, NULL), NOOB_ERR_NOT_HANDED_OUT);
    CHECK(strstr(noob_last_error_message(), "\"a\"") != NULL);
    CHECK_RESULT(noob_scheduler_mark_done(scheduler, d, NULL, 0, NULL), NOOB_ERR_NOT_HANDED_OUT);
    uint32_t ready[4];
    size_t count = 0;
    CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, ready, 4, &count));
    CHECK(count == 1 && ready[0] == a);
    CHECK_OK(noob_scheduler_mark_done(scheduler, a, NULL, 0, NULL));
    CHECK_RESULT(noob_scheduler_mark_done(scheduler, a, NULL, 0, NULL), NOOB_ERR_ALREADY_DONE);
    CHECK_OK(noob_scheduler_get_ready(scheduler, SIZE_MAX, ready, 4, &count));
    CHECK(count == 2);
    const uint32_t twice[] = {b, b};
    CHECK_RESULT(noob_scheduler_mark_done_many(scheduler, twice, 2, NULL, 0, NULL), NOOB_ERR_ALREADY_DONE);
    CHECK_RESULT(noob_scheduler_mark_done_many(scheduler, NULL, 2, NULL, 0, NULL), NOOB_ERR_NULL_POINTER);
    /* A newly-ready array that is too small: nothing marked, the size needed out. */
    uint32_t fresh[1];
    size_t need = 0;
    CHECK_RESULT(noob_scheduler_mark_done_many(scheduler, ready, 2, fresh, 0, &need), NOOB_ERR_BUFFER_TOO_SMALL);
    CHECK(need == 1);
    noob_scheduler_counts counts;
    CHECK_OK(noob_scheduler_get_counts(scheduler, &counts));
    CHECK(counts.done == 1 && counts.handed_out == 2);
    CHECK_OK(noob_scheduler_mark_done_many(scheduler, ready, 2, fresh, 1, &need));
    CHECK(need == 1 && fresh[0] == d);
    noob_scheduler_free(scheduler);
    noob_graph_free(graph);
}

/* Parallel runs: every node once, after its predecessors; a failing node skips its
 * dependents only. */
typedef struct {
    const noob_graph *graph;
    uint32_t fail_node;
    pthread_mutex_t lock;
    unsigned char *finished; /* per node, set when its callback returns */
    int order_violations;
    int calls;
} run_state;

static uint32_t node_callback(void *user_data, uint32_t node) {
    run_state *state = user_data;
    const uint32_t *preds = NULL;
    size_t count = 0;
    /* Read-only graph calls are allowed from callbacks. */
    uint32_t code = noob_graph_predecessors(state->graph, node, &preds, &count);
    pthread_mutex_lock(&state->lock);
    state->calls++;
    for (size_t i = 0; i < count; i++)
        if (!state->finished[preds[i]]) state->order_violations++;
    pthread_mutex_unlock(&state->lock);
    if (node == state->fail_node) return 42;
    pthread_mutex_lock(&state->lock);
    state->finished[node] = 1;
    pthread_mutex_unlock(&state->lock);
    return code;
}

static void test_parallel_run_with_a_failing_node(void) {
    /* src -> w0..w63 -> sink, plus w5 -> t5 -> u5. */
    enum { WIDTH = 64 };
    noob_graph_builder *builder = NULL;
    noob_graph *graph = NULL;
    CHECK_OK(noob_graph_builder_new(&builder));
    char to[16];
    for (int i = 0; i < WIDTH; i++) {
        int n = snprintf(to, sizeof to, "w%d", i);
        CHECK_OK(noob_graph_builder_add_edge_names(builder, "src", 3, to, (size_t)n));
        CHECK_OK(noob_graph_builder_add_edge_names(builder, to, (size_t)n, "sink", 4));
    }
    CHECK_OK(noob_graph_builder_add_edge_names(builder, "w5", 2, "t5", 2));
    CHECK_OK(noob_graph_builder_add_edge_names(builder, "t5", 2, "u5", 2));
    CHECK_OK(noob_graph_builder_build(builder, &graph));
    noob_graph_builder_free(builder);
    size_t n = WIDTH + 4;

    for (uint32_t workers = 1; workers <= 4; workers++) {
        run_state state = {graph, UINT32_MAX, PTHREAD_MUTEX_INITIALIZER, calloc(n, 1), 0, 0};
        CHECK(state.finished != NULL);
        noob_run_summary summary;
        uint8_t status[WIDTH + 4];
        CHECK_OK(noob_graph_run(graph, workers, 0, node_callback, &state, status, sizeof status, &summary));
        CHECK(summary.ran == n && summary.failed == 0 && summary.skipped == 0);
        CHECK(summary.workers == workers && summary.first_failed_node == UINT32_MAX);
        CHECK(state.calls == (int)n && state.order_violations == 0);

        /* w5 fails: t5, u5 and sink are skipped; every other node runs. */
        memset(state.finished, 0, n);
        state.calls = 0;
        state.fail_node = id_of(graph, "w5");
        CHECK_RESULT(noob_graph_run(graph, workers, 0, node_callback, &state, status, sizeof status, &summary),
                     NOOB_ERR_CALLBACK_FAILED);
        CHECK(strstr(noob_last_error_message(), "w5") != NULL);
        CHECK(summary.failed == 1 && summary.skipped == 3 && summary.ran == n - 4);
        CHECK(summary.first_failed_node == state.fail_node && summary.first_failed_code == 42);
        CHECK(status[state.fail_node] == NOOB_NODE_FAILED);
        CHECK(status[id_of(graph, "t5")] == NOOB_NODE_SKIPPED && status[id_of(graph, "u5")] == NOOB_NODE_SKIPPED);
        CHECK(status[id_of(graph, "sink")] == NOOB_NODE_SKIPPED && status[id_of(graph, "w6")] == NOOB_NODE_RAN);
        CHECK(state.calls == (int)(n - 3) && state.order_violations == 0);
        pthread_mutex_destroy(&state.lock);
        free(state.finished);
    }
    /* Bad arguments: no run starts. */
    noob_run_summary summary;
    uint8_t small[2];
    CHECK_RESULT(noob_graph_run(graph, 2, 0, NULL, NULL, NULL, 0, &summary), NOOB_ERR_NULL_POINTER);
    CHECK_RESULT(noob_graph_run(graph, 2, 0, node_callback, NULL, small, sizeof small, &summary),
                 NOOB_ERR_BUFFER_TOO_SMALL);
    CHECK_RESULT(noob_graph_run(graph, 2, 0x80, node_callback, NULL, NULL, 0, &summary), NOOB_ERR_INVALID_ARGUMENT);
    CHECK_RESULT(noob_graph_run(graph, NOOB_RUN_MAX_WORKERS + 1, 0, node_callback, NULL, NULL, 0, &summary),
                 NOOB_ERR_INVALID_ARGUMENT);
    noob_graph_free(graph);
}

static uint32_t fail_all(void *user_data, uint32_t node) {
    (void)node;
    (*(int *)user_data)++;
    return 7;
}

static void test_stop_on_failure(void) {
    noob_graph *graph = build_text("p\0q\0x\0y\0m\0n", 11, NULL, 0);
    CHECK(graph != NULL);
    int calls = 0;
    noob_run_summary summary;
    CHECK_RESULT(noob_graph_run(graph, 1, NOOB_RUN_STOP_ON_FAILURE, fail_all, &calls, NULL, 0, &summary),
                 NOOB_ERR_CALLBACK_FAILED);
    CHECK(calls == 1 && summary.failed == 1 && summary.skipped == 5 && summary.first_failed_code == 7);
    noob_graph_free(graph);
}

int main(void) {
    RUN(test_build_by_ids_and_query);
    RUN(test_cycle_is_reported_with_its_nodes);
    RUN(test_bad_input_is_refused);
    RUN(test_empty_graph);
    RUN(test_drive_one_at_a_time);
    RUN(test_drive_in_batches_is_reproducible);
    RUN(test_marking_errors_change_nothing);
    RUN(test_parallel_run_with_a_failing_node);
    RUN(test_stop_on_failure);
    return CHECK_SUMMARY();
}
