//! The committed header is exactly what build.rs generates from the sources
//! (regenerate with `NOOB_WRITE_HEADER=1 cargo build`), and it states the
//! crate's version.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/noob_core.h"));
const COMMITTED: &str = include_str!("../include/noob_core.h");

#[test]
fn committed_header_is_fresh() {
    assert!(
        GENERATED == COMMITTED,
        "include/noob_core.h is stale: run `NOOB_WRITE_HEADER=1 cargo build` and commit it"
    );
}

#[test]
fn header_version_macros_match_cargo() {
    let define = |name: &str| -> String {
        COMMITTED
            .lines()
            .find_map(|line| line.strip_prefix(&format!("#define {name} ")))
            .unwrap_or_else(|| panic!("{name} missing"))
            .trim()
            .to_string()
    };
    let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    assert_eq!(define("NOOB_VERSION_MAJOR"), major.to_string());
    assert_eq!(define("NOOB_VERSION_MINOR"), minor.to_string());
    assert_eq!(define("NOOB_VERSION_PATCH"), patch.to_string());
    assert_eq!(
        define("NOOB_VERSION_NUMBER"),
        (major * 1_000_000 + minor * 1_000 + patch).to_string()
    );
    assert_eq!(
        define("NOOB_VERSION_STRING"),
        format!("\"{}\"", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn header_constants_are_plain_literals() {
    let defines = COMMITTED.lines().filter(|l| l.starts_with("#define NOOB_"));
    // The include guard has no value.
    for line in defines.filter(|l| l.split_whitespace().count() > 2) {
        let value = line.split_whitespace().nth(2).unwrap();
        let plain =
            value.parse::<i64>().is_ok() || (value.starts_with('"') && value.ends_with('"'));
        assert!(plain, "not a plain literal: {line}");
    }
}

#[test]
fn header_defines_only_noob_names() {
    // A C program includes this header next to its own names: a stray `#define NODES` or a
    // type without our prefix would collide with them.
    for line in COMMITTED.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let name = match words.as_slice() {
            ["#define", name, ..] => *name,
            // `typedef struct name {` or `typedef enum name {`
            ["typedef", _, name, "{"] => *name,
            // a function pointer: `typedef ret (*name)(args);`
            ["typedef", ..] if line.contains("(*") => {
                let start = line.find("(*").unwrap() + 2;
                &line[start..start + line[start..].find(')').unwrap()]
            }
            // `typedef ... name;`
            ["typedef", .., last] => last.trim_end_matches(';'),
            _ => continue,
        };
        assert!(
            name.starts_with("NOOB_") || name.starts_with("noob_"),
            "the header defines a name outside the noob namespace: {line}"
        );
    }
}
