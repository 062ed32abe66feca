//! The exchange's waiter entries: a slab with stable indices, threaded into
//! FIFO lists by index.
//!
//! Unlike the buffered channel's wait lists, an entry here belongs to its
//! waiter from [`Slab::insert`] until the waiter itself [`Slab::remove`]s
//! it: the other side only moves it between lists, or takes it off every
//! list, and changes what it holds. So an index never names a reused entry,
//! and a waiter learns what happened to it by reading its own entry. The
//! slab grows to the peak number of simultaneous waiters and then allocates
//! nothing.

/// Sentinel index: no entry.
pub(super) const NIL: usize = usize::MAX;

/// Entries the slab has room for when the channel is created.
const INITIAL_ENTRIES: usize = 4;

/// Entries of type `E`, each in at most one of `LISTS` FIFO lists.
///
/// # Invariants
///
/// - A node is occupied (`entry` is `Some`) or free (linked in `free`
///   through `next`).
/// - An occupied node is in list `list` (linked through `prev`/`next`, in
///   increasing `age`: oldest first) or, with `list == None`, in none.
#[derive(Debug)]
pub(super) struct Slab<E, const LISTS: usize> {
    nodes: Vec<Node<E>>,
    free: usize,
    lists: [List; LISTS],
    /// The last age given out.
    ages: u64,
}

// No length: nothing outside the tests asks for one, and keeping it cost
// every link and unlink an update.
#[derive(Debug, Clone, Copy)]
struct List {
    head: usize,
    tail: usize,
}

#[derive(Debug)]
struct Node<E> {
    entry: Option<E>,
    /// When the entry was inserted: its place in line whenever it is
    /// linked, also after it was taken off a list and comes back.
    age: u64,
    list: Option<usize>,
    prev: usize,
    next: usize,
}

impl<E, const LISTS: usize> Slab<E, LISTS> {
    pub(super) fn new() -> Self {
        Self {
            nodes: Vec::with_capacity(INITIAL_ENTRIES),
            free: NIL,
            lists: [List {
                head: NIL,
                tail: NIL,
            }; LISTS],
            ages: 0,
        }
    }

    /// Stores `entry`, in no list yet; returns its index.
    // Inlined, with the growth out of line: a reused node is a few
    // stores, and the call cost more (callgrind).
    #[inline(always)]
    pub(super) fn insert(&mut self, entry: E) -> usize {
        self.ages += 1;
        let node_age = self.ages;
        if self.free == NIL {
            self.push(entry, node_age)
        } else {
            let index = self.free;
            let free = &mut self.nodes[index];
            self.free = free.next;
            // A free node holds no entry: overwriting it field by field
            // skips the drop glue that assigning the whole node would run
            // on the old one.
            debug_assert!(free.entry.is_none(), "a free node holds no entry");
            std::mem::forget(free.entry.replace(entry));
            free.age = node_age;
            free.list = None;
            free.prev = NIL;
            free.next = NIL;
            index
        }
    }

    /// [`insert`](Slab::insert) with no free node: the slab grows, which
    /// it does only up to the peak number of waiters.
    #[cold]
    #[inline(never)]
    fn push(&mut self, entry: E, age: u64) -> usize {
        self.nodes.push(Node {
            entry: Some(entry),
            age,
            list: None,
            prev: NIL,
            next: NIL,
        });
        self.nodes.len() - 1
    }

    /// Takes entry `index` off its list, if any, and frees it.
    pub(super) fn remove(&mut self, index: usize) -> E {
        self.unlink(index);
        let node = &mut self.nodes[index];
        node.next = self.free;
        self.free = index;
        node.entry.take().expect("removing a free entry")
    }

    pub(super) fn get_mut(&mut self, index: usize) -> &mut E {
        self.nodes[index].entry.as_mut().expect("a free entry")
    }

    /// The list entry `index` is in, if any.
    pub(super) fn list_of(&self, index: usize) -> Option<usize> {
        self.nodes[index].list
    }

