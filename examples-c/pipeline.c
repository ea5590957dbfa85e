/* A small processing pipeline run by libnoob_core's scheduler:
 *
 *   load -> denoise -> detect ----> report
 *       \-> calibrate ------------/
 *
 * Each stage is a C function; noob_graph_run calls each one as soon as the stages
 * it depends on have finished, on two worker threads (denoise and calibrate run at
 * the same time). Stages share one struct; each writes only its own fields, and
 * reads only fields of stages it depends on, so no locking is needed. */
#include <stdio.h>
#include <string.h>

#include "noob_core.h"

enum { SAMPLES = 4096 };

typedef struct {
    double raw[SAMPLES];
    double clean[SAMPLES];
    double gain;
    int events;
    double mean;
} frame;

static uint32_t load(frame *f) {
    for (int i = 0; i < SAMPLES; i++) f->raw[i] = (double)((i * 7919) % 101) - 50.0 + (i % 512 == 0 ? 400.0 : 0.0);
    return NOOB_OK;
}
static uint32_t denoise(frame *f) {
    for (int i = 0; i < SAMPLES; i++) {
        double sum = 0;
        int n = 0;
        for (int j = i - 2; j <= i + 2; j++)
            if (j >= 0 && j < SAMPLES) sum += f->raw[j], n++;
        f->clean[i] = sum / n;
    }
    return NOOB_OK;
}
static uint32_t calibrate(frame *f) {
    double peak = 0;
    for (int i = 0; i < SAMPLES; i++) peak = f->raw[i] > peak ? f->raw[i] : peak;
    f->gain = peak > 0 ? 1.0 / peak : 0; /* 0 would be a failure: report() checks */
    return NOOB_OK;
}
static uint32_t detect(frame *f) {
    f->events = 0;
    for (int i = 0; i < SAMPLES; i++) f->events += f->clean[i] > 50.0;
    return NOOB_OK;
}
static uint32_t report(frame *f) {
    if (f->gain == 0) return 1; /* a failing stage: its dependents would be skipped */
    double sum = 0;
    for (int i = 0; i < SAMPLES; i++) sum += f->clean[i] * f->gain;
    f->mean = sum / SAMPLES;
    return NOOB_OK;
}

/* Stages in the order their names are added, so a node id indexes this table. */
static const char STAGE_NAMES[] = "load\0denoise\0calibrate\0detect\0report";
static uint32_t (*const STAGES[])(frame *) = {load, denoise, calibrate, detect, report};
static const char EDGES[] = "load\0denoise\0load\0calibrate\0denoise\0detect\0detect\0report\0calibrate\0report";

static uint32_t run_stage(void *user_data, uint32_t node) {
    return STAGES[node]((frame *)user_data);
}

#define TRY(call)                                                                      \
    do {                                                                               \
        noob_result r_ = (call);                                                       \
        if (r_ != NOOB_OK) {                                                           \
            fprintf(stderr, "%s: %s (%s)\n", #call, noob_result_str(r_), noob_last_error_message()); \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

int main(void) {
    noob_graph_builder *builder = NULL;
    noob_graph *graph = NULL;
    TRY(noob_graph_builder_new(&builder));
    TRY(noob_graph_builder_add_nodes(builder, STAGE_NAMES, sizeof STAGE_NAMES - 1, NULL, 0, NULL));
    TRY(noob_graph_builder_add_edges_text(builder, EDGES, sizeof EDGES - 1));
    TRY(noob_graph_builder_build(builder, &graph));
    noob_graph_builder_free(builder);

    static frame f;
    noob_run_summary summary;
    TRY(noob_graph_run(graph, 2, 0, run_stage, &f, NULL, 0, &summary));
    printf("pipeline: %zu stages ran on %u workers: %d events, mean %.4f\n", summary.ran, summary.workers,
           f.events, f.mean);

    /* The same graph, driven step by step instead (what an event loop would do). */
    noob_scheduler *scheduler = NULL;
    TRY(noob_scheduler_new(graph, &scheduler));
    uint32_t ready[5];
    size_t count = 0;
    bool done = false;
    printf("step by step:");
    while (noob_scheduler_is_done(scheduler, &done) == NOOB_OK && !done) {
        TRY(noob_scheduler_get_ready(scheduler, SIZE_MAX, ready, 5, &count));
        for (size_t i = 0; i < count; i++) {
            const char *name = NULL;
            size_t len = 0;
            TRY(noob_graph_node_name(graph, ready[i], &name, &len));
            printf(" %s", name);
            if (STAGES[ready[i]](&f) != NOOB_OK) return 1;
        }
        TRY(noob_scheduler_mark_done_many(scheduler, ready, count, NULL, 0, NULL));
        printf(" |");
    }
    printf("\n");
    noob_scheduler_free(scheduler);
    noob_graph_free(graph);
    return f.events > 0 ? 0 : 1;
}
