/* Where does a parallel run's time go? Runs noob_graph_run(graph, 2, ...) 20 times on
 * a graph dumped by dump_graphs.py, time-stamping every callback, and prints per run:
 * start -> first callback, first -> last callback (and the largest gap between two
 * consecutive callbacks), last callback -> noob_graph_run returning.
 *
 *   python3 benches/tbb/dump_graphs.py /tmp/graphs
 *   cc -O2 -std=gnu11 benches/tbb/run_end_probe.c -I include -L <dir with libnoob_core.so> \
 *      -lnoob_core -Wl,-rpath,<same dir> -o /tmp/probe
 *   /tmp/probe /tmp/graphs/layered_10000.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "noob_core.h"
static double *stamp;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static uint32_t rec(void *u, uint32_t n) { (void)u; stamp[n] = now(); return 0; }
int main(int argc, char **argv) {
    (void)argc;
    FILE *f = fopen(argv[1], "r"); size_t n, m; if (fscanf(f, "%zu", &n) != 1) return 2;
    noob_graph_builder *b; noob_graph *g; noob_graph_builder_new(&b);
    char name[64];
    for (size_t i = 0; i < n; i++) { if (fscanf(f, "%63s", name) != 1) return 2; size_t k = 0; while (name[k]) k++; noob_graph_builder_add_node(b, name, k, NULL); }
    if (fscanf(f, "%zu", &m) != 1) return 2;
    for (size_t i = 0; i < m; i++) { unsigned a, c; if (fscanf(f, "%u %u", &a, &c) != 2) return 2; noob_graph_builder_add_edge(b, a, c); }
    noob_graph_builder_build(b, &g);
    stamp = calloc(n, sizeof *stamp);
    for (int r = 0; r < 20; r++) {
        double t0 = now();
        noob_graph_run(g, 2, 0, rec, NULL, NULL, 0, NULL);
        double t1 = now();
        double first = 1e18, last = 0, gap = 0;
        /* biggest gap between consecutive callback times (sorted) */
        for (size_t i = 0; i < n; i++) { if (stamp[i] < first) first = stamp[i]; if (stamp[i] > last) last = stamp[i]; }
        int cmp(const void *a, const void *b);
        qsort(stamp, n, sizeof *stamp, cmp);
        for (size_t i = 1; i < n; i++) if (stamp[i] - stamp[i-1] > gap) gap = stamp[i] - stamp[i-1];
        printf("total %6.0f us: start->first %5.0f, first->last %6.0f (largest gap %6.0f), last->return %5.0f\n", t1 - t0, first - t0, last - first, gap, t1 - last);
    }
    return 0;
}
int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
