//! Replays a noob scheduler script (the line protocol of `tests/noob_oracle/replay.py`)
//! against the Rust core and prints one canonical line per command, so the output can be
//! compared byte for byte with the same script run on noob-core 0.2.1.
//!
//! Script lines (tokens separated by single spaces; names contain no spaces, `.`, `/`, `:`):
//! `N name enabled stateful` (stateful `-`, `0` or `1`), `E src sig dst slot required`,
//! `B` (build), then scheduler calls named as the Python methods, epochs written as
//! `3` or `3/m:0/n:2`. `update` takes `;`-separated events `epoch,node,signal,no_event,exhausted`.

// Unused by the example binary, which replays on the Rust core only.
#[allow(dead_code)]
pub mod ffi;

use noob_core::noob::intern;
use noob_core::noob::{Epoch, NoobError, Scheduler, SorterState, UpdateEvent};

fn err_name(e: &NoobError) -> &'static str {
    match e {
        NoobError::EpochCompleted(_) => "EpochCompletedError",
        NoobError::EpochExists(_) => "EpochExistsError",
        NoobError::NotAdded(_) => "NotAddedError",
        NoobError::AlreadyDone(_) => "AlreadyDoneError",
        NoobError::Value(_) => "ValueError",
    }
}

fn parse_epoch(token: &str) -> Epoch {
    let mut parts = token.split('/');
    let root: u32 = parts.next().unwrap().parse().expect("epoch root");
    let path = parts
        .map(|seg| {
            let (node, index) = seg.split_once(':').expect("segment node:index");
            (intern::intern_node(node), index.parse().expect("index"))
        })
        .collect();
    Epoch::new(root, path)
}

fn fmt_epoch(e: &Epoch) -> String {
    let mut text = e.root().to_string();
    for &(node, index) in e.path() {
        text.push('/');
        text.push_str(&intern::node_name(node).unwrap());
        text.push(':');
        text.push_str(&index.to_string());
    }
    text
}

fn fmt_item(id: u32) -> String {
    intern::with_names(id, |_, node, name| match name {
        Some(name) => format!("{node}.{name}"),
        None => node.to_string(),
    })
    .unwrap()
}

fn fmt_epochs(list: &[Epoch]) -> String {
    if list.is_empty() {
        return "-".into();
    }
    list.iter().map(fmt_epoch).collect::<Vec<_>>().join(" ")
}

