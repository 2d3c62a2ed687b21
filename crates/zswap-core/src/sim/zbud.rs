//! zbud, the default zswap allocator of 6.1 (`mm/zbud.c`, docs/kernel-notes.md §4.6).
//!
//! Pages of 64-byte chunks with a 64-byte header; at most two objects (the "first" buddy at
//! the start, the "last" buddy at the end); unbuddied lists indexed by free chunks searched first
//! fit upward; every allocation moves its page to the LRU head; in 6.1 the pool evicts from the
//! LRU tail through zswap's callback (`zbud_reclaim_page`, up to 8 pages).
//! z3fold (the other zpool of 6.1/6.12) is not modelled: its layout details are unverified.

use std::collections::HashMap;

use crate::page::PAGE_SIZE;

const CHUNK_SHIFT: u32 = 6;
const CHUNK_SIZE: u32 = 1 << CHUNK_SHIFT;
const ZHDR_SIZE_ALIGNED: u32 = CHUNK_SIZE;
const NCHUNKS: u32 = (PAGE_SIZE as u32 - ZHDR_SIZE_ALIGNED) >> CHUNK_SHIFT;

/// Largest object zbud accepts: a page minus the header minus one chunk (3968 bytes).
pub const ZBUD_MAX_ALLOC: usize = PAGE_SIZE - (ZHDR_SIZE_ALIGNED + CHUNK_SIZE) as usize;

/// Which half of a zbud page an object occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Buddy {
    /// Starts right after the header.
    First,
    /// Ends at the end of the page.
    Last,
}

/// Handle of one zbud object: page and buddy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZbudHandle {
    page: u64,
    buddy: Buddy,
}

/// Why zbud refused an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZbudError {
    /// -EINVAL: size 0.
    Invalid,
    /// -ENOSPC: larger than [`ZBUD_MAX_ALLOC`].
    NoSpace,
}

/// The two `list_head`s of a `struct zbud_header` a page can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chain {
    /// `zhdr->buddy`: one of the unbuddied lists (the buddied list is never read, so it is
    /// not kept).
    Buddy,
    /// `zhdr->lru`.
    Lru,
}

/// A page's links in one list, by page id.
#[derive(Debug, Clone, Copy, Default)]
struct Link {
    prev: Option<u64>,
    next: Option<u64>,
}

#[derive(Debug, Clone, Default)]
struct ZbudPage {
    first_chunks: u32,
    last_chunks: u32,
    under_reclaim: bool,
    /// The unbuddied list (index = free chunks) the page is on, if any.
    unbuddied: Option<usize>,
    /// True if and only if the page is on the LRU.
    on_lru: bool,
    buddy: Link,
    lru: Link,
}

impl ZbudPage {
    fn free_chunks(&self) -> u32 {
        NCHUNKS - self.first_chunks - self.last_chunks
    }

    fn link(&mut self, chain: Chain) -> &mut Link {
        match chain {
            Chain::Buddy => &mut self.buddy,
            Chain::Lru => &mut self.lru,
        }
    }
}

/// A doubly linked list of page ids threaded through the pages' [`Link`]s, like the
/// kernel's `list_head`: O(1) add at the head, delete anywhere, take either end.
#[derive(Debug, Clone, Default)]
struct PageList {
    head: Option<u64>,
    tail: Option<u64>,
}

impl PageList {
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The head (`list_first_entry`).
    fn front(&self) -> Option<&u64> {
        self.head.as_ref()
    }

    /// `list_add`: `id` becomes the head.
    fn push_front(&mut self, pages: &mut HashMap<u64, ZbudPage>, chain: Chain, id: u64) {
        let old = self.head;
        if let Some(p) = pages.get_mut(&id) {
            *p.link(chain) = Link {
                prev: None,
                next: old,
            };
        }
        match old.and_then(|h| pages.get_mut(&h)) {
            Some(h) => h.link(chain).prev = Some(id),
            None => self.tail = Some(id),
        }
        self.head = Some(id);
    }

    /// `list_del`: `id` must be on this list.
    fn unlink(&mut self, pages: &mut HashMap<u64, ZbudPage>, chain: Chain, id: u64) {
        let Some(link) = pages.get_mut(&id).map(|p| std::mem::take(p.link(chain))) else {
            return;
        };
        match link.prev.and_then(|p| pages.get_mut(&p)) {
            Some(p) => p.link(chain).next = link.next,
            None => self.head = link.next,
        }
        match link.next.and_then(|n| pages.get_mut(&n)) {
            Some(n) => n.link(chain).prev = link.prev,
            None => self.tail = link.prev,
        }
    }
}

