//! Replays every `tests/noob_fixtures/*.script` on the Rust core and compares the output
//! with `<name>.expected`, which was recorded from noob-core 0.2.1 (the oracle) by
//! `tests/noob_oracle/replay.py` in a fresh process. Each fixture runs in its own child
//! process because the item interner is process-wide and its order is observable.

mod noob_replay;

use std::path::{Path, PathBuf};
use std::process::Command;

const ONE: &str = "NOOB_REPLAY_ONE_FIXTURE";
const THROUGH_C_ABI: &str = "NOOB_REPLAY_THROUGH_C_ABI";

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/noob_fixtures");
    let mut list: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "script"))
        .collect();
    list.sort();
    list
}

#[test]
fn every_fixture_matches_the_oracle() {
    replay_all(false);
}

/// The same through the C ABI, decoding every output from its word encoding.
#[test]
fn every_fixture_matches_the_oracle_through_the_c_abi() {
    replay_all(true);
}

fn replay_all(through_c_abi: bool) {
    let list = fixtures();
    assert!(
        list.len() >= 10,
        "expected the committed fixtures, found {list:?}"
    );
    let exe = std::env::current_exe().expect("test binary");
    let mut failures = Vec::new();
    for script in &list {
        let output = Command::new(&exe)
            .args([
                "replay_one_fixture",
                "--exact",
                "--include-ignored",
                "--nocapture",
            ])
            .env(ONE, script)
            .env(THROUGH_C_ABI, if through_c_abi { "1" } else { "0" })
            .output()
            .expect("run the test binary");
        if !output.status.success() {
            failures.push(format!(
                "{}:\n{}",
                script.display(),
                String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .filter(|l| l.starts_with("  "))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Child side of `every_fixture_matches_the_oracle` (runs one fixture named by the
/// environment, in a fresh process).
#[test]
#[ignore = "run by every_fixture_matches_the_oracle in a child process"]
fn replay_one_fixture() {
    let script = PathBuf::from(std::env::var_os(ONE).expect("run through the parent test"));
    let text = std::fs::read_to_string(&script).expect("script");
    let expected = std::fs::read_to_string(script.with_extension("expected")).expect("expected");
    let ours = if std::env::var(THROUGH_C_ABI).as_deref() == Ok("1") {
        noob_replay::ffi::run(&text)
    } else {
        noob_replay::run(&text)
    };
    let expected: Vec<&str> = expected.lines().collect();
    let ours: Vec<&str> = ours.lines().collect();
    for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
        if a != b {
            println!("  line {i}\n  oracle: {b}\n  ours:   {a}");
            panic!("mismatch");
        }
    }
    if ours.len() != expected.len() {
        println!("  {} lines, oracle has {}", ours.len(), expected.len());
        panic!("length mismatch");
    }
}
