//! Links the Linux binary as a position-dependent executable (`-no-pie`). A position-
//! independent one has its loader rewrite every pointer in `.data.rel.ro` (about half a
//! megabyte here) before `main`, which touches all of those pages and reads half a megabyte of
//! relocation records: memory and startup time a local test server gains nothing from (address
//! randomization defends against attackers, not flaky tests). Idle RSS and time to first answer
//! are measured by `bench/run.sh`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if linux {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
