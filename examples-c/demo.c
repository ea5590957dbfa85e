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

    noob_buffer_pool_free(pool);
    return twice == NOOB_ERR_NOT_OUTSTANDING ? 0 : 1;
}
