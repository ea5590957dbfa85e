// Parallel DAG execution from C/C++: oneTBB's flow graph against noob_graph_run,
// side by side in one process, on the shared benchmark graphs.
//
//   python3 benches/tbb/dump_graphs.py /tmp/graphs
//   g++ -O2 -std=c++17 benches/tbb/flowgraph_vs_noob.cpp -I include \
//       -L target/release -lnoob_core -ltbb -Wl,-rpath,$PWD/target/release -o /tmp/fg
//   /tmp/fg /tmp/graphs [repeats]
//
// Rows: build per node, run with empty tasks per node at 1 and 2 threads, and the
// wide graph with about 50 µs of CPU work per node at 1 and 2 threads (speedup).
// Repeats are interleaved (TBB, noob, TBB, noob, ...) and the median is reported.
#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>
#include <tbb/version.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

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
    double build, run;
};

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
        for (size_t i = 0; i < nodes.size(); i++)
            if (!has_pred[i]) nodes[i].try_put(tbb::flow::continue_msg());
        flow.wait_for_all();
        t.run = seconds_since(r0);
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
    ok(noob_graph_run(graph, static_cast<uint32_t>(threads), 0, noob_node, &work, nullptr, 0, &summary), "run");
    t.run = seconds_since(r0);
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
    int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
    uint64_t work50 = calibrate(50.0);
    std::printf("libnoob_core %s, oneTBB %d.%d, %d interleaved repeats, medians\n", noob_version(),
                TBB_VERSION_MAJOR, TBB_VERSION_MINOR, repeats);
    std::printf("| graph | task | threads | TBB build ns/node | noob build ns/node | TBB run ns/node | "
                "noob run ns/node | noob / TBB (run) |\n|---|---|---|---|---|---|---|---|\n");
    struct Case {
        const char *graph;
        const char *task;
        uint64_t work;
    };
    const Case cases[] = {{"layered_10000", "empty", 0}, {"wide_10000", "empty", 0}, {"wide_10000", "50 us", work50}};
    for (const Case &c : cases) {
        Graph g = load(dir + "/" + c.graph + ".txt");
        double n = static_cast<double>(g.names.size());
        int reps = c.work ? 3 : repeats;
        double run_at_one[2] = {0, 0};
        for (int threads : {1, 2}) {
            std::vector<double> tb, nb, tr, nr;
            for (int r = 0; r < reps; r++) {
                Timing a = run_tbb(g, threads, c.work);
                Timing b = run_noob(g, threads, c.work);
                tb.push_back(a.build), tr.push_back(a.run), nb.push_back(b.build), nr.push_back(b.run);
            }
            double trm = median(tr), nrm = median(nr);
            std::printf("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.2fx |\n", c.graph, c.task, threads,
                        median(tb) / n * 1e9, median(nb) / n * 1e9, trm / n * 1e9, nrm / n * 1e9, nrm / trm);
            if (threads == 1) run_at_one[0] = trm, run_at_one[1] = nrm;
            else if (c.work)
                std::printf("| %s | %s | speedup 1 -> 2 | | | TBB %.2fx | noob %.2fx | |\n", c.graph, c.task,
                            run_at_one[0] / trm, run_at_one[1] / nrm);
        }
    }
    return 0;
}
