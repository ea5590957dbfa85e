//! Replays a noob scheduler script from stdin on the Rust core (see
//! `tests/noob_replay/mod.rs` for the protocol); used by `tests/noob_oracle/differential.py`.

#[path = "../tests/noob_replay/mod.rs"]
mod replay;

use std::io::Read;

fn main() {
    let mut script = String::new();
    std::io::stdin()
        .read_to_string(&mut script)
        .expect("script on stdin");
    println!("{}", replay::run(&script));
}
