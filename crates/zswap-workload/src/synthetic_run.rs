//! `zswap-workload --synthetic`: runs the workload of `zswapctl simulate`
//! (`zswap_workload::synthetic`) on real memory. Each touch writes the page (the first touch
//! fills it with its content; later ones write one byte back unchanged, so a page that was
//! out is swapped in by a write fault, which frees its swap slot); each eviction is
//! `madvise(MADV_PAGEOUT)` of that one page, which reclaims it at once through zswap.
//!
//! It reads the kernel's counters around every eviction: a store succeeded if and only if
//! `/proc/vmstat` `zswpout` moved, it was refused (written to the swap device) if `pswpout`
//! moved instead. Refused stores in a row form an *episode*; the pool size read before the
//! first refusal and after the store that ends the episode are reported.
//!
//! Output, one `KEY VALUE` line each (values space-separated):
//! `s.N OP POOL_BYTES STORED_PAGES POOL_LIMIT_HIT WRITTEN_BACK` every `--sample-every`
//! operations and after the last; `e.N START_OP REFUSED POOL_AT_START POOL_AFTER_ACCEPT` per
//! episode (`POOL_AFTER_ACCEPT` is `-` for an episode still open at the end); then `stores`,
//! `refused`, `not_paged_out`, `swap_ins`, `peak_pool_bytes`.

use std::fs::File;
use std::io::Read;

use anyhow::{Context, Result, bail};
use zswap_core::page::PAGE_SIZE;
use zswap_workload::pages::synthetic_page;
use zswap_workload::synthetic::{Episode, Shape, note_store};

use crate::Mapping;

const DEBUGFS: &str = "/sys/kernel/debug/zswap";

/// Options of `--synthetic`.
pub(crate) struct SyntheticArgs {
    pub(crate) shape: Shape,
    pub(crate) sample_every: u64,
}

fn read_text(path: &str) -> Result<String> {
    let mut s = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut s))
        .with_context(|| format!("reading '{path}' (is debugfs mounted and zswap on?)"))?;
    Ok(s)
}

fn debugfs(name: &str) -> Result<u64> {
    let path = format!("{DEBUGFS}/{name}");
    let t = read_text(&path)?;
    t.trim()
        .parse()
        .with_context(|| format!("'{path}' holds '{}', not a number", t.trim()))
}

/// `zswpout` and `pswpout` from `/proc/vmstat`.
fn swap_outs() -> Result<(u64, u64)> {
    let t = read_text("/proc/vmstat")?;
    let get = |key: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
            .with_context(|| format!("/proc/vmstat has no '{key}'"))
    };
    Ok((get("zswpout")?, get("pswpout")?))
}

/// Runs the workload; prints the report through `emit`.
pub(crate) fn run(args: &SyntheticArgs, emit: &mut dyn FnMut(&str)) -> Result<()> {
    let shape = &args.shape;
    let ws = shape.working_set_pages.max(1) as usize;
    let len = ws.checked_mul(PAGE_SIZE).context("working set too large")?;
    let map = Mapping::new(len)?;
    let base = map.as_ptr();
    // One kernel page per workload page: no transparent huge pages.
    // SAFETY: advice on our own mapping.
    unsafe { libc::madvise(base.cast(), len, libc::MADV_NOHUGEPAGE) };
    let mut content = [0u8; PAGE_SIZE];
    let (mut stores, mut refused, mut not_out, mut swap_ins, mut peak) = (0u64, 0, 0, 0, 0);
    let mut episodes: Vec<Episode> = Vec::new();
    let mut samples = 0;
    let every = args.sample_every.max(1);
    let total = shape.total_ops();
    for op in shape.ops() {
        // SAFETY: page < working set, so the page lies inside the mapping.
        let page = unsafe { base.add(op.page as usize * PAGE_SIZE) };
        if op.first_touch {
            synthetic_page(shape.seed, op.page, &mut content);
            // SAFETY: PAGE_SIZE bytes inside the mapping; content does not overlap it.
            unsafe { std::ptr::copy_nonoverlapping(content.as_ptr(), page, PAGE_SIZE) };
        } else {
            // SAFETY: a byte inside the mapping; volatile so the write (and its fault) happens.
            unsafe { page.write_volatile(page.read_volatile()) };
        }
        swap_ins += u64::from(op.swap_in);
        if let Some(victim) = op.evict {
            let pool = debugfs("pool_total_size")?;
            let (z0, p0) = swap_outs()?;
            // SAFETY: one page of our mapping.
            let rc = unsafe {
                libc::madvise(
                    base.add(victim as usize * PAGE_SIZE).cast(),
                    PAGE_SIZE,
                    libc::MADV_PAGEOUT,
                )
            };
            if rc != 0 {
                bail!(
                    "madvise(MADV_PAGEOUT) failed: {} (needs Linux 5.4 or later)",
                    std::io::Error::last_os_error()
                );
            }
            let (z1, p1) = swap_outs()?;
            stores += 1;
            if z1 > z0 {
                note_store(
                    &mut episodes,
                    op.op,
                    false,
                    pool,
                    debugfs("pool_total_size")?,
                );
            } else if p1 > p0 {
                refused += 1;
                note_store(&mut episodes, op.op, true, pool, pool);
            } else {
                not_out += 1;
            }
        }
        let pool = debugfs("pool_total_size")?;
        peak = peak.max(pool);
        if op.op % every == 0 || op.op + 1 == total {
            emit(&format!(
                "s.{samples} {} {pool} {} {} {}",
                op.op,
                debugfs("stored_pages")?,
                debugfs("pool_limit_hit")?,
                debugfs("written_back_pages")?
            ));
            samples += 1;
        }
    }
    for (i, e) in episodes.iter().enumerate() {
        let accept = e
            .pool_after_accept
            .map_or("-".to_owned(), |p| p.to_string());
        emit(&format!(
            "e.{i} {} {} {} {accept}",
            e.start_op, e.refused, e.pool_at_start
        ));
    }
    emit(&format!("stores {stores}"));
    emit(&format!("refused {refused}"));
    emit(&format!("not_paged_out {not_out}"));
    emit(&format!("swap_ins {swap_ins}"));
    emit(&format!("peak_pool_bytes {peak}"));
    drop(map);
    Ok(())
}
