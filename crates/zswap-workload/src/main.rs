//! `zswap-workload`: allocates N pages with the deterministic content of `zswap_workload`,
//! lets the memory limit of its cgroup push them out through zswap, then reads them back and
//! verifies every byte.
//!
//! Usage: `zswap-workload --pages N [--seed S] [--hold-file PATH] [--write-file PATH]`. With
//! `--hold-file`, after filling it creates `PATH.filled` and waits until `PATH` exists before
//! verifying, so a test can read the kernel's counters while the pages are swapped out. With
//! `--write-file` it only writes the N pages to PATH (e.g. on tmpfs, so that the pages belong
//! to the writer's cgroup and can be reclaimed later) and prints `written=N`.
//!
//! `zswap-workload --synthetic --working-set-pages N --resident-pages R [--accesses A]
//! [--pattern P] [--seed S] [--sample-every K]` runs the swapping workload of
//! `zswapctl simulate` on real memory instead and reports the kernel's counters over time
//! (see `synthetic_run.rs`); the `hysteresis` scenario of `cargo xtask vmtest` compares it with
//! the model.
//!
//! Output (stdout): `pages=N text=T zero=Z random=R`, then `verified=V mismatches=M`.
//! Exit status 0 if and only if every page matched.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use zswap_core::page::PAGE_SIZE;
use zswap_workload::pages::{PageKind, fill_workload_page, workload_kind};
use zswap_workload::synthetic::{Pattern, Shape};

mod synthetic_run;

/// Fills N pages with the deterministic content of `zswap_workload`, lets the memory limit of
/// its cgroup push them out through zswap, then reads them back and verifies every byte.
#[derive(Debug, clap::Parser)]
#[command(name = "zswap-workload", version)]
struct Cli {
    /// Pages to allocate, fill and verify (at least 1; not needed with --synthetic).
    #[arg(long, value_name = "N", required_unless_present = "synthetic")]
    pages: Option<usize>,

    /// Seed of the page contents (and of --synthetic's access pattern).
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,

    /// After filling, create PATH.filled and wait until PATH exists before verifying.
    #[arg(long = "hold-file", value_name = "PATH")]
    hold: Option<PathBuf>,

    /// Only write the N pages to PATH (e.g. on tmpfs) and print `written=N`.
    #[arg(long = "write-file", value_name = "PATH")]
    write: Option<PathBuf>,

    /// Run the swapping workload of `zswapctl simulate` on real memory instead.
    #[arg(long)]
    synthetic: bool,

    /// --synthetic: pages the workload uses (more than --resident-pages).
    #[arg(long, value_name = "N", default_value_t = 0)]
    working_set_pages: u64,

    /// --synthetic: pages kept resident.
    #[arg(long, value_name = "R", default_value_t = 0)]
    resident_pages: u64,

    /// --synthetic: accesses after the first touch of every page.
    #[arg(long, value_name = "A", default_value_t = 0)]
    accesses: u64,

    /// --synthetic: access pattern: sequential, random or hot-cold.
    #[arg(long, value_name = "P", default_value = "random")]
    pattern: Pattern,

    /// --synthetic: report the counters every K operations.
    #[arg(long, value_name = "K", default_value_t = 100)]
    sample_every: u64,
}

struct Args {
    pages: usize,
    seed: u64,
    hold: Option<PathBuf>,
    write: Option<PathBuf>,
    synthetic: Option<synthetic_run::SyntheticArgs>,
}

/// The parsed command line, with the checks clap cannot express.
fn parse_args(cli: Cli) -> Result<Args> {
    if cli.synthetic {
        if cli.working_set_pages == 0 || cli.resident_pages >= cli.working_set_pages {
            bail!(
                "'--working-set-pages' ({}) must be at least 1 and more than \
                 '--resident-pages' ({}), or nothing is swapped",
                cli.working_set_pages,
                cli.resident_pages
            );
        }
        let shape = Shape {
            working_set_pages: cli.working_set_pages,
            resident_pages: cli.resident_pages,
            accesses: cli.accesses,
            pattern: cli.pattern,
            seed: cli.seed,
        };
        return Ok(Args {
            pages: cli.pages.unwrap_or(0),
            seed: cli.seed,
            hold: cli.hold,
            write: cli.write,
            synthetic: Some(synthetic_run::SyntheticArgs {
                shape,
                sample_every: cli.sample_every,
            }),
        });
    }
    let pages = cli.pages.unwrap_or(0);
    if pages == 0 {
        bail!("'--pages N' is required and must be at least 1");
    }
    Ok(Args {
        pages,
        seed: cli.seed,
        hold: cli.hold,
        write: cli.write,
        synthetic: None,
    })
}

#[allow(clippy::print_stdout)] // the binary's output is its report
fn print_line(s: &str) {
    println!("{s}");
}