/// One zbud pool (`struct zbud_pool`). Every list operation is O(1), as in the kernel: the
/// lists are threaded through the pages (held by id in a hash map, which nothing iterates).
#[derive(Debug, Clone)]
pub struct ZbudPool {
    pages: HashMap<u64, ZbudPage>,
    /// `unbuddied[n]`: pages with one buddy and n free chunks; `list_add` puts a page at the
    /// head and `zbud_alloc` takes the head (`list_first_entry`), so each list is LIFO.
    unbuddied: Vec<PageList>,
    /// The LRU: allocation moves a page to the head, reclaim takes the tail.
    lru: PageList,
    next_page: u64,
    pages_nr: u64,
    objects: usize,
}

impl Default for ZbudPool {
    fn default() -> Self {
        Self::new()
    }
}

fn size_to_chunks(size: usize) -> u32 {
    (size as u32).div_ceil(CHUNK_SIZE)
}

impl ZbudPool {
    /// An empty pool.
    pub fn new() -> ZbudPool {
        ZbudPool {
            pages: HashMap::new(),
            unbuddied: vec![PageList::default(); NCHUNKS as usize],
            lru: PageList::default(),
            next_page: 0,
            pages_nr: 0,
            objects: 0,
        }
    }

    /// Pages in the pool (`zbud_get_pool_size`).
    pub fn total_pages(&self) -> u64 {
        self.pages_nr
    }

    /// Objects currently allocated.
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// `list_del(&zhdr->buddy)` if the page is on an unbuddied list.
    fn unlink_unbuddied(&mut self, page: u64) {
        let Some(list) = self.pages.get_mut(&page).and_then(|p| p.unbuddied.take()) else {
            return;
        };
        if let Some(l) = self.unbuddied.get_mut(list) {
            l.unlink(&mut self.pages, Chain::Buddy, page);
        }
    }

    /// `list_add(&zhdr->buddy, &pool->unbuddied[freechunks])` if the page has one buddy.
    fn relink(&mut self, page: u64) {
        let Some(p) = self.pages.get_mut(&page) else {
            return;
        };
        if p.first_chunks == 0 || p.last_chunks == 0 {
            let free = p.free_chunks() as usize;
            p.unbuddied = Some(free);
            self.unbuddied[free].push_front(&mut self.pages, Chain::Buddy, page);
        }
    }

    fn unlink_lru(&mut self, page: u64) {
        if let Some(p) = self.pages.get_mut(&page)
            && std::mem::take(&mut p.on_lru)
        {
            self.lru.unlink(&mut self.pages, Chain::Lru, page);
        }
    }

    fn push_lru(&mut self, page: u64) {
        if let Some(p) = self.pages.get_mut(&page) {
            p.on_lru = true;
            self.lru.push_front(&mut self.pages, Chain::Lru, page);
        }
    }

    /// `zbud_alloc(size)`.
    pub fn malloc(&mut self, size: usize) -> Result<ZbudHandle, ZbudError> {
        if size == 0 {
            return Err(ZbudError::Invalid);
        }
        if size > ZBUD_MAX_ALLOC {
            return Err(ZbudError::NoSpace);
        }
        let chunks = size_to_chunks(size);
        let found =
            (chunks as usize..NCHUNKS as usize).find_map(|i| self.unbuddied[i].front().copied());
        let (page, buddy) = match found {
            Some(page) => {
                self.unlink_unbuddied(page);
                let first_free = self.pages.get(&page).is_some_and(|p| p.first_chunks == 0);
                (
                    page,
                    if first_free {
                        Buddy::First
                    } else {
                        Buddy::Last
                    },
                )
            }
            None => {
                let page = self.next_page;
                self.next_page += 1;
                self.pages.insert(page, ZbudPage::default());
                self.pages_nr += 1;
                (page, Buddy::First)
            }
        };
        if let Some(p) = self.pages.get_mut(&page) {
            match buddy {
                Buddy::First => p.first_chunks = chunks,
                Buddy::Last => p.last_chunks = chunks,
            }
        }
        self.objects += 1;
        self.relink(page);
        self.unlink_lru(page);
        self.push_lru(page);
        Ok(ZbudHandle { page, buddy })
    }

    /// `zbud_free(handle)`.
    pub fn free(&mut self, handle: ZbudHandle) {
        let Some(p) = self.pages.get_mut(&handle.page) else {
            return;
        };
        let chunks = match handle.buddy {
            Buddy::First => &mut p.first_chunks,
            Buddy::Last => &mut p.last_chunks,
        };
        if std::mem::take(chunks) > 0 {
            self.objects -= 1;
        }
        if p.under_reclaim {
            return;
        }
        let empty = p.first_chunks == 0 && p.last_chunks == 0;
        self.unlink_unbuddied(handle.page);
        if empty {
            self.unlink_lru(handle.page);
            self.pages.remove(&handle.page);
            self.pages_nr -= 1;
        } else {
            self.relink(handle.page);
        }
    }

