//! The same replay as [`super::run`], but every scheduler call goes through the C ABI
//! (`noob_epoch_scheduler_*`, `noob_item_*`) and every output is decoded from its word
//! encoding — what a Python wrapper does. Outputs must equal the oracle's just the same.

use super::*;
use noob_core::ffi::noob::*;
use noob_core::ffi::result::noob_result;
use noob_core::noob::{ItemInfo, SorterState};
use std::ptr::{null, null_mut};

fn code_error(code: noob_result) -> NoobError {
    match code {
        noob_result::NOOB_ERR_EPOCH_COMPLETED => NoobError::EpochCompleted(Epoch::root_of(0)),
        noob_result::NOOB_ERR_EPOCH_EXISTS => NoobError::EpochExists(Epoch::root_of(0)),
        noob_result::NOOB_ERR_ITEM_NOT_ADDED => NoobError::NotAdded(String::new()),
        noob_result::NOOB_ERR_ITEM_ALREADY_DONE => NoobError::AlreadyDone(String::new()),
        noob_result::NOOB_ERR_EPOCH_VALUE => NoobError::Value(String::new()),
        other => panic!("unexpected result code {other:?}"),
    }
}

fn check(code: noob_result) -> Result<(), NoobError> {
    if code == noob_result::NOOB_OK {
        Ok(())
    } else {
        Err(code_error(code))
    }
}

fn view(v: &noob_words) -> Vec<u32> {
    if v.len == 0 {
        return Vec::new();
    }
    // SAFETY: valid until the next call on the scheduler; copied right away.
    unsafe { std::slice::from_raw_parts(v.words, v.len) }.to_vec()
}

fn no_words() -> noob_words {
    noob_words {
        words: null(),
        len: 0,
    }
}

/// `(root, path words, depth)` of an epoch argument.
fn arg(e: &Epoch) -> (u32, Vec<u32>, usize) {
    let path = e.path().iter().flat_map(|&(n, i)| [n, i]).collect();
    (e.root(), path, e.path().len())
}

fn epochs(words: &[u32]) -> Vec<Epoch> {
    let mut out = Vec::new();
    let mut rest = words;
    while !rest.is_empty() {
        let (e, used) = Epoch::from_words(rest).expect("epoch output");
        out.push(e);
        rest = &rest[used..];
    }
    out
}

fn lookup(node: &str, signal: &str) -> Option<u32> {
    let mut id = 0;
    // SAFETY: valid texts and out pointer.
    let code = unsafe {
        if signal == "-" {
            noob_item_lookup_node(node.as_ptr().cast(), node.len(), &mut id)
        } else {
            noob_item_lookup_signal(
                node.as_ptr().cast(),
                node.len(),
                signal.as_ptr().cast(),
                signal.len(),
                &mut id,
            )
        }
    };
    (code == noob_result::NOOB_OK).then_some(id)
}

struct Ffi(*mut noob_epoch_scheduler);

impl Drop for Ffi {
    fn drop(&mut self) {
        // SAFETY: created by noob_epoch_scheduler_new, freed once.
        unsafe { noob_epoch_scheduler_free(self.0) };
    }
}

impl Ffi {
    fn ended(
        &self,
        e: &Epoch,
        f: impl FnOnce(u32, *const u32, usize, *mut noob_words) -> noob_result,
    ) -> Result<Vec<Epoch>, NoobError> {
        let (root, path, depth) = arg(e);
        let mut out = no_words();
        check(f(root, path.as_ptr(), depth, &mut out))?;
        Ok(epochs(&view(&out)))
    }

    fn query(&self, q: u32, e: &Epoch) -> bool {
        let (root, path, depth) = arg(e);
        let mut answer = false;
        // SAFETY: live scheduler, valid arrays and out pointer.
        let code = unsafe {
            noob_epoch_scheduler_epoch_query(self.0, q, root, path.as_ptr(), depth, &mut answer)
        };
        assert_eq!(code, noob_result::NOOB_OK);
        answer
    }

