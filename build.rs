//! Link-time settings for the server binary.
//!
//! Opt-in: `KLIMASPOR_PACK_RELOCATIONS=1` packs relative relocations (`DT_RELR`): the
//! position-independent binary keeps its address randomisation, but the dynamic loader no
//! longer reads ~2 MB of relocation records at every start (see BENCHMARKS.md, peak RSS).
//! Such a binary needs glibc 2.36 or newer where it runs: copied to an older host it does not
//! start. The default build runs wherever the toolchain's glibc baseline does.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KLIMASPOR_PACK_RELOCATIONS");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let wanted = std::env::var("KLIMASPOR_PACK_RELOCATIONS").is_ok_and(|v| v == "1");
    if wanted && os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
