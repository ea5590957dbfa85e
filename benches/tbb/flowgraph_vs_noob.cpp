/* Parallel DAG execution from C/C++: oneTBB's flow graph against noob_graph_run,
 * side by side in one process, on the shared benchmark graphs.
 *
 *   python3 benches/tbb/dump_graphs.py /tmp/graphs
 *   g++ -O2 -std=c++17 benches/tbb/flowgraph_vs_noob.cpp -I include \
 *       -L target/release -lnoob_core -ltbb -Wl,-rpath,$PWD/target/release -o /tmp/fg
 *   /tmp/fg /tmp/graphs [repeats]
 *   /tmp/fg /tmp/graphs scaling 10     # only the paired 50 µs speedups, one line each
 *
 * Rows: build per node, run with empty tasks per node at 1 and 2 threads, and the
 * wide graph with about 50 µs of CPU work per node at 1 and 2 threads (speedup).
 * Repeats are interleaved (TBB, noob, TBB, noob, ...) and the median is reported.
 * The speedup row pairs runs: each repeat times TBB at 1 and 2 threads, then noob at
 * 1 and 2, back to back, and the row gives the median of the per-repeat ratios (and
 * the best), so that a load that comes and goes hits both sides of a ratio alike.
 *
 * Instruction counts (repeatable where wall-clock is not), one run after a warm-up
 * run, only the run itself counted (build excluded):
 *
 *   valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/tmp/cg.out \
 *       /tmp/fg /tmp/graphs count noob layered_10000 1
 *   grep -E '^(summary|totals):' /tmp/cg.out      # instructions; divide by the nodes
 */
#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>
#include <tbb/version.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <valgrind/callgrind.h>

#include "noob_core.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Graph {
    std::vector<std::string> names;
    std::vector<std::pair<uint32_t, uint32_t>> edges;
};

Graph load(const std::string &path) {
    std::ifstream in(path);
    Graph g;
    size_t n = 0, m = 0;
    in >> n;
    g.names.resize(n);
    for (auto &name : g.names) in >> name;
    in >> m;
    g.edges.resize(m);
    for (auto &e : g.edges) in >> e.first >> e.second;
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    return g;
}

