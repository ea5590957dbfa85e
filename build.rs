//! Generates the C header and sets the shared library's SONAME.
//!
//! The header is always written to `$OUT_DIR/noob_core.h`. It is copied to
//! `include/noob_core.h` only when `NOOB_WRITE_HEADER=1`, so ordinary builds
//! never touch the source tree; a test compares the two.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=NOOB_WRITE_HEADER");

    let major: u32 = env::var("CARGO_PKG_VERSION_MAJOR")
        .unwrap()
        .parse()
        .unwrap();
    let minor: u32 = env::var("CARGO_PKG_VERSION_MINOR")
        .unwrap()
        .parse()
        .unwrap();
    let patch: u32 = env::var("CARGO_PKG_VERSION_PATCH")
        .unwrap()
        .parse()
        .unwrap();

    // Before 1.0 a minor release may break the ABI, so the SONAME carries the minor too.
    let soname = if major == 0 {
        format!("libnoob_core.so.0.{minor}")
    } else {
        format!("libnoob_core.so.{major}")
    };
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }

    // Plain literals: cffi's cdef and some tools cannot evaluate expressions.
    let version_macros = format!(
        "\n#define NOOB_VERSION_MAJOR {major}\n#define NOOB_VERSION_MINOR {minor}\n\
         #define NOOB_VERSION_PATCH {patch}\n#define NOOB_VERSION_NUMBER {}\n\
         #define NOOB_VERSION_STRING \"{major}.{minor}.{patch}\"\n",
        major * 1_000_000 + minor * 1_000 + patch
    );
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .with_after_include(version_macros)
        .generate()
        .expect("cbindgen could not generate the header");
    bindings.write_to_file(out_dir.join("noob_core.h"));
    if env::var("NOOB_WRITE_HEADER").as_deref() == Ok("1") {
        bindings.write_to_file(crate_dir.join("include/noob_core.h"));
    }
}