/// Anonymous, page-aligned memory, so page `i` of the workload is exactly one kernel page.
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(len: usize) -> Result<Self> {
        // SAFETY: a fresh private anonymous mapping; no existing memory is affected.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            bail!(
                "mmap of {len} bytes failed: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }

    /// The first byte of the mapping.
    fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: ptr..ptr+len is our mapping, readable and writable, owned by self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region mmap returned.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

fn wait_for(path: &Path) {
    while !path.exists() {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes the pages to `path`, one `write` per page.
fn write_file(path: &Path, pages: usize, seed: u64) -> Result<()> {
    use std::io::Write;
    let mut f =
        std::fs::File::create(path).with_context(|| format!("creating '{}'", path.display()))?;
    let mut p = [0u8; PAGE_SIZE];
    for i in 0..pages as u64 {
        fill_workload_page(i, seed, &mut p);
        f.write_all(&p)
            .with_context(|| format!("writing page {i} to '{}'", path.display()))?;
    }
    print_line(&format!("written={pages}"));
    Ok(())
}

fn run(cli: Cli) -> Result<bool> {
    let args = parse_args(cli)?;
    if let Some(s) = &args.synthetic {
        synthetic_run::run(s, &mut |l| print_line(l))?;
        return Ok(true);
    }
    if let Some(path) = &args.write {
        write_file(path, args.pages, args.seed)?;
        return Ok(true);
    }
    let len = args
        .pages
        .checked_mul(PAGE_SIZE)
        .context("'--pages' is too large")?;
    let mut map = Mapping::new(len)?;
    let mem = map.as_mut_slice();
    let (mut text, mut zero, mut random) = (0, 0, 0);
    for (i, p) in mem.as_chunks_mut::<PAGE_SIZE>().0.iter_mut().enumerate() {
        let i = i as u64;
        // The workload's kinds: Words, Zero and XorshiftRandom.
        match workload_kind(i) {
            PageKind::Words => text += 1,
            PageKind::Zero => zero += 1,
            _ => random += 1,
        }
        fill_workload_page(i, args.seed, p);
    }
    print_line(&format!(
        "pages={} text={text} zero={zero} random={random}",
        args.pages
    ));
    if let Some(hold) = &args.hold {
        let mut name = hold.as_os_str().to_owned();
        name.push(".filled");
        let filled = PathBuf::from(name);
        std::fs::File::create(&filled)
            .with_context(|| format!("creating '{}'", filled.display()))?;
        wait_for(hold);
    }
    let mut expect = [0u8; PAGE_SIZE];
    let (mut verified, mut mismatches) = (0usize, 0usize);
    for (i, p) in mem.chunks(PAGE_SIZE).enumerate() {
        fill_workload_page(i as u64, args.seed, &mut expect);
        if p == expect {
            verified += 1;
        } else {
            mismatches += 1;
        }
    }
    print_line(&format!("verified={verified} mismatches={mismatches}"));
    Ok(mismatches == 0)
}

fn main() -> ExitCode {
    // clap prints usage errors and exits with status 2, as a bad argument always did here.
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            #[allow(clippy::print_stderr)] // the binary's error report
            {
                eprintln!("zswap-workload: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args> {
        let cli =
            Cli::try_parse_from(std::iter::once("zswap-workload").chain(args.iter().copied()))?;
        parse_args(cli)
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    /// The forms the guest scenarios (xtask/src/vm/scenarios/*.sh) use.
    #[test]
    fn scenario_invocations_parse() {
        let a = parse(&["--pages", "4096", "--hold-file", "/tmp/wl.go"]).unwrap();
        assert_eq!((a.pages, a.seed), (4096, 1));
        assert_eq!(a.hold.as_deref(), Some(Path::new("/tmp/wl.go")));
        let a = parse(&[
            "--pages",
            "64",
            "--seed",
            "7",
            "--write-file",
            "/tmp/model/data",
        ])
        .unwrap();
        assert_eq!((a.pages, a.seed), (64, 7));
        assert_eq!(a.write.as_deref(), Some(Path::new("/tmp/model/data")));
        let a = parse(&[
            "--synthetic",
            "--working-set-pages",
            "2000",
            "--resident-pages",
            "500",
            "--accesses",
            "8000",
            "--pattern",
            "hot-cold",
            "--seed",
            "3",
            "--sample-every",
            "50",
        ])
        .unwrap();
        let s = a.synthetic.unwrap();
        assert_eq!(
            (
                s.shape.working_set_pages,
                s.shape.resident_pages,
                s.shape.accesses
            ),
            (2000, 500, 8000)
        );
        assert_eq!(
            (s.shape.pattern, s.shape.seed, s.sample_every),
            (Pattern::HotCold, 3, 50)
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        let e = parse(&["--pages", "many"]).err().unwrap().to_string();
        assert!(e.contains("'many'") && e.contains("--pages"), "{e}");
        assert!(parse(&[]).is_err());
        let e = parse(&["--pages", "0"]).err().unwrap().to_string();
        assert!(e.contains("at least 1"), "{e}");
        let e = parse(&[
            "--synthetic",
            "--working-set-pages",
            "10",
            "--resident-pages",
            "10",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("more than '--resident-pages' (10)"), "{e}");
        let e = parse(&["--frobnicate"]).err().unwrap().to_string();
        assert!(e.contains("--frobnicate"), "{e}");
        let e = parse(&[
            "--synthetic",
            "--working-set-pages",
            "9",
            "--pattern",
            "zigzag",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("zigzag"), "{e}");
    }
}