    fn status(&self) -> (bool, bool, bool, Option<u32>) {
        let (mut a, mut x, mut c, mut found, mut root) = (false, false, false, false, 0);
        // SAFETY: live scheduler, valid out pointers.
        let code = unsafe {
            noob_epoch_scheduler_status(self.0, &mut a, &mut x, &mut c, &mut found, &mut root)
        };
        assert_eq!(code, noob_result::NOOB_OK);
        (a, x, c, found.then_some(root))
    }

    fn list(&self, which: u32) -> Vec<u32> {
        let mut out = no_words();
        // SAFETY: live scheduler, valid out pointer.
        let code = unsafe { noob_epoch_scheduler_list(self.0, which, &mut out) };
        assert_eq!(code, noob_result::NOOB_OK);
        view(&out)
    }

    fn ready(&self, e: Option<&Epoch>) -> Vec<(Epoch, u32)> {
        let (root, path, depth) = e.map_or((0, Vec::new(), 0), arg);
        let mut out = no_words();
        // SAFETY: live scheduler, valid arrays and out pointer.
        let code = unsafe {
            noob_epoch_scheduler_get_ready(
                self.0,
                e.is_none(),
                root,
                path.as_ptr(),
                depth,
                &mut out,
            )
        };
        assert_eq!(code, noob_result::NOOB_OK);
        let words = view(&out);
        let mut pairs = Vec::new();
        let mut rest = &words[..];
        while !rest.is_empty() {
            let (epoch, used) = Epoch::from_words(rest).unwrap();
            let count = rest[used] as usize;
            for &node in &rest[used + 1..used + 1 + count] {
                pairs.push((epoch.clone(), node));
            }
            rest = &rest[used + 1 + count..];
        }
        pairs
    }

    fn state(&self, e: &Epoch) -> Result<SorterState, NoobError> {
        let (root, path, depth) = arg(e);
        let mut out = no_words();
        // SAFETY: live scheduler, valid arrays and out pointer.
        check(unsafe {
            noob_epoch_scheduler_epoch_state(self.0, root, path.as_ptr(), depth, &mut out)
        })?;
        let w = view(&out);
        let mut at = 0;
        let mut take = |n: usize| {
            let s = w[at..at + n].to_vec();
            at += n;
            s
        };
        let mut lists = Vec::new();
        for _ in 0..6 {
            let n = take(1)[0] as usize;
            lists.push(take(n));
        }
        let mut counter = || {
            let v = take(2);
            (v[0] as u64 | (v[1] as u64) << 32) as i64
        };
        let (npassedout, nfinished) = (counter(), counter());
        let n = take(1)[0] as usize;
        let mut info = Vec::new();
        for _ in 0..n {
            let head = take(2);
            let ns = take(1)[0] as usize;
            let successors = take(ns);
            let np = take(1)[0] as usize;
            let predecessors = take(np);
            let no = take(1)[0] as usize;
            let pairs = take(2 * no);
            let nos = take(1)[0] as usize;
            info.push(ItemInfo {
                item: head[0],
                nqueue: head[1] as i32 as i64,
                successors,
                predecessors,
                optional_predecessors: pairs.chunks(2).map(|p| (p[0], p[1])).collect(),
                optional_successors: take(nos),
            });
        }
        let mut lists = lists.into_iter();
        let mut next = || lists.next().unwrap();
        Ok(SorterState {
            ready: next(),
            out: next(),
            done: next(),
            disabled: next(),
            ran: next(),
            pending: next(),
            npassedout,
            nfinished,
            info,
        })
    }
}

