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
use zswap_core::page::PAGE_SIZE;
use zswap_workload::pages::{PageKind, fill_workload_page, workload_kind};
use zswap_workload::synthetic::{Pattern, Shape};

mod synthetic_run;

struct Args {
    pages: usize,
    seed: u64,
    hold: Option<PathBuf>,
    write: Option<PathBuf>,
    synthetic: Option<synthetic_run::SyntheticArgs>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        pages: 0,
        seed: 1,
        hold: None,
        write: None,
        synthetic: None,
    };
    let mut shape = Shape {
        working_set_pages: 0,
        resident_pages: 0,
        accesses: 0,
        pattern: Pattern::Random,
        seed: 1,
    };
    let (mut synthetic, mut sample_every) = (false, 100);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("'{flag}' needs a value"));
        match flag.as_str() {
            "--pages" => a.pages = val()?.parse().context("'--pages' takes a number")?,
            "--seed" => a.seed = val()?.parse().context("'--seed' takes a number")?,
            "--hold-file" => a.hold = Some(PathBuf::from(val()?)),
            "--write-file" => a.write = Some(PathBuf::from(val()?)),
            "--synthetic" => synthetic = true,
            "--working-set-pages" => {
                shape.working_set_pages = val()?
                    .parse()
                    .context("'--working-set-pages' takes a number")?
            }
            "--resident-pages" => {
                shape.resident_pages = val()?
                    .parse()
                    .context("'--resident-pages' takes a number")?
            }
            "--accesses" => {
                shape.accesses = val()?.parse().context("'--accesses' takes a number")?
            }
            "--pattern" => shape.pattern = val()?.parse().map_err(anyhow::Error::msg)?,
            "--sample-every" => {
                sample_every = val()?.parse().context("'--sample-every' takes a number")?
            }
            "--version" => {
                print_line(&format!("zswap-workload {}", env!("CARGO_PKG_VERSION")));
                std::process::exit(0);
            }
            other => {
                bail!(
                    "unknown argument '{other}'; usage: --pages N [--seed S] \
                     [--hold-file PATH] [--write-file PATH], or --synthetic \
                     --working-set-pages N --resident-pages R [--accesses A] [--pattern P] \
                     [--seed S] [--sample-every K]"
                )
            }
        }
    }
    if synthetic {
        if shape.working_set_pages == 0 || shape.resident_pages >= shape.working_set_pages {
            bail!(
                "'--working-set-pages' ({}) must be at least 1 and more than \
                 '--resident-pages' ({}), or nothing is swapped",
                shape.working_set_pages,
                shape.resident_pages
            );
        }
        shape.seed = a.seed;
        a.synthetic = Some(synthetic_run::SyntheticArgs {
            shape,
            sample_every,
        });
        return Ok(a);
    }
    if a.pages == 0 {
        bail!("'--pages N' is required and must be at least 1");
    }
    Ok(a)
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

fn run() -> Result<bool> {
    let args = parse_args()?;
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
    match run() {
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