    /// Puts entry `index` (in no list) into `list` at its place by age:
    /// behind every older entry, ahead of every younger one. A new entry is
    /// the youngest and goes last in one step.
    // Inlined: its callers know the list, and a new entry's walk ends at
    // once; the call cost more than that (callgrind).
    #[inline(always)]
    pub(super) fn link(&mut self, index: usize, list: usize) {
        debug_assert!(self.nodes[index].list.is_none(), "linked twice");
        let age = self.nodes[index].age;
        // The youngest entry older than this one: NIL, none (go first).
        let mut prev = self.lists[list].tail;
        while prev != NIL && self.nodes[prev].age > age {
            prev = self.nodes[prev].prev;
        }
        let next = if prev == NIL {
            std::mem::replace(&mut self.lists[list].head, index)
        } else {
            std::mem::replace(&mut self.nodes[prev].next, index)
        };
        if next == NIL {
            self.lists[list].tail = index;
        } else {
            self.nodes[next].prev = index;
        }
        let node = &mut self.nodes[index];
        node.list = Some(list);
        node.prev = prev;
        node.next = next;
    }

    /// Takes entry `index` off its list, if it is in one; it stays stored.
    // Inlined: a few loads and stores, called once or twice in every
    // rendezvous, where the call cost as much as the work.
    #[inline(always)]
    pub(super) fn unlink(&mut self, index: usize) {
        let Some(list) = self.nodes[index].list.take() else {
            return;
        };
        let (prev, next) = (self.nodes[index].prev, self.nodes[index].next);
        if prev == NIL {
            self.lists[list].head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.lists[list].tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
    }

    /// Moves entry `index` to `list`, at its place by age.
    pub(super) fn relink(&mut self, index: usize, list: usize) {
        self.unlink(index);
        self.link(index, list);
    }

    /// The oldest entry of `list`, or [`NIL`].
    pub(super) fn front(&self, list: usize) -> usize {
        self.lists[list].head
    }

    /// The entry after `index` in its list, or [`NIL`].
    pub(super) fn next(&self, index: usize) -> usize {
        self.nodes[index].next
    }

    #[cfg(all(test, not(chan_loom)))]
    pub(super) fn len(&self, list: usize) -> usize {
        let (mut len, mut index) = (0, self.front(list));
        while index != NIL {
            len += 1;
            index = self.next(index);
        }
        len
    }

    /// One past the highest index ever given out: every stored entry's
    /// index is below it.
    pub(super) fn end(&self) -> usize {
        self.nodes.len()
    }

    /// Entry `index`, if it is stored.
    pub(super) fn try_get_mut(&mut self, index: usize) -> Option<&mut E> {
        self.nodes.get_mut(index)?.entry.as_mut()
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;

    fn list(slab: &Slab<u32, 1>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut index = slab.front(0);
        while index != NIL {
            out.push(*slab.nodes[index].entry.as_ref().unwrap());
            index = slab.next(index);
        }
        out
    }

    #[test]
    fn entries_come_back_to_their_place_by_age() {
        let mut slab = Slab::<u32, 1>::new();
        let keys: Vec<usize> = (0..4).map(|n| slab.insert(n)).collect();
        for &key in &keys {
            slab.link(key, 0);
        }
        slab.unlink(keys[1]);
        slab.unlink(keys[0]);
        assert_eq!(list(&slab), [2, 3]);
        slab.link(keys[1], 0);
        slab.link(keys[0], 0);
        assert_eq!(list(&slab), [0, 1, 2, 3]);
        assert_eq!(slab.remove(keys[2]), 2);
        let reused = slab.insert(9);
        assert_eq!(reused, keys[2], "a freed entry is reused");
        slab.link(reused, 0);
        assert_eq!(list(&slab), [0, 1, 3, 9]);
        assert_eq!(slab.len(0), 4);
    }
}
