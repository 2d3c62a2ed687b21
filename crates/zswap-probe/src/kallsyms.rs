//! Kernel symbol names from `/proc/kallsyms`, for the kprobe fallback: a static function may
//! be present only as a compiler clone such as `zswap_writeback_entry.isra.0`.

use std::collections::HashSet;

/// The text (function) symbols of the running kernel.
#[derive(Debug, Clone, Default)]
pub struct KernelSymbols {
    names: HashSet<String>,
}

impl KernelSymbols {
    /// Parses the text of `/proc/kallsyms` (`ADDR TYPE NAME [MODULE]` lines), keeping text
    /// symbols (`t`/`T`).
    pub fn parse(text: &str) -> KernelSymbols {
        let names = text
            .lines()
            .filter_map(|line| {
                let mut it = line.split_whitespace();
                let _addr = it.next()?;
                let kind = it.next()?;
                let name = it.next()?;
                matches!(kind, "t" | "T").then(|| name.to_owned())
            })
            .collect();
        KernelSymbols { names }
    }

    /// The symbol to kprobe for function `name`: the name itself, else its first compiler
    /// clone (`name.isra.N`, `name.constprop.N`, `name.part.N`) in sorted order.
    pub fn kprobe_target(&self, name: &str) -> Option<String> {
        if self.names.contains(name) {
            return Some(name.to_owned());
        }
        let prefix = format!("{name}.");
        let mut clones: Vec<&String> = self
            .names
            .iter()
            .filter(|n| n.starts_with(&prefix))
            .collect();
        clones.sort();
        clones.first().map(|s| (*s).clone())
    }

    /// True if and only if no symbol was read (e.g. kallsyms hides them from non-root).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ffffffff81000000 T zswap_store\n\
                        ffffffff81000100 t zswap_writeback_entry.isra.0\n\
                        ffffffff81000200 D zswap_stored_pages\n\
                        ffffffff81000300 t zs_malloc [zsmalloc]\n";

    #[test]
    fn exact_name_is_found() {
        let s = KernelSymbols::parse(TEXT);
        assert_eq!(
            s.kprobe_target("zswap_store").as_deref(),
            Some("zswap_store")
        );
    }

    #[test]
    fn clone_is_found() {
        let s = KernelSymbols::parse(TEXT);
        assert_eq!(
            s.kprobe_target("zswap_writeback_entry").as_deref(),
            Some("zswap_writeback_entry.isra.0")
        );
    }

    #[test]
    fn data_symbols_are_ignored() {
        assert_eq!(
            KernelSymbols::parse(TEXT).kprobe_target("zswap_stored_pages"),
            None
        );
    }

    #[test]
    fn module_symbols_are_read() {
        assert!(
            KernelSymbols::parse(TEXT)
                .kprobe_target("zs_malloc")
                .is_some()
        );
    }

    #[test]
    fn prefix_of_another_name_is_not_a_clone() {
        assert_eq!(KernelSymbols::parse(TEXT).kprobe_target("zswap_stor"), None);
    }
}
