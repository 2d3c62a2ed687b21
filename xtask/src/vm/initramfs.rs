//! Assembling a guest's initramfs: busybox, the scenario's static binaries, every scenario
//! script, the kernel modules in load order (decompressed), and `/init`.
//!
//! ```text
//! init                         scenarios/init.sh
//! bin/busybox, bin/sh          static busybox; init installs the other applets
//! bin/BIN                      musl binaries the scenario lists
//! scenario/common.sh, NAME.sh  helpers and every scenario's script
//! lib/modules/RELEASE/M.ko     modules, plain ELF
//! etc/vmtest/modules           module names in load order
//! etc/vmtest/env               VMTEST_RELEASE, VMTEST_SERIES, VMTEST_SCENARIO
//! dev/console                  init's stdio before devtmpfs is mounted
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::cpio::CpioWriter;
use super::kernel::Kernel;
use super::modules;
use super::scenario::{self, BASE_MODULES, Scenario};

/// Where static busybox is installed by Debian's `busybox-static`.
pub(crate) const BUSYBOX: &str = "/bin/busybox";

/// Module files in load order (name, path), and the wanted names the kernel has no file for
/// (built in or not configured).
pub(crate) type ModulePlan = (Vec<(String, PathBuf)>, Vec<String>);

/// Module load order for `kernel` and `scenario`, plus the names the kernel has no file for.
pub(crate) fn module_plan(kernel: &Kernel, sc: &Scenario) -> Result<ModulePlan> {
    let index = modules::index(&kernel.modules_dir.join("kernel"))?;
    // Read dependencies lazily: only the modules reachable from the wanted ones.
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut todo: Vec<String> = BASE_MODULES
        .iter()
        .chain(sc.modules)
        .map(|m| m.replace('-', "_"))
        .collect();
    while let Some(name) = todo.pop() {
        if deps.contains_key(&name) {
            continue;
        }
        let Some(file) = index.get(&name) else {
            continue;
        };
        let elf = modules::load_plain(&file.path)?;
        let info =
            modules::modinfo(&elf).with_context(|| format!("reading '{}'", file.path.display()))?;
        let ds = modules::dependencies(&info);
        todo.extend(ds.iter().cloned());
        deps.insert(name, ds);
    }
    let wanted: Vec<&str> = BASE_MODULES.iter().chain(sc.modules).copied().collect();
    let (order, missing) = modules::load_order(&wanted, &deps);
    let plan = order
        .into_iter()
        .filter_map(|n| index.get(&n).map(|f| (n, f.path.clone())))
        .collect();
    Ok((plan, missing))
}

/// Builds the initramfs for one guest. `bins` maps binary names to built files.
pub(crate) fn build(
    kernel: &Kernel,
    sc: &Scenario,
    bins: &BTreeMap<&'static str, PathBuf>,
) -> Result<Vec<u8>> {
    let mut w = CpioWriter::new();
    for d in ["proc", "sys", "dev", "tmp", "run", "mnt"] {
        w.dir(d, 0o755);
    }
    w.char_dev("dev/console", 0o600, 5, 1);
    w.char_dev("dev/null", 0o666, 1, 3);
    w.file("init", 0o755, scenario::INIT_SH.as_bytes());
    w.file("bin/busybox", 0o755, &read(Path::new(BUSYBOX))?);
    w.symlink("bin/sh", "busybox");
    for b in sc.binaries {
        let path = bins
            .get(b.bin)
            .with_context(|| format!("binary '{}' was not built", b.bin))?;
        w.file(&format!("bin/{}", b.bin), 0o755, &read(path)?);
    }
    w.file("scenario/common.sh", 0o644, scenario::COMMON_SH.as_bytes());
    for s in scenario::SCENARIOS {
        w.file(
            &format!("scenario/{}.sh", s.name),
            0o644,
            s.script.as_bytes(),
        );
    }
    let (plan, _missing) = module_plan(kernel, sc)?;
    let mut order = String::new();
    for (name, path) in &plan {
        let elf = modules::load_plain(path)?;
        w.file(
            &format!("lib/modules/{}/{name}.ko", kernel.release),
            0o644,
            &elf,
        );
        order.push_str(name);
        order.push('\n');
    }
    w.file("etc/vmtest/modules", 0o644, order.as_bytes());
    let env = format!(
        "VMTEST_RELEASE='{}'\nVMTEST_SERIES='{}'\nVMTEST_SCENARIO='{}'\nexport VMTEST_RELEASE VMTEST_SERIES VMTEST_SCENARIO\n",
        kernel.release, kernel.series, sc.name
    );
    w.file("etc/vmtest/env", 0o644, env.as_bytes());
    Ok(w.finish())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    #[allow(clippy::disallowed_methods)] // a build artifact, not a kernel attribute
    std::fs::read(path).with_context(|| format!("reading '{}'", path.display()))
}
