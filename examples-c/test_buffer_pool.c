/* BufferPool from C: lending, reuse, bounds, bad releases and many threads. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

static noob_buffer_pool_stats stats_of(const noob_buffer_pool *pool) {
    noob_buffer_pool_stats stats;
    memset(&stats, 0, sizeof stats);
    noob_buffer_pool_get_stats(pool, &stats);
    return stats;
}

static void test_acquire_write_release_reuse(void) {
    noob_buffer_pool *pool = NULL;
    CHECK_OK(noob_buffer_pool_new(4096, 8, &pool));
    noob_buffer first, second;
    CHECK_OK(noob_buffer_pool_acquire(pool, &first));
    CHECK(first.len == 4096);
    CHECK(((uintptr_t)first.data % 64) == 0);
    CHECK(first.data[0] == 0 && first.data[4095] == 0); /* new buffers are zeroed */
    memset(first.data, 0x5A, first.len);
    CHECK_OK(noob_buffer_pool_release(pool, first.token));

    CHECK_OK(noob_buffer_pool_acquire(pool, &second));
    CHECK(second.data == first.data); /* reused, warm */
    CHECK(second.token != first.token);
    noob_buffer_pool_stats stats = stats_of(pool);
    CHECK(stats.hits == 1 && stats.misses == 1 && stats.outstanding == 1);
    CHECK_OK(noob_buffer_pool_release(pool, second.token));
    noob_buffer_pool_free(pool);
}

static void test_prefill_and_max_pooled(void) {
    noob_buffer_pool *pool = NULL;
    size_t added = 0;
    CHECK_OK(noob_buffer_pool_new(256, 3, &pool));
    CHECK_OK(noob_buffer_pool_prefill(pool, 100, &added));
    CHECK(added == 3);
    noob_buffer buffers[5];
    for (int i = 0; i < 5; i++) CHECK_OK(noob_buffer_pool_acquire(pool, &buffers[i]));
    noob_buffer_pool_stats stats = stats_of(pool);
    CHECK(stats.hits == 3 && stats.misses == 2 && stats.pooled == 0 && stats.outstanding == 5);
    for (int i = 0; i < 5; i++) CHECK_OK(noob_buffer_pool_release(pool, buffers[i].token));
    /* The first release goes to this thread's one-buffer cache, three to the shared
     * idle list (max_pooled), and the last is freed. */
    stats = stats_of(pool);
    CHECK(stats.pooled == 4 && stats.discarded == 1 && stats.outstanding == 0);
    noob_buffer_pool_free(pool);
}

static void test_bad_releases_are_refused_and_change_nothing(void) {
    noob_buffer_pool *pool = NULL, *other = NULL;
    CHECK_OK(noob_buffer_pool_new(64, 4, &pool));
    CHECK_OK(noob_buffer_pool_new(64, 4, &other));
    noob_buffer buffer;
    CHECK_OK(noob_buffer_pool_acquire(pool, &buffer));
    CHECK_RESULT(noob_buffer_pool_release(other, buffer.token), NOOB_ERR_WRONG_POOL);
    CHECK(strstr(noob_last_error_message(), "another pool") != NULL);
    CHECK_RESULT(noob_buffer_pool_release(pool, 0), NOOB_ERR_NOT_OUTSTANDING);
    CHECK(stats_of(pool).outstanding == 1);
    CHECK_OK(noob_buffer_pool_release(pool, buffer.token));
    CHECK_RESULT(noob_buffer_pool_release(pool, buffer.token), NOOB_ERR_NOT_OUTSTANDING);
    CHECK(stats_of(pool).outstanding == 0 && stats_of(pool).pooled == 1);
    CHECK_RESULT(noob_buffer_pool_acquire(NULL, &buffer), NOOB_ERR_NULL_POINTER);
    CHECK_RESULT(noob_buffer_pool_new(0, 4, &other), NOOB_ERR_INVALID_ARGUMENT);
    noob_buffer_pool_free(pool);
    noob_buffer_pool_free(other);
    noob_buffer_pool_free(NULL);
}

enum { THREADS = 4, ROUNDS = 5000 };

typedef struct {
    noob_buffer_pool *pool;
    unsigned char mark;
    int failures;
} worker_args;

static void *worker(void *raw) {
    worker_args *args = raw;
    for (int round = 0; round < ROUNDS; round++) {
        noob_buffer buffer;
        if (noob_buffer_pool_acquire(args->pool, &buffer) != NOOB_OK) {
            args->failures++;
            continue;
        }
        memset(buffer.data, args->mark, buffer.len);
        for (size_t i = 0; i < buffer.len; i++) {
            if (buffer.data[i] != args->mark) { /* another holder wrote into our buffer */
                args->failures++;
                break;
            }
        }
        if (noob_buffer_pool_release(args->pool, buffer.token) != NOOB_OK) args->failures++;
    }
    return NULL;
}

static void test_many_threads_never_share_a_buffer(void) {
    noob_buffer_pool *pool = NULL;
    CHECK_OK(noob_buffer_pool_new(512, 4, &pool));
    pthread_t threads[THREADS];
    worker_args args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (worker_args){pool, (unsigned char)(t + 1), 0};
        CHECK(pthread_create(&threads[t], NULL, worker, &args[t]) == 0);
    }
    int failures = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        failures += args[t].failures;
    }
    CHECK(failures == 0);
    noob_buffer_pool_stats stats = stats_of(pool);
    CHECK(stats.outstanding == 0);
    CHECK(stats.hits + stats.misses == (uint64_t)THREADS * ROUNDS);
    CHECK(stats.pooled <= 4); /* the workers' cached buffers went back when they exited */
    noob_buffer_pool_free(pool);
}

int main(void) {
    RUN(test_acquire_write_release_reuse);
    RUN(test_prefill_and_max_pooled);
    RUN(test_bad_releases_are_refused_and_change_nothing);
    RUN(test_many_threads_never_share_a_buffer);
    return CHECK_SUMMARY();
}