/// Runs `script` through the C ABI; same output format as [`super::run`].
pub fn run(script: &str) -> String {
    let mut node_text = String::new();
    let mut node_lens = Vec::new();
    let mut flags = Vec::new();
    let mut edge_text = String::new();
    let mut edge_lens = Vec::new();
    let mut required = Vec::new();
    let mut sched: Option<Ffi> = None;
    let mut out = Vec::new();
    for line in script.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let t: Vec<&str> = line.split(' ').collect();
        let flag = |i: usize| t[i] == "1";
        match t[0] {
            "N" => {
                node_text.push_str(t[1]);
                node_lens.push(t[1].len());
                let mut f = if flag(2) { NOOB_NODE_ENABLED } else { 0 };
                if t[3] != "-" {
                    f |= NOOB_NODE_STATEFUL_SET;
                    if t[3] == "1" {
                        f |= NOOB_NODE_STATEFUL;
                    }
                }
                flags.push(f);
                continue;
            }
            "E" => {
                for name in &t[1..5] {
                    edge_text.push_str(name);
                    edge_lens.push(name.len());
                }
                required.push(u8::from(flag(5)));
                continue;
            }
            "B" => {
                let mut s = null_mut();
                // SAFETY: valid texts, arrays and out pointer.
                let code = unsafe {
                    noob_epoch_scheduler_new(
                        node_text.as_ptr().cast(),
                        node_text.len(),
                        node_lens.as_ptr(),
                        flags.as_ptr(),
                        flags.len(),
                        edge_text.as_ptr().cast(),
                        edge_text.len(),
                        edge_lens.as_ptr(),
                        required.as_ptr(),
                        required.len(),
                        &mut s,
                    )
                };
                assert_eq!(code, noob_result::NOOB_OK);
                sched = Some(Ffi(s));
                out.push("B: ok".to_string());
                continue;
            }
            _ => {}
        }
        let s = sched.as_ref().expect("B before calls");
        let p = s.0;
        let e = || parse_epoch(t[1]);
        let result = match t[0] {
            "add_epoch" => {
                let mut root = 0;
                // SAFETY: live scheduler, valid out pointer.
                res(
                    check(unsafe { noob_epoch_scheduler_add_epoch(p, &mut root) }),
                    |_| root.to_string(),
                )
            }
            "add_epoch_at" => {
                let epoch = e();
                let (root, path, depth) = arg(&epoch);
                // SAFETY: live scheduler, valid path.
                let code =
                    unsafe { noob_epoch_scheduler_add_epoch_at(p, root, path.as_ptr(), depth) };
                res(check(code), |_| fmt_epoch(&epoch))
            }
            "is_active" => b(s.status().0),
            "is_active_at" => b(s.query(NOOB_QUERY_IS_ACTIVE_AT, &e())),
            "epoch_completed" => b(s.query(NOOB_QUERY_EPOCH_COMPLETED, &e())),
            "sources_finished" => b(s.query(NOOB_QUERY_SOURCES_FINISHED, &e())),
            "get_ready" => fmt_pairs(&s.ready(None)),
            "get_ready_at" => fmt_pairs(&s.ready(Some(&e()))),
            "node_is_ready" | "node_is_done" => {
                let epoch = parse_epoch(t[2]);
                let (root, path, depth) = arg(&epoch);
                let answer = lookup(t[1], "-").ok_or_else(unknown).and_then(|node| {
                    let mut answer = false;
                    // SAFETY: live scheduler, valid path and out pointer.
                    check(unsafe {
                        noob_epoch_scheduler_node_query(
                            p,
                            node,
                            root,
                            path.as_ptr(),
                            depth,
                            t[0] == "node_is_done",
                            t.get(3) == Some(&"1"),
                            &mut answer,
                        )
                    })
                    .map(|()| answer)
                });
                res(answer, b)
            }
            "done" | "expire" => {
                let epoch = e();
                let expire = t[0] == "expire";
                let ended = lookup(t[2], t[3]).ok_or_else(unknown).and_then(|item| {
                    s.ended(&epoch, |root, path, depth, out| {
                        // SAFETY: live scheduler, valid path and out pointer.
                        unsafe {
                            noob_epoch_scheduler_finish(
                                p,
                                root,
                                path,
                                depth,
                                item,
                                expire,
                                flag(4),
                                expire && flag(5),
                                out,
                            )
                        }
                    })
                });
                res(ended, |v| fmt_epochs(&v))
            }
            "end_epoch" => res(
                s.ended(&e(), |root, path, depth, out| {
                    // SAFETY: live scheduler, valid path and out pointer.
                    unsafe { noob_epoch_scheduler_end_epoch(p, root, path, depth, out) }
                }),
                |v| fmt_epochs(&v),
            ),
            "update" => {
                let mut words = Vec::new();
                for ev in t
                    .get(1)
                    .copied()
                    .unwrap_or("")
                    .split(';')
                    .filter(|x| !x.is_empty())
                {
                    let f: Vec<&str> = ev.split(',').collect();
                    let Some(node) = lookup(f[1], "-") else {
                        continue;
                    };
                    let signal = lookup(f[1], f[2]).unwrap_or(NOOB_NO_ITEM);
                    let mut fl = 0;
                    if f[3] == "1" {
                        fl |= NOOB_EVENT_NO_EVENT;
                    }
                    if f[4] == "1" {
                        fl |= NOOB_EVENT_EXHAUSTED;
                    }
                    words.extend([fl, node, signal]);
                    parse_epoch(f[0]).write_words(&mut words);
                }
                let mut ended = no_words();
                // SAFETY: live scheduler, valid events and out pointer.
                let code = unsafe {
                    noob_epoch_scheduler_update(p, words.as_ptr(), words.len(), &mut ended)
                };
                res(check(code), |()| fmt_epochs(&epochs(&view(&ended))))
            }
            "first_active_epoch" => s
                .status()
                .3
                .map_or("None".into(), |r| fmt_epoch(&Epoch::root_of(r))),
            "has_cycle" => b(s.status().2),
            "exhausted" => b(s.status().1),
            "generations" => {
                let w = s.list(NOOB_LIST_GENERATIONS);
                let mut batches = Vec::new();
                let mut rest = &w[..];
                while let Some((&n, tail)) = rest.split_first() {
                    let names: Vec<String> =
                        tail[..n as usize].iter().map(|&i| fmt_item(i)).collect();
                    batches.push(names.join(","));
                    rest = &tail[n as usize..];
                }
                batches.join("|")
            }
            "source_nodes" => s
                .list(NOOB_LIST_SOURCE_NODES)
                .iter()
                .map(|&i| fmt_item(i))
                .collect::<Vec<_>>()
                .join(","),
            "epoch_log" => s
                .list(NOOB_LIST_EPOCH_LOG)
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
            "subepochs" => {
                let w = s.list(NOOB_LIST_SUBEPOCHS);
                let mut all = Vec::new();
                let mut rest = &w[..];
                while !rest.is_empty() {
                    let (key, used) = Epoch::from_words(rest).unwrap();
                    let n = rest[used] as usize;
                    rest = &rest[used + 1..];
                    let mut list = Vec::new();
                    for _ in 0..n {
                        let (sub, used) = Epoch::from_words(rest).unwrap();
                        list.push(fmt_epoch(&sub));
                        rest = &rest[used..];
                    }
                    list.sort();
                    all.push(format!("{}=[{}]", fmt_epoch(&key), list.join(",")));
                }
                all.sort();
                all.join(" ")
            }
            "upstream_nodes" => {
                let nodes = lookup(t[1], "-").ok_or_else(unknown).and_then(|node| {
                    let mut w = no_words();
                    // SAFETY: live scheduler, valid out pointer.
                    check(unsafe { noob_epoch_scheduler_upstream_nodes(p, node, &mut w) })
                        .map(|()| view(&w))
                });
                res(nodes, |v| fmt_set(&v))
            }
            "state" => res(s.state(&e()), |st| fmt_state(&st)),
            other => panic!("unknown command {other:?}"),
        };
        out.push(format!("{}: {}", t[0], result));
    }
    out.join("\n")
}
