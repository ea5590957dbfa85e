/* FastEventStore from C: names, adds, gets, latest, batches, clearing, a bounded
 * store evicting its oldest epochs, lists outliving the store, bad input and
 * many threads adding, reading and clearing at once. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static noob_event_store_stats stats_of(const noob_event_store *store) {
    noob_event_store_stats stats;
    memset(&stats, 0, sizeof stats);
    noob_event_store_get_stats(store, &stats);
    return stats;
}

static size_t len_of(const noob_event_store *store) {
    size_t len = 0;
    noob_event_store_len(store, &len);
    return len;
}

static int view_is(const noob_event_view *v, const char *node, const char *signal, uint64_t epoch,
                   const char *value) {
    return v->node_name_len == strlen(node) && memcmp(v->node_name, node, v->node_name_len) == 0 &&
           v->signal_name_len == strlen(signal) && memcmp(v->signal_name, signal, v->signal_name_len) == 0 &&
           v->epoch == epoch && v->value_len == strlen(value) && memcmp(v->value, value, v->value_len) == 0;
}

static void test_add_by_name_and_get(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(0, 0, &store));
    uint64_t first = 0, second = 0, third = 0;
    CHECK_OK(noob_event_store_add_named(store, "camera", 6, "frame", 5, 3, (const uint8_t *)"abc", 3, 1.5, &first));
    CHECK_OK(noob_event_store_add_named(store, "camera", 6, "frame", 5, 3, (const uint8_t *)"de", 2, 2.5, &second));
    CHECK_OK(noob_event_store_add_named(store, "camera", 6, "meta", 4, 3, NULL, 0, 3.5, &third));
    CHECK(first < second && second < third); /* unique and increasing */
    CHECK(len_of(store) == 3);

    noob_event_list *list = NULL;
    const noob_event_view *views = NULL;
    size_t n = 0;
    CHECK_OK(noob_event_store_get_named(store, "camera", 6, "frame", 5, 3, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 2);
    CHECK(views[0].id == first && view_is(&views[0], "camera", "frame", 3, "abc") && views[0].timestamp == 1.5);
    CHECK(views[1].id == second && view_is(&views[1], "camera", "frame", 3, "de"));
    noob_event_list_free(list);

    /* An empty value is a valid, empty buffer. */
    CHECK_OK(noob_event_store_get_named(store, "camera", 6, "meta", 4, 3, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 1 && views[0].value != NULL && views[0].value_len == 0);
    noob_event_list_free(list);

    /* Not found is an empty list: unknown names, unknown epochs. */
    CHECK_OK(noob_event_store_get_named(store, "nobody", 6, "frame", 5, 3, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 0 && views == NULL);
    noob_event_list_free(list);
    CHECK_OK(noob_event_store_get_named(store, "camera", 6, "frame", 5, 4, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 0);
    noob_event_list_free(list);
    noob_event_store_free(store);
}

static void test_ids_latest_and_refillable_list(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(0, 0, &store));
    uint32_t node = 0, signal = 0, again = 0;
    CHECK_OK(noob_event_store_intern(store, "sensor", 6, &node));
    CHECK_OK(noob_event_store_intern(store, "value", 5, &signal));
    CHECK_OK(noob_event_store_intern(store, "sensor", 6, &again));
    CHECK(again == node && signal != node);
    const char *text = NULL;
    size_t text_len = 0;
    CHECK_OK(noob_event_store_name(store, signal, &text, &text_len));
    CHECK(text_len == 5 && memcmp(text, "value", 5) == 0);

    uint64_t last = 0;
    for (uint64_t epoch = 0; epoch < 5; epoch++) {
        uint8_t byte = (uint8_t)(10 + epoch);
        CHECK_OK(noob_event_store_add(store, node, signal, epoch, &byte, 1, (double)epoch, &last));
    }
    noob_event_list *list = NULL;
    noob_event_view view;
    CHECK_OK(noob_event_list_new(&list));
    CHECK_OK(noob_event_store_get_latest_into(store, node, signal, list));
    CHECK_OK(noob_event_list_get(list, 0, &view));
    CHECK(view.id == last && view.epoch == 4 && view.value[0] == 14);
    CHECK_RESULT(noob_event_list_get(list, 1, &view), NOOB_ERR_INVALID_ARGUMENT);

    /* Refilled in place, for one key then another. */
    CHECK_OK(noob_event_store_get_into(store, node, signal, 2, list));
    CHECK_OK(noob_event_list_get(list, 0, &view));
    CHECK(view.epoch == 2 && view.value[0] == 12);

    /* The latest moves back when the newest epoch is cleared. */
    size_t removed = 0;
    CHECK_OK(noob_event_store_clear_epoch(store, 4, &removed));
    CHECK(removed == 1);
    CHECK_OK(noob_event_store_get_latest_into(store, node, signal, list));
    CHECK_OK(noob_event_list_get(list, 0, &view));
    CHECK(view.epoch == 3);
    noob_event_list_free(list);
    noob_event_store_free(store);
}

static void test_batch_add_get_and_columns(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(0, 0, &store));
    uint32_t a = 0, b = 0, sig = 0;
    CHECK_OK(noob_event_store_intern(store, "a", 1, &a));
    CHECK_OK(noob_event_store_intern(store, "b", 1, &b));
    CHECK_OK(noob_event_store_intern(store, "s", 1, &sig));
    /* Three events, values "x", "yy", "zzz" joined back to back. */
    uint32_t nodes[] = {a, b, a};
    uint32_t signals[] = {sig, sig, sig};
    uint64_t epochs[] = {1, 1, 2};
    double stamps[] = {0.1, 0.2, 0.3};
    size_t lens[] = {1, 2, 3};
    uint64_t ids[3] = {0, 0, 0};
    CHECK_OK(noob_event_store_add_batch(store, 3, nodes, signals, epochs, stamps, (const uint8_t *)"xyyzzz", 6,
                                        lens, ids));
    CHECK(ids[1] == ids[0] + 1 && ids[2] == ids[1] + 1);

    /* Lengths that do not add up: refused, nothing added, ids untouched. */
    uint64_t untouched[3] = {7, 7, 7};
    CHECK_RESULT(noob_event_store_add_batch(store, 3, nodes, signals, epochs, stamps, (const uint8_t *)"xyyzzz", 5,
                                            lens, untouched),
                 NOOB_ERR_INVALID_ARGUMENT);
    CHECK(untouched[0] == 7 && len_of(store) == 3);

    /* One call for four keys, one of them absent. */
    uint32_t qn[] = {a, b, a, b};
    uint32_t qs[] = {sig, sig, sig, sig};
    uint64_t qe[] = {2, 1, 1, 2};
    size_t counts[4];
    noob_event_list *list = NULL;
    CHECK_OK(noob_event_store_get_batch(store, 4, qn, qs, qe, counts, &list));
    CHECK(counts[0] == 1 && counts[1] == 1 && counts[2] == 1 && counts[3] == 0);
    noob_event_columns cols;
    CHECK_OK(noob_event_list_columns(list, &cols));
    CHECK(cols.len == 3);
    CHECK(cols.ids[0] == ids[2] && cols.ids[1] == ids[1] && cols.ids[2] == ids[0]);
    CHECK(cols.value_offsets[0] == 0 && cols.value_offsets[3] == 6);
    CHECK(memcmp(cols.values, "zzzyyx", 6) == 0);
    CHECK(cols.timestamps[0] == 0.3 && cols.epochs[1] == 1 && cols.nodes[1] == b);
    noob_event_list_free(list);

    /* Every event of one epoch, in insertion order; the epochs retained. */
    const noob_event_view *views = NULL;
    size_t n = 0;
    CHECK_OK(noob_event_store_get_epoch(store, 1, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 2 && views[0].id == ids[0] && views[1].id == ids[1]);
    noob_event_list_free(list);
    uint64_t have[1];
    size_t count = 0;
    CHECK_RESULT(noob_event_store_epochs(store, have, 1, &count), NOOB_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 2);
    uint64_t all[2];
    CHECK_OK(noob_event_store_epochs(store, all, 2, &count));
    CHECK(count == 2 && all[0] == 1 && all[1] == 2);
    noob_event_store_free(store);
}

static void test_bounded_store_evicts_oldest_epochs(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(10, 0, &store)); /* cache_size = 10 events */
    for (uint64_t epoch = 0; epoch < 6; epoch++) {
        for (int i = 0; i < 4; i++) {
            CHECK_OK(noob_event_store_add_named(store, "n", 1, "s", 1, epoch, (const uint8_t *)"v", 1, 0.0, NULL));
        }
    }
    noob_event_store_stats stats = stats_of(store);
    CHECK(stats.events <= 10 && stats.events == len_of(store));
    CHECK(stats.evicted_events == 24 - stats.events && stats.evicted_epochs == (24 - stats.events) / 4);
    CHECK(stats.highest_evicted_epoch == stats.evicted_epochs - 1 && stats.max_events == 10);
    /* An evicted epoch is simply not found; the newest is kept. */
    noob_event_list *list = NULL;
    size_t n = 99;
    const noob_event_view *views = NULL;
    CHECK_OK(noob_event_store_get_named(store, "n", 1, "s", 1, 0, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 0);
    noob_event_list_free(list);
    CHECK_OK(noob_event_store_get_named(store, "n", 1, "s", 1, 5, &list));
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 4);
    noob_event_list_free(list);
    noob_event_store_free(store);

    /* A byte bound: 100-byte values, at most 250 bytes. */
    uint8_t value[100];
    memset(value, 1, sizeof value);
    CHECK_OK(noob_event_store_new(0, 250, &store));
    for (uint64_t epoch = 0; epoch < 5; epoch++) {
        CHECK_OK(noob_event_store_add_named(store, "n", 1, "s", 1, epoch, value, sizeof value, 0.0, NULL));
    }
    stats = stats_of(store);
    CHECK(stats.bytes <= 250 && stats.events == 2 && stats.evicted_epochs == 3);
    noob_event_store_free(store);
}

static void test_lists_outlive_clear_close_and_free(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(0, 0, &store));
    CHECK_OK(noob_event_store_add_named(store, "n", 1, "s", 1, 7, (const uint8_t *)"kept", 4, 1.0, NULL));
    noob_event_list *list = NULL;
    const noob_event_view *views = NULL;
    size_t n = 0, removed = 0;
    CHECK_OK(noob_event_store_get_named(store, "n", 1, "s", 1, 7, &list));
    CHECK_OK(noob_event_store_clear_epoch(store, 7, &removed));
    CHECK(removed == 1 && len_of(store) == 0);
    CHECK_OK(noob_event_store_clear_epoch(store, 7, &removed)); /* clearing again: 0, not an error */
    CHECK(removed == 0);
    CHECK_OK(noob_event_store_clear_epoch(store, 123456, NULL));
    CHECK_OK(noob_event_store_close(store));
    CHECK_OK(noob_event_store_close(store)); /* closing twice is fine */
    noob_event_store_free(store);
    /* The list still holds the event, names and value. */
    CHECK_OK(noob_event_list_views(list, &views, &n));
    CHECK(n == 1 && view_is(&views[0], "n", "s", 7, "kept"));
    noob_event_list_free(list);
}

