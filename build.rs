//! Link-time settings for the server binary.
//!
//! On Linux with glibc, relative relocations are packed (`DT_RELR`, glibc 2.36+, binutils
//! 2.38+ or lld): the position-independent binary keeps its address randomisation, but the
//! dynamic loader no longer reads ~2 MB of relocation records at every start, which stayed
//! resident for the life of the process (see BENCHMARKS.md, peak RSS).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
