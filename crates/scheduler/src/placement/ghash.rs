//! The iteration order of a GLib hash table (GLib 2.74's `GHashTable` with
//! `g_str_hash` keys), for the few places where Pacemaker's result depends
//! on the order it walks a table in (ties between equally good nodes).
//!
//! Only insertion is modelled: the tables placement cares about are built
//! by inserting node ids and copied by re-inserting in iteration order.

/// `g_str_hash`: djb2 over the bytes as signed chars.
fn str_hash(key: &str) -> u32 {
    let mut h: u32 = 5381;
    for &b in key.as_bytes() {
        h = h
            .wrapping_shl(5)
            .wrapping_add(h)
            .wrapping_add(b as i8 as i32 as u32);
    }
    h
}

/// `prime_mod` for table shifts 0..=31.
const PRIME_MOD: [u32; 32] = [
    1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071,
    262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689,
    268435399, 536870909, 1073741789, 2147483647,
];

const MIN_SHIFT: u32 = 3;

struct Table {
    size: usize,
    modulo: u32,
    mask: usize,
    hashes: Vec<u32>,
    keys: Vec<usize>,
    nnodes: usize,
    noccupied: usize,
}

impl Table {
    fn new() -> Table {
        let mut t = Table {
            size: 0,
            modulo: 0,
            mask: 0,
            hashes: Vec::new(),
            keys: Vec::new(),
            nnodes: 0,
            noccupied: 0,
        };
        t.set_shift(MIN_SHIFT);
        t.hashes = vec![0; t.size];
        t.keys = vec![0; t.size];
        t
    }

    fn set_shift(&mut self, shift: u32) {
        self.size = 1 << shift;
        self.modulo = PRIME_MOD[shift as usize];
        self.mask = self.size - 1;
    }

    fn set_shift_from_size(&mut self, size: usize) {
        let mut shift = 0;
        let mut n = size;
        while n != 0 {
            n >>= 1;
            shift += 1;
        }
        self.set_shift(shift.max(MIN_SHIFT));
    }

    fn index(&self, hash: u32) -> usize {
        (hash.wrapping_mul(11) % self.modulo) as usize
    }

    /// Inserts `key` (named `name`) unless present.
    fn insert(&mut self, name: &str, key: usize, names: &dyn Fn(usize) -> String) {
        let mut hash = str_hash(name);
        if hash <= 1 {
            hash = 2;
        }
        let mut i = self.index(hash);
        let mut step = 0;
        while self.hashes[i] != 0 {
            if self.hashes[i] == hash && names(self.keys[i]) == name {
                return;
            }
            step += 1;
            i = (i + step) & self.mask;
        }
        self.hashes[i] = hash;
        self.keys[i] = key;
        self.nnodes += 1;
        self.noccupied += 1;
        self.maybe_resize();
    }

    fn maybe_resize(&mut self) {
        let (size, occ) = (self.size, self.noccupied);
        if (size > self.nnodes * 4 && size > 1 << MIN_SHIFT) || size <= occ + occ / 16 {
            self.resize();
        }
    }

    fn resize(&mut self) {
        let old_size = self.size;
        self.set_shift_from_size((self.nnodes as f64 * 1.333) as usize);
        if self.size > old_size {
            self.hashes.resize(self.size, 0);
            self.keys.resize(self.size, 0);
        }
        let mut placed = vec![false; self.size.max(old_size)];
        for i in 0..old_size {
            let mut node_hash = self.hashes[i];
            if node_hash <= 1 {
                self.hashes[i] = 0;
                continue;
            }
            if placed[i] {
                continue;
            }
            self.hashes[i] = 0;
            let mut key = self.keys[i];
            loop {
                let mut hv = self.index(node_hash);
                let mut step = 0;
                while placed[hv] {
                    step += 1;
                    hv = (hv + step) & self.mask;
                }
                placed[hv] = true;
                let replaced = self.hashes[hv];
                self.hashes[hv] = node_hash;
                if replaced <= 1 {
                    self.keys[hv] = key;
                    break;
                }
                node_hash = replaced;
                std::mem::swap(&mut self.keys[hv], &mut key);
            }
        }
        if self.size < old_size {
            self.hashes.truncate(self.size);
            self.keys.truncate(self.size);
        }
        self.noccupied = self.nnodes;
    }

    fn order(&self) -> Vec<usize> {
        (0..self.size)
            .filter(|&i| self.hashes[i] > 1)
            .map(|i| self.keys[i])
            .collect()
    }
}

/// The order GLib iterates a table whose keys (`names[i]`) were inserted
/// in the given order, after `copies` rounds of copying the table by
/// re-inserting its entries in iteration order (`pcmk__copy_node_table`).
pub(crate) fn iteration_order(names: &[String], copies: usize) -> Vec<usize> {
    let lookup = |i: usize| names[i].clone();
    let mut order: Vec<usize> = (0..names.len()).collect();
    for _ in 0..=copies {
        let mut t = Table::new();
        for &i in &order {
            t.insert(&names[i], i, &lookup);
        }
        order = t.order();
    }
    order
}