static void test_bad_input_is_refused_and_changes_nothing(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(0, 0, &store));
    uint64_t id = 42;
    CHECK_OK(noob_event_store_add_named(store, "n", 1, "s", 1, 0, (const uint8_t *)"v", 1, 0.0, &id));
    uint64_t before = id;
    noob_event_list *list = NULL;

    CHECK_RESULT(noob_event_store_add_named(NULL, "n", 1, "s", 1, 0, NULL, 0, 0.0, &id), NOOB_ERR_NULL_POINTER);
    CHECK_RESULT(noob_event_store_add_named(store, "", 0, "s", 1, 0, NULL, 0, 0.0, &id), NOOB_ERR_INVALID_ARGUMENT);
    CHECK_RESULT(noob_event_store_add_named(store, "\xff\xfe", 2, "s", 1, 0, NULL, 0, 0.0, &id),
                 NOOB_ERR_INVALID_UTF8);
    CHECK_RESULT(noob_event_store_add_named(store, NULL, 3, "s", 1, 0, NULL, 0, 0.0, &id), NOOB_ERR_NULL_POINTER);
    CHECK_RESULT(noob_event_store_add_named(store, "n", 1, "s", 1, 0, NULL, 5, 0.0, &id), NOOB_ERR_NULL_POINTER);
    CHECK_RESULT(noob_event_store_add(store, 999, 0, 0, NULL, 0, 0.0, &id), NOOB_ERR_UNKNOWN_NAME);
    /* Too large a value is refused (before it is read: malloc leaves the pages unmapped). */
    uint8_t *huge = malloc((size_t)NOOB_EVENT_STORE_MAX_VALUE_LEN + 1);
    if (huge != NULL) {
        noob_result r = noob_event_store_add_named(store, "n", 1, "s", 1, 0, huge,
                                                   (size_t)NOOB_EVENT_STORE_MAX_VALUE_LEN + 1, 0.0, &id);
        free(huge);
        CHECK(r == NOOB_ERR_LIMIT_EXCEEDED);
    }
    CHECK(id == before && len_of(store) == 1);

    CHECK_RESULT(noob_event_store_get_named(store, "\xc3", 1, "s", 1, 0, &list), NOOB_ERR_INVALID_UTF8);
    CHECK_RESULT(noob_event_store_get_named(store, "n", 1, "s", 1, 0, NULL), NOOB_ERR_NULL_POINTER);
    CHECK(list == NULL); /* outputs untouched on failure */
    uint32_t unknown = 0;
    CHECK_RESULT(noob_event_store_lookup(store, "missing", 7, &unknown), NOOB_ERR_UNKNOWN_NAME);
    CHECK_RESULT(noob_event_list_views(NULL, NULL, NULL), NOOB_ERR_NULL_POINTER);

    /* A closed store refuses everything but close, stats and free. */
    CHECK_OK(noob_event_store_close(store));
    CHECK_RESULT(noob_event_store_add_named(store, "n", 1, "s", 1, 0, NULL, 0, 0.0, &id), NOOB_ERR_STORE_CLOSED);
    CHECK_RESULT(noob_event_store_get_named(store, "n", 1, "s", 1, 0, &list), NOOB_ERR_STORE_CLOSED);
    CHECK_RESULT(noob_event_store_clear_epoch(store, 0, NULL), NOOB_ERR_STORE_CLOSED);
    size_t len = 0;
    CHECK_RESULT(noob_event_store_len(store, &len), NOOB_ERR_STORE_CLOSED);
    CHECK(strstr(noob_last_error_message(), "closed") != NULL);
    CHECK(stats_of(store).events == 0 && stats_of(store).added == 1);
    noob_event_store_free(store);
    noob_event_store_free(NULL);
    noob_event_list_free(NULL);
}

