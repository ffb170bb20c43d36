//! memtally's own list of benchmarks, and the run-once path over it.

use std::panic::Location;

use linkme::distributed_slice;
use memtally::Harness;

use crate::Bencher;

/// One `#[divan::bench]` function.
pub struct Entry {
    pub name: &'static str,
    pub module_path: &'static str,
    pub manifest_dir: &'static str,
    pub ignored: bool,
    pub run: fn(&mut Context),
}

#[distributed_slice]
pub static ENTRIES: [Entry];

/// A type's name as divan shows it: without the module path before any
/// generic arguments.
pub fn type_label<T: ?Sized>() -> String {
    let mut name = std::any::type_name::<T>();
    while let Some((prev, next)) = name.split_once("::") {
        if prev.contains('<') {
            break;
        }
        name = next;
    }
    name.to_owned()
}

/// What an entry's run function runs its instances through.
pub struct Context {
    harness: Harness,
    prefix: String,
}

impl Context {
    /// Runs one instance of the entry; `labels` are its type, const and
    /// argument, in that order.
    pub fn run(&mut self, labels: &[String], body: impl FnOnce(Bencher<'_, '_>)) {
        let uri = if labels.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}[{}]", self.prefix, labels.join(", "))
        };
        body(Bencher::once(self.harness, &uri));
    }
}

/// Runs every entry that is not `#[ignore]`d under the runner, ordered by
/// module and name so that runs are reproducible; `caller` is where
/// `divan::main` was called, the bench target's file.
pub(crate) fn run_all(harness: Harness, caller: &'static Location<'static>) {
    let mut entries: Vec<&Entry> = ENTRIES.iter().filter(|e| !e.ignored).collect();
    entries.sort_by(|a, b| (a.module_path, a.name).cmp(&(b.module_path, b.name)));
    for entry in entries {
        let file = memtally::package_relative(caller.file(), entry.manifest_dir);
        // The module path starts with the crate's name, which the file names.
        let modules = entry.module_path.split_once("::").map(|(_, rest)| rest);
        let prefix = match modules {
            Some(m) => format!("{file}::{m}::{}", entry.name),
            None => format!("{file}::{}", entry.name),
        };
        let mut ctx = Context { harness, prefix };
        (entry.run)(&mut ctx);
    }
}
