//! The probe's per-cgroup totals labelled by cgroup path. The probe keys them by cgroup id,
//! the inode number of the cgroup's directory in the cgroup v2 hierarchy (kernfs gives a
//! directory `kn->id` as its inode number on 64-bit kernels, and `bpf_get_current_cgroup_id`
//! and `cgroup_id()` return the same `kn->id`). Ids are mapped to the path the cgroup
//! collector uses for its `cgroup` label (`/` for the root, `/system.slice/foo.service`).
//!
//! Ids that no longer resolve (the cgroup was removed after the probe counted for it; the
//! probe's map keeps its entry), and every id when no cgroup v2 hierarchy is mounted, are left
//! out, and counted in
//! `zswap_ebpf_cgroups_unresolved`: a deleted cgroup's series end as its memory.stat series
//! do, and the label never mixes paths with numbers. kernfs ids are not reused within a boot,
//! so an id that did not resolve once never will and is not looked for again.

use std::collections::{BTreeMap, BTreeSet};

use zswap_core::SysRoot;
use zswap_core::stats::cgroup::{CgroupFilter, find_cgroup_paths, find_cgroup2};
use zswap_probe::{CgroupTotals, ProbeSnapshot};

use crate::families::{Families, Family, Kind, Labels, Value};

/// Probe cgroup ids resolved to paths, for one scrape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CgroupLabels {
    /// Path of each id exported (within `--collector.cgroup.filter` and `.max-count`).
    pub(crate) paths: BTreeMap<u64, String>,
    /// Ids in the probe's map whose cgroup no longer exists.
    pub(crate) unresolved: u64,
}

/// id → path of the ids seen in the last snapshot (`None`: did not resolve). It never holds
/// more ids than the probe's map (`MAX_CGROUPS`, 4096): ids absent from a snapshot are
/// dropped from it.
#[derive(Debug, Default)]
pub(crate) struct CgroupPathCache {
    known: BTreeMap<u64, Option<String>>,
}

impl CgroupPathCache {
    /// Labels for the cgroup ids of one snapshot. A cached path is checked with one `stat`
    /// (a cgroup renamed, or removed and re-created, changes it); the hierarchy is walked
    /// only when an id is new or its path went stale, and the walk stops once every such id
    /// is found.
    pub(crate) fn resolve(
        &mut self,
        root: &SysRoot,
        ids: &BTreeSet<u64>,
        filter: &CgroupFilter,
    ) -> Result<CgroupLabels, String> {
        self.known.retain(|id, _| ids.contains(id));
        let Some(mount) = find_cgroup2(root).map_err(|e| e.to_string())? else {
            // cgroup v1 only: the probe's ids are of the unmounted v2 hierarchy
            self.known.clear();
            return Ok(CgroupLabels {
                paths: BTreeMap::new(),
                unresolved: ids.len() as u64,
            });
        };
        let mut wanted = BTreeSet::new();
        for &id in ids {
            match self.known.get(&id) {
                None => {
                    wanted.insert(id);
                }
                Some(Some(path)) => {
                    let dir = mount.path.join(path.trim_start_matches('/'));
                    if root.inode(&dir).map_err(|e| e.to_string())? != Some(id) {
                        wanted.insert(id);
                    }
                }
                Some(None) => {}
            }
        }
        if !wanted.is_empty() {
            let found = find_cgroup_paths(root, &mount, &wanted).map_err(|e| e.to_string())?;
            for id in wanted {
                self.known.insert(id, found.get(&id).cloned());
            }
        }
        let mut out = CgroupLabels::default();
        let mut kept: Vec<(&String, u64)> = Vec::new();
        for (&id, path) in &self.known {
            match path {
                Some(p)
                    if filter
                        .prefix
                        .as_deref()
                        .is_none_or(|pre| p.starts_with(pre)) =>
                {
                    kept.push((p, id));
                }
                Some(_) => {}
                None => out.unresolved += 1,
            }
        }
        // the same bound as the cgroup collector's, kept in path order so that the set of
        // series does not change from scrape to scrape
        kept.sort();
        out.paths = kept
            .into_iter()
            .take(filter.max_cgroups)
            .map(|(p, id)| (id, p.clone()))
            .collect();
        Ok(out)
    }
}