/* Many threads on one store: writers add to their own nodes, readers get and
 * clear at once. Afterwards every event of the epochs nobody cleared is there
 * exactly once, with its own value. */
enum { WRITERS = 4, EPOCHS = 200, PER_EPOCH = 5, CLEARED_FROM = 150 };

typedef struct {
    noob_event_store *store;
    int index;
    uint64_t *ids; /* EPOCHS * PER_EPOCH */
    int failures;
} thread_args;

static void *writer(void *raw) {
    thread_args *args = raw;
    char node[16];
    int node_len = snprintf(node, sizeof node, "writer-%d", args->index);
    for (uint64_t epoch = 0; epoch < EPOCHS; epoch++) {
        for (int i = 0; i < PER_EPOCH; i++) {
            uint32_t value[2] = {(uint32_t)args->index, (uint32_t)(epoch * PER_EPOCH + (uint64_t)i)};
            if (noob_event_store_add_named(args->store, node, (size_t)node_len, "v", 1, epoch,
                                           (const uint8_t *)value, sizeof value, (double)epoch,
                                           &args->ids[epoch * PER_EPOCH + (uint64_t)i]) != NOOB_OK)
                args->failures++;
        }
    }
    return NULL;
}

static void *reader(void *raw) {
    thread_args *args = raw;
    noob_event_list *list = NULL;
    if (noob_event_list_new(&list) != NOOB_OK) {
        args->failures++;
        return NULL;
    }
    for (int round = 0; round < 2000; round++) {
        uint32_t node = 0, signal = 0;
        if (noob_event_store_lookup(args->store, "writer-0", 8, &node) != NOOB_OK ||
            noob_event_store_lookup(args->store, "v", 1, &signal) != NOOB_OK)
            continue; /* not added yet */
        if (noob_event_store_get_latest_into(args->store, node, signal, list) != NOOB_OK) args->failures++;
        const noob_event_view *views = NULL;
        size_t n = 0;
        noob_event_list_views(list, &views, &n);
        /* Whatever is found is whole: writer 0's value, 8 bytes. */
        if (n > 1 || (n == 1 && (views[0].value_len != 8 || memcmp(views[0].value, "\0\0\0\0", 4) != 0)))
            args->failures++;
        uint64_t epoch = CLEARED_FROM + (uint64_t)(round % (EPOCHS - CLEARED_FROM));
        if (round % 10 == 0 && noob_event_store_clear_epoch(args->store, epoch, NULL) != NOOB_OK) args->failures++;
    }
    noob_event_list_free(list);
    return NULL;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void test_many_threads_add_get_and_clear(void) {
    noob_event_store *store = NULL;
    CHECK_OK(noob_event_store_new(0, 0, &store));
    pthread_t threads[WRITERS + 1];
    thread_args args[WRITERS + 1];
    for (int t = 0; t <= WRITERS; t++) {
        args[t] = (thread_args){store, t, calloc(EPOCHS * PER_EPOCH, sizeof(uint64_t)), 0};
        CHECK(args[t].ids != NULL);
        CHECK(pthread_create(&threads[t], NULL, t < WRITERS ? writer : reader, &args[t]) == 0);
    }
    int failures = 0;
    for (int t = 0; t <= WRITERS; t++) {
        pthread_join(threads[t], NULL);
        failures += args[t].failures;
    }
    CHECK(failures == 0);

    /* Ids: unique across all threads. */
    size_t total = (size_t)WRITERS * EPOCHS * PER_EPOCH;
    uint64_t *all = malloc(total * sizeof(uint64_t));
    CHECK(all != NULL);
    for (int t = 0; t < WRITERS; t++)
        memcpy(all + (size_t)t * EPOCHS * PER_EPOCH, args[t].ids, EPOCHS * PER_EPOCH * sizeof(uint64_t));
    qsort(all, total, sizeof(uint64_t), compare_u64);
    int duplicates = 0;
    for (size_t i = 1; i < total; i++) duplicates |= all[i] == all[i - 1];
    free(all);
    CHECK(!duplicates);

    /* Epochs before CLEARED_FROM were never cleared: each writer's events are all there, in order. */
    noob_event_list *list = NULL;
    CHECK_OK(noob_event_list_new(&list));
    uint32_t signal = 0;
    CHECK_OK(noob_event_store_lookup(store, "v", 1, &signal));
    for (int t = 0; t < WRITERS; t++) {
        char node_name[16];
        int node_len = snprintf(node_name, sizeof node_name, "writer-%d", t);
        uint32_t node = 0;
        CHECK_OK(noob_event_store_lookup(store, node_name, (size_t)node_len, &node));
        for (uint64_t epoch = 0; epoch < CLEARED_FROM; epoch++) {
            const noob_event_view *views = NULL;
            size_t n = 0;
            CHECK_OK(noob_event_store_get_into(store, node, signal, epoch, list));
            CHECK_OK(noob_event_list_views(list, &views, &n));
            CHECK(n == PER_EPOCH);
            for (size_t i = 0; i < n; i++) {
                uint32_t value[2];
                memcpy(value, views[i].value, sizeof value);
                CHECK(views[i].id == args[t].ids[epoch * PER_EPOCH + i]);
                CHECK(value[0] == (uint32_t)t && value[1] == epoch * PER_EPOCH + i);
            }
        }
    }
    noob_event_list_free(list);
    noob_event_store_stats stats = stats_of(store);
    CHECK(stats.added == total);
    CHECK(stats.events + stats.cleared_events == total);
    for (int t = 0; t <= WRITERS; t++) free(args[t].ids);
    noob_event_store_free(store);
}

int main(void) {
    RUN(test_add_by_name_and_get);
    RUN(test_ids_latest_and_refillable_list);
    RUN(test_batch_add_get_and_columns);
    RUN(test_bounded_store_evicts_oldest_epochs);
    RUN(test_lists_outlive_clear_close_and_free);
    RUN(test_bad_input_is_refused_and_changes_nothing);
    RUN(test_many_threads_add_get_and_clear);
    return CHECK_SUMMARY();
}