// CPU work of a fixed number of iterations (calibrated to about `micros` µs).
volatile uint64_t sink;
uint64_t spin(uint64_t iterations) {
    uint64_t x = 88172645463325252ull;
    for (uint64_t i = 0; i < iterations; i++) x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
}
uint64_t calibrate(double micros) {
    uint64_t iterations = 1 << 20;
    auto t0 = Clock::now();
    sink = spin(iterations);
    double took = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    return static_cast<uint64_t>(iterations * micros / took);
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Timing {
    double build, run, cpu;  // cpu: the process's CPU time (all threads) during the run
};

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Counts instructions of the run only when under callgrind with --collect-atstart=no.
bool counting = false;

Timing run_tbb(const Graph &g, int threads, uint64_t work) {
    Timing t{};
    tbb::task_arena arena(threads);
    arena.execute([&] {
        auto b0 = Clock::now();
        tbb::flow::graph flow;
        std::vector<tbb::flow::continue_node<tbb::flow::continue_msg>> nodes;
        nodes.reserve(g.names.size());
        for (size_t i = 0; i < g.names.size(); i++)
            nodes.emplace_back(flow, [work](const tbb::flow::continue_msg &) {
                if (work) sink = spin(work);
            });
        std::vector<bool> has_pred(g.names.size());
        for (auto [a, b] : g.edges) {
            tbb::flow::make_edge(nodes[a], nodes[b]);
            has_pred[b] = true;
        }
        t.build = seconds_since(b0);
        auto r0 = Clock::now();
        double c0 = cpu_seconds();
        if (counting) CALLGRIND_TOGGLE_COLLECT;
        for (size_t i = 0; i < nodes.size(); i++)
            if (!has_pred[i]) nodes[i].try_put(tbb::flow::continue_msg());
        flow.wait_for_all();
        if (counting) CALLGRIND_TOGGLE_COLLECT;
        t.run = seconds_since(r0);
        t.cpu = cpu_seconds() - c0;
    });
    return t;
}

uint32_t noob_node(void *user_data, uint32_t) {
    uint64_t work = *static_cast<uint64_t *>(user_data);
    if (work) sink = spin(work);
    return NOOB_OK;
}

void ok(noob_result r, const char *what) {
    if (r != NOOB_OK) {
        std::fprintf(stderr, "%s: %s\n", what, noob_last_error_message());
        std::exit(1);
    }
}

Timing run_noob(const Graph &g, int threads, uint64_t work) {
    Timing t{};
    auto b0 = Clock::now();
    std::string text;
    for (auto &name : g.names) text += name, text.push_back('\0');
    std::vector<uint32_t> pairs;
    pairs.reserve(g.edges.size() * 2);
    for (auto [a, b] : g.edges) pairs.push_back(a), pairs.push_back(b);
    noob_graph_builder *builder = nullptr;
    noob_graph *graph = nullptr;
    ok(noob_graph_builder_new(&builder), "builder");
    ok(noob_graph_builder_add_nodes(builder, text.data(), text.size(), nullptr, 0, nullptr), "nodes");
    ok(noob_graph_builder_add_edges(builder, pairs.data(), g.edges.size()), "edges");
    ok(noob_graph_builder_build(builder, &graph), "build");
    t.build = seconds_since(b0);
    noob_run_summary summary{};
    auto r0 = Clock::now();
    double c0 = cpu_seconds();
    if (counting) CALLGRIND_TOGGLE_COLLECT;
    ok(noob_graph_run(graph, static_cast<uint32_t>(threads), 0, noob_node, &work, nullptr, 0, &summary), "run");
    if (counting) CALLGRIND_TOGGLE_COLLECT;
    t.run = seconds_since(r0);
    t.cpu = cpu_seconds() - c0;
    if (summary.ran != g.names.size()) std::exit(3);
    noob_graph_free(graph);
    noob_graph_builder_free(builder);
    return t;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
    std::string dir = argc > 1 ? argv[1] : "/tmp/graphs";
    if (argc == 6 && std::string(argv[2]) == "count") {
        // count LIB GRAPH THREADS: a warm-up run, then one counted run, empty tasks.
        std::string lib = argv[3];
        Graph g = load(dir + "/" + argv[4] + ".txt");
        int threads = std::atoi(argv[5]);
        auto once = [&] { return lib == "tbb" ? run_tbb(g, threads, 0) : run_noob(g, threads, 0); };
        once();
        counting = true;
        Timing t = once();
        std::printf("%s %s %d threads: run %.0f ns/node (under valgrind)\n", lib.c_str(), argv[4], threads,
                    t.run / g.names.size() * 1e9);
        return 0;
    }
    if (argc == 4 && std::string(argv[2]) == "scaling") {
        // scaling REPEATS: only the paired 50 µs rows (1 and 2 threads, each library).
        Graph g = load(dir + "/wide_10000.txt");
        uint64_t work = calibrate(50.0);
        for (int r = 0; r < std::atoi(argv[3]); r++) {
            double a1 = run_tbb(g, 1, work).run, a2 = run_tbb(g, 2, work).run;
            double b1 = run_noob(g, 1, work).run, b2 = run_noob(g, 2, work).run;
            std::printf("50 us wide_10000, 1 -> 2 threads: TBB %.2fx, noob %.2fx\n", a1 / a2, b1 / b2);
        }
        return 0;
    }
    int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
    uint64_t work50 = calibrate(50.0);
    std::printf("libnoob_core %s, oneTBB %d.%d, %d interleaved repeats, medians\n", noob_version(),
                TBB_VERSION_MAJOR, TBB_VERSION_MINOR, repeats);
    std::printf("| graph | task | threads | TBB build ns/node | noob build ns/node | TBB run ns/node | "
                "noob run ns/node | noob / TBB (run) |\n|---|---|---|---|---|---|---|---|\n");
    for (const char *name : {"layered_10000", "wide_10000"}) {
        Graph g = load(dir + "/" + name + ".txt");
        double n = static_cast<double>(g.names.size());
        for (int threads : {1, 2}) {
            std::vector<double> tb, nb, tr, nr;
            for (int r = 0; r < repeats; r++) {
                Timing a = run_tbb(g, threads, 0);
                Timing b = run_noob(g, threads, 0);
                tb.push_back(a.build), tr.push_back(a.run), nb.push_back(b.build), nr.push_back(b.run);
            }
            double trm = median(tr), nrm = median(nr);
            std::printf("| %s | empty | %d | %.0f | %.0f | %.0f | %.0f | %.2fx |\n", name, threads,
                        median(tb) / n * 1e9, median(nb) / n * 1e9, trm / n * 1e9, nrm / n * 1e9, nrm / trm);
        }
    }
    // 50 µs per node on the wide graph: paired 1- and 2-thread runs per library.
    Graph g = load(dir + "/wide_10000.txt");
    double n = static_cast<double>(g.names.size());
    int reps = std::max(3, repeats / 2);
    std::vector<double> t1, t2, n1, n2, ts, ns, tc, nc;
    for (int r = 0; r < reps; r++) {
        Timing a1 = run_tbb(g, 1, work50), a2 = run_tbb(g, 2, work50);
        Timing b1 = run_noob(g, 1, work50), b2 = run_noob(g, 2, work50);
        t1.push_back(a1.run), t2.push_back(a2.run), n1.push_back(b1.run), n2.push_back(b2.run);
        ts.push_back(a1.run / a2.run), ns.push_back(b1.run / b2.run);
        tc.push_back(a2.cpu / a1.cpu), nc.push_back(b2.cpu / b1.cpu);
    }
    for (int threads : {1, 2}) {
        double trm = median(threads == 1 ? t1 : t2), nrm = median(threads == 1 ? n1 : n2);
        std::printf("| wide_10000 | 50 us | %d | | | %.0f | %.0f | %.2fx |\n", threads, trm / n * 1e9,
                    nrm / n * 1e9, nrm / trm);
    }
    std::printf("| wide_10000 | 50 us | speedup 1 -> 2, median of %d paired (best) | | | TBB %.2fx (%.2fx) | "
                "noob %.2fx (%.2fx) | |\n",
                reps, median(ts), *std::max_element(ts.begin(), ts.end()), median(ns),
                *std::max_element(ns.begin(), ns.end()));
    // CPU time of the 2-thread run over the 1-thread run: 1.00 means no CPU spent on
    // scheduling, spinning or waiting, whatever the load (2.00 would be a spinning twin).
    std::printf("| wide_10000 | 50 us | CPU time 2 threads / 1 thread, median | | | TBB %.2f | noob %.2f | |\n",
                median(tc), median(nc));
    return 0;
}
