/* Two builds of libnoob_core side by side in ONE process (each dlopen'ed with
 * RTLD_LOCAL, so each has its own worker pool), runs interleaved: on a shared, loaded
 * machine this compares two versions of the scheduler far more fairly than two
 * processes run one after the other.
 *
 *   python3 benches/tbb/dump_graphs.py /tmp/graphs
 *   cc -O2 -std=gnu11 benches/tbb/ab_two_builds.c -I include -ldl -o /tmp/ab
 *   /tmp/ab /path/A/libnoob_core.so /path/B/libnoob_core.so /tmp/graphs 21
 *
 * Per round: layered_10000 and wide_10000 with empty callbacks at 2 workers, A then B
 * (B then A on odd rounds), each after building its graph again (as an application
 * would between runs, and as the TBB bench does); every 3rd round also the wide graph
 * with ~50 µs of CPU per node at 1 and 2 workers for each build (paired speedups).
 * Prints medians (ns per node) and the median of the per-round B / A ratios.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "noob_core.h"

typedef struct {
    const char *path;
    noob_result (*builder_new)(noob_graph_builder **);
    noob_result (*add_nodes)(noob_graph_builder *, const char *, size_t, uint32_t *, size_t, size_t *);
    noob_result (*add_edges)(noob_graph_builder *, const uint32_t *, size_t);
    noob_result (*build)(noob_graph_builder *, noob_graph **);
    void (*builder_free)(noob_graph_builder *);
    void (*graph_free)(noob_graph *);
    noob_result (*run)(const noob_graph *, uint32_t, uint32_t, noob_node_callback, void *, uint8_t *, size_t,
                       noob_run_summary *);
} lib_t;

typedef struct {
    char *names; /* NUL-separated */
    size_t names_len, n, m;
    uint32_t *pairs;
} graph_t;

static void *sym(void *h, const char *name) {
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "%s: %s\n", name, dlerror());
        exit(2);
    }
    return p;
}

static lib_t open_lib(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        exit(2);
    }
    lib_t l = {path,
               sym(h, "noob_graph_builder_new"),
               sym(h, "noob_graph_builder_add_nodes"),
               sym(h, "noob_graph_builder_add_edges"),
               sym(h, "noob_graph_builder_build"),
               sym(h, "noob_graph_builder_free"),
               sym(h, "noob_graph_free"),
               sym(h, "noob_graph_run")};
    return l;
}

static graph_t load(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "r");
    graph_t g = {0};
    if (!f || fscanf(f, "%zu", &g.n) != 1) exit(2);
    g.names = malloc(g.n * 64);
    char word[64];
    for (size_t i = 0; i < g.n; i++) {
        if (fscanf(f, "%63s", word) != 1) exit(2);
        size_t k = strlen(word) + 1;
        memcpy(g.names + g.names_len, word, k);
        g.names_len += k;
    }
    if (fscanf(f, "%zu", &g.m) != 1) exit(2);
    g.pairs = malloc(g.m * 2 * sizeof *g.pairs);
    for (size_t i = 0; i < 2 * g.m; i++)
        if (fscanf(f, "%u", &g.pairs[i]) != 1) exit(2);
    fclose(f);
    return g;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static volatile uint64_t sink;
static uint32_t task(void *user_data, uint32_t node) {
    (void)node;
    uint64_t rounds = *(const uint64_t *)user_data, x = 88172645463325252ull;
    for (uint64_t i = 0; i < rounds; i++) x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    sink = x;
    return 0;
}

/* Builds `g` with `l`, runs it once, frees it; returns the run's seconds. */
static double run_once(const lib_t *l, const graph_t *g, uint32_t workers, uint64_t rounds) {
    noob_graph_builder *b;
    noob_graph *graph;
    noob_run_summary s;
    if (l->builder_new(&b) || l->add_nodes(b, g->names, g->names_len, NULL, 0, NULL) ||
        l->add_edges(b, g->pairs, g->m) || l->build(b, &graph))
        exit(3);
    double t0 = now();
    if (l->run(graph, workers, 0, task, &rounds, NULL, 0, &s) || s.ran != g->n) exit(4);
    double t = now() - t0;
    l->graph_free(graph);
    l->builder_free(b);
    return t;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s A.so B.so GRAPH_DIR [ROUNDS]\n", argv[0]);
        return 2;
    }
    lib_t lib[2] = {open_lib(argv[1]), open_lib(argv[2])};
    int rounds = argc > 4 ? atoi(argv[4]) : 21;
    graph_t graphs[2] = {load(argv[3], "layered_10000"), load(argv[3], "wide_10000")};
    const char *names[2] = {"layered_10000", "wide_10000"};
    uint64_t work = 1 << 16; /* calibrate to ~50 µs */
    {
        double t0 = now();
        task(&work, 0);
        work = (uint64_t)(work * 50e-6 / (now() - t0));
    }
    double *t[2][2], *ratio[2], *speedup[2];
    for (int g = 0; g < 2; g++) {
        ratio[g] = malloc(rounds * sizeof(double));
        for (int k = 0; k < 2; k++) t[g][k] = malloc(rounds * sizeof(double));
    }
    for (int k = 0; k < 2; k++) speedup[k] = malloc(rounds * sizeof(double));
    int paired = 0;
    for (int r = 0; r < rounds; r++) {
        for (int g = 0; g < 2; g++) {
            for (int j = 0; j < 2; j++) {
                int k = (r % 2) ? 1 - j : j;
                t[g][k][r] = run_once(&lib[k], &graphs[g], 2, 0);
            }
            ratio[g][r] = t[g][1][r] / t[g][0][r];
        }
        if (r % 3 == 0) {
            for (int j = 0; j < 2; j++) {
                int k = (r % 2) ? 1 - j : j;
                double one = run_once(&lib[k], &graphs[1], 1, work);
                double two = run_once(&lib[k], &graphs[1], 2, work);
                speedup[k][paired] = one / two;
            }
            printf("round %d: 50 us wide, 1 -> 2 workers: A %.2fx, B %.2fx\n", r, speedup[0][paired],
                   speedup[1][paired]);
            paired++;
        }
    }
    printf("A = %s\nB = %s\n%d rounds, empty callbacks, 2 workers, ns per node (median):\n", argv[1], argv[2], rounds);
    for (int g = 0; g < 2; g++) {
        double n = (double)graphs[g].n;
        double a = median(t[g][0], rounds), b = median(t[g][1], rounds);
        printf("  %-14s A %6.1f  B %6.1f  median B/A %.2f\n", names[g], a / n * 1e9, b / n * 1e9,
               median(ratio[g], rounds));
    }
    printf("50 us wide speedup 1 -> 2 workers, median of %d paired: A %.2fx, B %.2fx\n", paired,
           median(speedup[0], paired), median(speedup[1], paired));
    return 0;
}