    /// Starts reclaiming the LRU-tail page (the first half of one `zbud_reclaim_page` round):
    /// takes it off the lists, protects it against freeing and returns it with the handles of
    /// its objects (first buddy first).
    pub fn reclaim_begin(&mut self) -> Option<(u64, Vec<ZbudHandle>)> {
        let page = self.lru.tail?;
        self.unlink_lru(page);
        self.unlink_unbuddied(page);
        let p = self.pages.get_mut(&page)?;
        p.under_reclaim = true;
        let mut hs = Vec::new();
        if p.first_chunks > 0 {
            hs.push(ZbudHandle {
                page,
                buddy: Buddy::First,
            });
        }
        if p.last_chunks > 0 {
            hs.push(ZbudHandle {
                page,
                buddy: Buddy::Last,
            });
        }
        Some((page, hs))
    }

    /// Ends a reclaim round: frees the page if both buddies went (true), else puts it back on
    /// its list and at the LRU head.
    pub fn reclaim_end(&mut self, page: u64) -> bool {
        let Some(p) = self.pages.get_mut(&page) else {
            return false;
        };
        p.under_reclaim = false;
        if p.first_chunks == 0 && p.last_chunks == 0 {
            self.pages.remove(&page);
            self.pages_nr -= 1;
            return true;
        }
        self.relink(page);
        self.push_lru(page);
        false
    }

    /// `zbud_reclaim_page(pool, retries)`: takes LRU-tail pages and calls `evict` for each of
    /// their objects (first buddy, then last; a failure skips the rest of the page) until one
    /// page is completely freed. `evict` returns true on success and must free the handle
    /// (through [`ZbudPool::free`]) when it succeeds. Returns true if and only if a page was
    /// freed.
    pub fn reclaim_page(
        &mut self,
        retries: u32,
        mut evict: impl FnMut(&mut ZbudPool, ZbudHandle) -> bool,
    ) -> bool {
        for _ in 0..retries {
            let Some((page, handles)) = self.reclaim_begin() else {
                return false;
            };
            for h in handles {
                if !evict(self, h) {
                    break;
                }
            }
            if self.reclaim_end(page) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_small_objects_share_a_page() {
        let mut p = ZbudPool::new();
        let a = p.malloc(1000).unwrap();
        let b = p.malloc(1000).unwrap();
        assert_eq!(p.total_pages(), 1);
        assert_eq!((a.buddy, b.buddy), (Buddy::First, Buddy::Last));
        p.malloc(1000).unwrap();
        assert_eq!(p.total_pages(), 2);
    }

    #[test]
    fn buddy_must_fit_the_free_chunks() {
        let mut p = ZbudPool::new();
        p.malloc(2000).unwrap(); // 32 chunks, 31 free
        p.malloc(31 * 64 + 1).unwrap(); // 32 chunks: does not fit
        assert_eq!(p.total_pages(), 2);
        p.malloc(31 * 64).unwrap(); // fits the first page
        assert_eq!(p.total_pages(), 2);
    }

    #[test]
    fn limit_is_3968_bytes() {
        let mut p = ZbudPool::new();
        assert!(p.malloc(3968).is_ok());
        assert_eq!(p.malloc(3969), Err(ZbudError::NoSpace));
        assert_eq!(p.malloc(0), Err(ZbudError::Invalid));
    }

    #[test]
    fn first_fit_takes_the_smallest_sufficient_list() {
        let mut p = ZbudPool::new();
        let _a = p.malloc(3000).unwrap(); // page 0: 47 chunks, 16 free
        let _b = p.malloc(1000).unwrap(); // page 0 fits (16 chunks): buddied
        let _c = p.malloc(2000).unwrap(); // page 1: 32 chunks, 31 free
        let _d = p.malloc(3000).unwrap(); // page 2: 16 free
        let e = p.malloc(600).unwrap(); // 10 chunks: list 16 (page 2) before list 31
        assert_eq!(e.page, 2);
    }

    #[test]
    fn freeing_both_buddies_frees_the_page() {
        let mut p = ZbudPool::new();
        let a = p.malloc(100).unwrap();
        let b = p.malloc(100).unwrap();
        p.free(a);
        assert_eq!(p.total_pages(), 1);
        p.free(b);
        assert_eq!(p.total_pages(), 0);
        assert!(p.lru.is_empty());
    }

    #[test]
    fn reclaim_takes_the_lru_tail() {
        let mut p = ZbudPool::new();
        let a = p.malloc(3000).unwrap();
        let b = p.malloc(3000).unwrap();
        let mut seen = Vec::new();
        assert!(p.reclaim_page(8, |pool, h| {
            seen.push(h);
            pool.free(h);
            true
        }));
        assert_eq!(seen, vec![a]);
        assert_eq!(p.total_pages(), 1);
        assert_eq!(p.lru.front(), Some(&b.page));
    }

    #[test]
    fn failed_eviction_rotates_and_retries() {
        let mut p = ZbudPool::new();
        p.malloc(3000).unwrap();
        p.malloc(3000).unwrap();
        let mut calls = 0;
        assert!(!p.reclaim_page(8, |_, _| {
            calls += 1;
            false
        }));
        assert_eq!(calls, 8);
        assert_eq!(p.total_pages(), 2);
    }
}
