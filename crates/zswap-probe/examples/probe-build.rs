//! Prints what this build of zswap-probe says about its eBPF object: the `--version` line of
//! the binaries, then what `Probe::load` answers when the object is missing. Used by the
//! rebuild test (`tests/it/rebuild.rs`), which builds only this small program.
#![allow(clippy::print_stdout, reason = "the output is the example's purpose")]

fn main() {
    println!("{}", zswap_probe::PROBE_VERSION_LINE);
    if !zswap_probe::PROBE_BUILD.is_built()
        && let Err(e) = zswap_probe::Probe::load(&zswap_probe::ProbeOptions::default())
    {
        println!("load: {e}");
    }
}