fn fmt_pairs(list: &[(Epoch, u32)]) -> String {
    if list.is_empty() {
        return "-".into();
    }
    list.iter()
        .map(|(e, n)| format!("{}@{}", fmt_item(*n), fmt_epoch(e)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn fmt_set(ids: &[u32]) -> String {
    let mut names: Vec<String> = ids.iter().map(|&i| fmt_item(i)).collect();
    names.sort();
    names.dedup();
    format!("{{{}}}", names.join(","))
}

fn fmt_state(s: &SorterState) -> String {
    let mut info: Vec<String> = s
        .info
        .iter()
        .map(|i| {
            let mut opt_pred: Vec<String> = i
                .optional_predecessors
                .iter()
                .map(|&(a, b)| format!("{}>{}", fmt_item(a), fmt_item(b)))
                .collect();
            opt_pred.sort();
            format!(
                "{}:q={},s={},p={},op={{{}}},os={}",
                fmt_item(i.item),
                i.nqueue,
                fmt_set(&i.successors),
                fmt_set(&i.predecessors),
                opt_pred.join(","),
                fmt_set(&i.optional_successors)
            )
        })
        .collect();
    info.sort();
    format!(
        "ready={} out={} done={} disabled={} ran={} pending={} npassedout={} nfinished={} info=[{}]",
        fmt_set(&s.ready),
        fmt_set(&s.out),
        fmt_set(&s.done),
        fmt_set(&s.disabled),
        fmt_set(&s.ran),
        fmt_set(&s.pending),
        s.npassedout,
        s.nfinished,
        info.join(" ")
    )
}

fn item_id(node: &str, signal: &str) -> Option<u32> {
    if signal == "-" {
        intern::lookup_node(node)
    } else {
        intern::lookup_signal(node, signal)
    }
}

fn unknown() -> NoobError {
    NoobError::NotAdded("never seen".into())
}

fn res<T>(r: Result<T, NoobError>, f: impl FnOnce(T) -> String) -> String {
    match r {
        Ok(v) => f(v),
        Err(e) => format!("ERR {}", err_name(&e)),
    }
}

fn b(v: bool) -> String {
    if v { "True" } else { "False" }.into()
}

/// Runs `script`; returns the output lines joined by `\n`.
pub fn run(script: &str) -> String {
    let mut nodes: Vec<(String, bool, Option<bool>)> = Vec::new();
    let mut edges: Vec<(String, String, String, String, bool)> = Vec::new();
    let mut sched: Option<Scheduler> = None;
    let mut out: Vec<String> = Vec::new();
    for line in script.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let t: Vec<&str> = line.split(' ').collect();
        let flag = |i: usize| t[i] == "1";
        if t[0] == "N" {
            let stateful = match t[3] {
                "-" => None,
                v => Some(v == "1"),
            };
            nodes.push((t[1].into(), flag(2), stateful));
            continue;
        }
        if t[0] == "E" {
            edges.push((t[1].into(), t[2].into(), t[3].into(), t[4].into(), flag(5)));
            continue;
        }
        if t[0] == "B" {
            let n: Vec<(&str, bool, Option<bool>)> =
                nodes.iter().map(|(a, e, s)| (a.as_str(), *e, *s)).collect();
            let e: Vec<(&str, &str, &str, &str, bool)> = edges
                .iter()
                .map(|(a, b, c, d, r)| (a.as_str(), b.as_str(), c.as_str(), d.as_str(), *r))
                .collect();
            sched = Some(Scheduler::from_names(&n, &e));
            out.push("B: ok".into());
            continue;
        }
        let s = sched.as_mut().expect("B before calls");
        let result = match t[0] {
            "add_epoch" => res(s.add_epoch(), |e| fmt_epoch(&e)),
            "add_epoch_at" => res(s.add_epoch_at(&parse_epoch(t[1])), |e| fmt_epoch(&e)),
            "is_active" => b(s.is_active()),
            "is_active_at" => b(s.is_active_at(&parse_epoch(t[1]))),
            "epoch_completed" => b(s.epoch_completed(&parse_epoch(t[1]))),
            "get_ready" => fmt_pairs(&s.get_ready()),
            "get_ready_at" => fmt_pairs(&s.get_ready_at(&parse_epoch(t[1]))),
            "node_is_ready" => res(
                intern::lookup_node(t[1])
                    .ok_or_else(unknown)
                    .and_then(|n| s.node_is_ready(n, &parse_epoch(t[2]), flag(3))),
                b,
            ),
            "node_is_done" => res(
                intern::lookup_node(t[1])
                    .ok_or_else(unknown)
                    .and_then(|n| s.node_is_done(n, &parse_epoch(t[2]))),
                b,
            ),
            "done" => {
                let e = parse_epoch(t[1]);
                res(
                    item_id(t[2], t[3])
                        .ok_or_else(unknown)
                        .and_then(|i| s.done(&e, i, flag(4))),
                    |v| fmt_epochs(&v),
                )
            }
            "expire" => {
                let e = parse_epoch(t[1]);
                res(
                    item_id(t[2], t[3])
                        .ok_or_else(unknown)
                        .and_then(|i| s.expire(&e, i, flag(4), flag(5))),
                    |v| fmt_epochs(&v),
                )
            }
            "update" => {
                let mut events = Vec::new();
                for ev in t
                    .get(1)
                    .copied()
                    .unwrap_or("")
                    .split(';')
                    .filter(|x| !x.is_empty())
                {
                    let f: Vec<&str> = ev.split(',').collect();
                    let Some(node) = intern::lookup_node(f[1]) else {
                        continue;
                    };
                    let signal = intern::lookup_signal(f[1], f[2]);
                    events.push(UpdateEvent {
                        epoch: parse_epoch(f[0]),
                        node,
                        signal,
                        no_event: f[3] == "1",
                        exhausted: f[4] == "1",
                    });
                }
                res(s.update(events), |v| fmt_epochs(&v))
            }
            "end_epoch" => res(s.end_epoch(&parse_epoch(t[1])), |v| fmt_epochs(&v)),
            "first_active_epoch" => s
                .first_active_epoch()
                .map_or("None".into(), |e| fmt_epoch(&e)),
            "sources_finished" => b(s.sources_finished(&parse_epoch(t[1]))),
            "has_cycle" => b(s.has_cycle()),
            "generations" => s
                .generations()
                .iter()
                .map(|g| g.iter().map(|&i| fmt_item(i)).collect::<Vec<_>>().join(","))
                .collect::<Vec<_>>()
                .join("|"),
            "source_nodes" => s
                .source_nodes()
                .iter()
                .map(|&i| fmt_item(i))
                .collect::<Vec<_>>()
                .join(","),
            "upstream_nodes" => res(
                intern::lookup_node(t[1])
                    .ok_or_else(unknown)
                    .and_then(|n| s.upstream_nodes(n)),
                |v| fmt_set(&v),
            ),
            "state" => res(s.epoch_state(&parse_epoch(t[1])), |st| fmt_state(&st)),
            "exhausted" => b(s.exhausted()),
            "epoch_log" => s
                .epoch_log()
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
            "subepochs" => {
                let mut all: Vec<String> = s
                    .subepochs()
                    .iter()
                    .map(|(e, subs)| {
                        let mut list: Vec<String> = subs.iter().map(fmt_epoch).collect();
                        list.sort();
                        format!("{}=[{}]", fmt_epoch(e), list.join(","))
                    })
                    .collect();
                all.sort();
                all.join(" ")
            }
            other => panic!("unknown command {other:?}"),
        };
        out.push(format!("{}: {}", t[0], result));
    }
    out.join("\n")
}