/// The per-cgroup families of the probe.
pub(crate) fn families(out: &mut Families, snap: &ProbeSnapshot, labels: &CgroupLabels) {
    let per = |f: &dyn Fn(&CgroupTotals) -> Vec<(Labels, u64)>| -> Vec<(Labels, Value)> {
        labels
            .paths
            .iter()
            .filter_map(|(id, path)| snap.cgroups.get(id).map(|t| (path, t)))
            .flat_map(|(path, t)| {
                f(t).into_iter().map(move |(mut l, v)| {
                    l.insert(0, ("cgroup", path.clone()));
                    (l, Value::Int(v))
                })
            })
            .collect()
    };
    let plain = |f: fn(&CgroupTotals) -> u64| move |t: &CgroupTotals| vec![(Vec::new(), f(t))];
    let result = |ok: fn(&CgroupTotals) -> u64, fail: fn(&CgroupTotals) -> u64| {
        move |t: &CgroupTotals| {
            vec![
                (vec![("result", "ok".to_owned())], ok(t)),
                (vec![("result", "fail".to_owned())], fail(t)),
            ]
        }
    };
    for (name, unit, help, samples) in [
        (
            "zswap_ebpf_cgroup_pages_stored",
            None,
            "Pages of the cgroup stored into zswap, counted by the eBPF probe (compare memory.stat zswpout).",
            per(&plain(|t| t.store_ok_pages)),
        ),
        (
            "zswap_ebpf_cgroup_store_failures",
            None,
            "zswap store calls of the cgroup that failed, counted by the eBPF probe.",
            per(&plain(|t| t.store_fail)),
        ),
        (
            "zswap_ebpf_cgroup_stored_compressed",
            Some("bytes"),
            "Compressed bytes of the cgroup's successful zswap stores, counted by the eBPF probe.",
            per(&plain(|t| t.stored_bytes)),
        ),
        (
            "zswap_ebpf_cgroup_loads",
            None,
            "zswap loads of the cgroup's tasks by result, counted by the eBPF probe.",
            per(&result(|t| t.load_ok, |t| t.load_fail)),
        ),
    ] {
        out.push(Family {
            name,
            help,
            unit,
            kind: Kind::Counter,
            samples,
        });
    }
    out.push(Family {
        name: "zswap_ebpf_cgroups_unresolved",
        help: "Cgroup ids in the eBPF probe's map whose cgroup no longer exists (their totals are not exported per cgroup).",
        unit: None,
        kind: Kind::Gauge,
        samples: vec![(Vec::new(), Value::Int(labels.unresolved))],
    });
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use zswap_testkit::FixtureRoot;

    use super::*;

    fn tree() -> FixtureRoot {
        let f = FixtureRoot::new();
        f.proc("mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n")
            .file("sys/fs/cgroup/cgroup.controllers", "memory\n")
            .file("sys/fs/cgroup/memory.stat", "zswpout 9\n")
            .file("sys/fs/cgroup/work/memory.stat", "zswpout 4\n")
            .file("sys/fs/cgroup/work/db/memory.stat", "zswpout 1\n")
            .file("sys/fs/cgroup/system.slice/memory.stat", "zswpout 0\n");
        f
    }

    fn ino(f: &FixtureRoot, rel: &str) -> u64 {
        std::fs::metadata(f.path().join("sys/fs/cgroup").join(rel))
            .unwrap()
            .ino()
    }

    fn ids(v: &[u64]) -> BTreeSet<u64> {
        v.iter().copied().collect()
    }

    #[test]
    fn ids_resolve_to_cgroup_collector_paths() {
        let f = tree();
        let (root, work, db) = (ino(&f, ""), ino(&f, "work"), ino(&f, "work/db"));
        let got = CgroupPathCache::default()
            .resolve(&f.root(), &ids(&[root, work, db]), &CgroupFilter::default())
            .unwrap();
        assert_eq!(
            got.paths,
            BTreeMap::from([
                (root, "/".to_owned()),
                (work, "/work".to_owned()),
                (db, "/work/db".to_owned())
            ])
        );
        assert_eq!(got.unresolved, 0);
    }

    #[test]
    fn removed_cgroup_is_unresolved_and_not_walked_for_again() {
        let f = tree();
        let (work, db) = (ino(&f, "work"), ino(&f, "work/db"));
        std::fs::remove_dir_all(f.path().join("sys/fs/cgroup/work/db")).unwrap();
        let mut cache = CgroupPathCache::default();
        let got = cache
            .resolve(&f.root(), &ids(&[work, db]), &CgroupFilter::default())
            .unwrap();
        assert_eq!(got.paths, BTreeMap::from([(work, "/work".to_owned())]));
        assert_eq!(got.unresolved, 1);
        assert_eq!(cache.known.get(&db), Some(&None));
    }

    #[test]
    fn renamed_cgroup_gets_its_new_path() {
        let f = tree();
        let work = ino(&f, "work");
        let mut cache = CgroupPathCache::default();
        let filter = CgroupFilter::default();
        cache.resolve(&f.root(), &ids(&[work]), &filter).unwrap();
        let cg = f.path().join("sys/fs/cgroup");
        std::fs::rename(cg.join("work"), cg.join("batch")).unwrap();
        let got = cache.resolve(&f.root(), &ids(&[work]), &filter).unwrap();
        assert_eq!(got.paths, BTreeMap::from([(work, "/batch".to_owned())]));
    }

    #[test]
    fn cache_keeps_only_the_ids_of_the_last_snapshot() {
        let f = tree();
        let (work, db) = (ino(&f, "work"), ino(&f, "work/db"));
        let mut cache = CgroupPathCache::default();
        let filter = CgroupFilter::default();
        cache
            .resolve(&f.root(), &ids(&[work, db, 1 << 60]), &filter)
            .unwrap();
        assert_eq!(cache.known.len(), 3);
        cache.resolve(&f.root(), &ids(&[db]), &filter).unwrap();
        assert_eq!(cache.known.keys().copied().collect::<Vec<_>>(), [db]);
    }

    #[test]
    fn prefix_and_max_count_of_the_cgroup_collector_apply() {
        let f = tree();
        let all = ids(&[
            ino(&f, ""),
            ino(&f, "work"),
            ino(&f, "work/db"),
            ino(&f, "system.slice"),
        ]);
        let prefix = CgroupFilter {
            prefix: Some("/work".to_owned()),
            max_cgroups: 10,
        };
        let got = CgroupPathCache::default()
            .resolve(&f.root(), &all, &prefix)
            .unwrap();
        // the map is keyed by cgroup id (an inode number): compare the paths in path order
        let mut paths: Vec<_> = got.paths.values().cloned().collect();
        paths.sort();
        assert_eq!(paths, ["/work", "/work/db"]);
        let two = CgroupFilter {
            prefix: None,
            max_cgroups: 2,
        };
        let got = CgroupPathCache::default()
            .resolve(&f.root(), &all, &two)
            .unwrap();
        let mut paths: Vec<_> = got.paths.values().cloned().collect();
        paths.sort();
        assert_eq!(paths, ["/", "/system.slice"]);
        assert_eq!(got.unresolved, 0);
    }

    #[test]
    fn without_cgroup2_every_id_is_unresolved() {
        let f = FixtureRoot::new();
        f.proc("mounts", "proc /proc proc rw 0 0\n");
        let got = CgroupPathCache::default()
            .resolve(&f.root(), &ids(&[1, 2]), &CgroupFilter::default())
            .unwrap();
        assert!(got.paths.is_empty());
        assert_eq!(got.unresolved, 2);
    }
}
