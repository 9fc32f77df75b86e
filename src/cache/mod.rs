//! The on-disk cache of compiled loops (`cache=True`).
//!
//! An entry holds the object file of one compile (all signatures of an
//! eager ufunc, or one signature of a lazy one) and what each loop is. Its
//! key is everything the machine code depends on: the kernel as the
//! frontend read it (source lines, and the value of every global it reads,
//! called kernels included, all in `FunctionDef`), the signatures, what
//! the front door adds (`FrontDoor::cache_tag`: a gufunc's layout and
//! writable inputs), the code generation options, the host CPU
//! name and features, and the LLVM and jitufunc versions. A hit links the
//! object without running LLVM at all.
//!
//! Entries live in `JITUFUNC_CACHE_DIR`, else `$XDG_CACHE_HOME/jitufunc`,
//! else `~/.cache/jitufunc`. Writes go to a temporary file renamed into
//! place (atomic, so readers and concurrent writers only ever see whole
//! entries). Anything wrong with an entry (truncated, corrupted, another
//! format, key or CPU, or code that does not link) makes it a miss: the
//! loops are compiled and the entry rewritten.

pub mod entry;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::driver::{CodegenOptions, CompiledLoops, LoopInfo};
use crate::engine::link::{load_object, LoadedCode};
use crate::error::Result;
use crate::syntax::FunctionDef;
use crate::types::{parse_signature, Scalar};

/// What a compile is: the kernel, signatures and options.
pub struct CacheKey {
    /// The full key (stored in the entry and compared exactly).
    pub text: String,
    /// The entry's file name.
    pub file: String,
}

impl CacheKey {
    pub fn new(
        def: &FunctionDef,
        signatures: &[String],
        entry: &str,
        options: CodegenOptions,
    ) -> Result<CacheKey> {
        let host = crate::engine::host::host_cpu()?;
        let text = format!(
            "jitufunc {} build {}\nllvm {}\nhost {} {} {}\nentry {entry}\noptions {options:?}\nsignatures {signatures:?}\npasses {:?} lanes {:?} masked-lanes {:?} retire-at {:?} llvm-options {:?}\nlibmvec {}\nkernel {def:?}\n",
            env!("CARGO_PKG_VERSION"),
            build_id(),
            llvm_version(),
            host.triple,
            host.cpu,
            host.features,
            std::env::var("JITUFUNC_PASSES").ok(),
            std::env::var("JITUFUNC_LANES").ok(),
            std::env::var("JITUFUNC_MASKED_LANES").ok(),
            std::env::var("JITUFUNC_RETIRE_AT").ok(),
            std::env::var("JITUFUNC_LLVM_OPTIONS").ok(),
            // Loads libmvec now, before any cached code that calls it links.
            crate::engine::runtime::vector_math_available(),
        );
        let name: String = crate::codegen::symbol_safe(&def.name)
            .chars()
            .take(40)
            .collect();
        let file = format!("{name}-{:016x}.jitufunc", entry::fnv1a(text.as_bytes()));
        Ok(CacheKey { text, file })
    }
}

/// This build of jitufunc: a hash of its sources made by `build.rs`, so
/// code cached by a build with other sources (whose loop ABI or runtime
/// functions may differ) is never linked.
fn build_id() -> &'static str {
    env!("JITUFUNC_BUILD_ID")
}

fn llvm_version() -> String {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: writes three integers.
    unsafe { llvm_sys::core::LLVMGetVersion(&mut major, &mut minor, &mut patch) };
    format!("{major}.{minor}.{patch}")
}

/// Where entries live.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("JITUFUNC_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("jitufunc"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("jitufunc"))
}

/// Code this process linked or compiled for each entry: its symbols are
/// defined, so the entry's object cannot be linked again while that code
/// lives; a request for the same key reuses it instead (re-running a
/// notebook cell, a dask worker unpickling a ufunc again).
struct Linked {
    code: Weak<LoadedCode>,
    loops: Vec<LoopInfo>,
}

fn linked_here() -> &'static Mutex<HashMap<String, Linked>> {
    static LINKED: std::sync::OnceLock<Mutex<HashMap<String, Linked>>> = std::sync::OnceLock::new();
    LINKED.get_or_init(|| Mutex::new(HashMap::new()))
}

fn remember(key: &CacheKey, code: &Arc<LoadedCode>, loops: &[LoopInfo]) {
    let mut linked = linked_here().lock().unwrap_or_else(|e| e.into_inner());
    linked.retain(|_, l| l.code.strong_count() > 0);
    linked.insert(
        key.file.clone(),
        Linked {
            code: Arc::downgrade(code),
            loops: loops.to_vec(),
        },
    );
}

/// The live code this process already has for `key`, if any.
fn reuse(key: &CacheKey) -> Option<(Vec<LoopInfo>, CompiledLoops)> {
    let linked = linked_here().lock().unwrap_or_else(|e| e.into_inner());
    let l = linked.get(&key.file)?;
    let code = l.code.upgrade()?;
    Some((
        l.loops.clone(),
        CompiledLoops {
            loops: vec![],
            code,
            llvm_ir: None,
            asm: None,
            object: vec![],
        },
    ))
}

fn scalar_named(name: &str) -> Option<Scalar> {
    Scalar::ALL.iter().copied().find(|s| s.name() == name)
}

fn scalars(list: &[Scalar]) -> String {
    list.iter().map(|s| s.name()).collect::<Vec<_>>().join(",")
}

fn parse_scalars(text: &str) -> Option<Vec<Scalar>> {
    if text.is_empty() {
        return Some(vec![]);
    }
    text.split(',').map(scalar_named).collect()
}

fn encode_meta(loops: &[LoopInfo]) -> Vec<u8> {
    let mut items = vec![];
    for l in loops {
        items.push(l.symbol.clone());
        items.push(scalars(&l.inputs));
        items.push(scalars(&l.outputs));
        items.push(l.signature.to_string());
        items.push(l.typed_ir.clone());
    }
    entry::encode_strings(&items)
}

fn decode_meta(meta: &[u8]) -> Option<Vec<LoopInfo>> {
    let items = entry::decode_strings(meta)?;
    if items.is_empty() || items.len() % 5 != 0 {
        return None;
    }
    items
        .chunks(5)
        .map(|c| {
            Some(LoopInfo {
                symbol: c[0].clone(),
                inputs: parse_scalars(&c[1])?,
                outputs: parse_scalars(&c[2])?,
                signature: parse_signature(&c[3]).ok()?,
                typed_ir: c[4].clone(),
                address: 0,
                data: 0,
            })
        })
        .collect()
}

/// How this process used the cache: (entries linked from disk, entries
/// rejected as damaged or foreign, entries written, code reused in this
/// process).
pub fn stats() -> (u64, u64, u64, u64) {
    (
        HITS.load(Ordering::Relaxed),
        REJECTED.load(Ordering::Relaxed),
        STORES.load(Ordering::Relaxed),
        REUSED.load(Ordering::Relaxed),
    )
}

static REUSED: AtomicU64 = AtomicU64::new(0);

static HITS: AtomicU64 = AtomicU64::new(0);
static REJECTED: AtomicU64 = AtomicU64::new(0);
static STORES: AtomicU64 = AtomicU64::new(0);

/// The loops of the entry for `key`, linked, if there is a good one (or
/// the code this process already has for it).
pub fn lookup(key: &CacheKey) -> Option<(Vec<LoopInfo>, CompiledLoops)> {
    // One lookup at a time: two threads must not link the same entry (its
    // symbols would be defined twice).
    static LINKING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = LINKING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = reuse(key) {
        REUSED.fetch_add(1, Ordering::Relaxed);
        return Some(found);
    }
    let found = lookup_entry(key);
    if matches!(found, Lookup::Rejected) {
        REJECTED.fetch_add(1, Ordering::Relaxed);
    }
    match found {
        Lookup::Hit(loops, compiled) => {
            HITS.fetch_add(1, Ordering::Relaxed);
            Some((loops, *compiled))
        }
        _ => None,
    }
}

enum Lookup {
    Hit(Vec<LoopInfo>, Box<CompiledLoops>),
    Missing,
    Rejected,
}

fn lookup_entry(key: &CacheKey) -> Lookup {
    let Some(dir) = cache_dir() else {
        return Lookup::Missing;
    };
    let bytes = match read_entry(&dir.join(&key.file)) {
        Entry::Missing => return Lookup::Missing,
        Entry::Unusable => return Lookup::Rejected,
        Entry::Bytes(bytes) => bytes,
    };
    match link_entry(key, &bytes) {
        Some((loops, compiled)) => Lookup::Hit(loops, Box::new(compiled)),
        None => Lookup::Rejected,
    }
}

/// What the file at an entry's path holds.
enum Entry {
    Missing,
    /// Not a regular file (a FIFO, a device, a directory) or too large.
    Unusable,
    Bytes(Vec<u8>),
}

/// Entries larger than this are not read (an object file of one kernel
/// library is kilobytes to a few megabytes).
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// Reads the entry at `path` only if it is a regular file of a sane size.
/// It is opened without blocking, so that a FIFO or a device someone put
/// there cannot hang the process (opening a FIFO for reading otherwise
/// waits for a writer), then checked on the open file (no race with a
/// rename in between), and read no further than its size.
fn read_entry(path: &std::path::Path) -> Entry {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        // No entry, or no cache directory one could be in.
        Err(_) => return Entry::Missing,
    };
    let Ok(meta) = file.metadata() else {
        return Entry::Unusable;
    };
    if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
        return Entry::Unusable;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    match file.take(MAX_ENTRY_BYTES).read_to_end(&mut bytes) {
        Ok(_) => Entry::Bytes(bytes),
        Err(_) => Entry::Unusable,
    }
}

fn link_entry(key: &CacheKey, bytes: &[u8]) -> Option<(Vec<LoopInfo>, CompiledLoops)> {
    let (meta, object) = entry::decode(bytes, &key.text)?;
    let mut loops = decode_meta(meta)?;
    let symbols: Vec<String> = loops.iter().map(|l| l.symbol.clone()).collect();
    let code = Arc::new(load_object(object, &symbols).ok()?);
    for (l, a) in loops.iter_mut().zip(&code.addresses) {
        l.address = *a;
    }
    remember(key, &code, &loops);
    let compiled = CompiledLoops {
        loops: vec![],
        code,
        llvm_ir: None,
        asm: None,
        object: object.to_vec(),
    };
    Some((loops, compiled))
}

/// Writes the entry for `key` (best effort: a cache that cannot be
/// written only costs compile time), and remembers `code` for reuse.
pub fn store(key: &CacheKey, loops: &[LoopInfo], object: &[u8], code: &Arc<LoadedCode>) {
    remember(key, code, loops);
    let Some(dir) = cache_dir() else {
        return;
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let bytes = entry::encode(&key.text, &encode_meta(loops), object);
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        key.file,
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let written =
        std::fs::write(&tmp, &bytes).is_ok() && std::fs::rename(&tmp, dir.join(&key.file)).is_ok();
    if !written {
        let _ = std::fs::remove_file(&tmp);
    } else {
        STORES.fetch_add(1, Ordering::Relaxed);
    }
}

/// `compile` through the cache: the loops from a good entry for the key,
/// else compiled and stored.
pub fn cached(
    def: &Arc<FunctionDef>,
    signatures: &[String],
    entry: &str,
    options: CodegenOptions,
    compile: impl FnOnce() -> Result<(Vec<LoopInfo>, CompiledLoops)>,
) -> Result<(Vec<LoopInfo>, CompiledLoops)> {
    let key = CacheKey::new(def, signatures, entry, options)?;
    if let Some(hit) = lookup(&key) {
        return Ok(hit);
    }
    let (loops, compiled) = compile()?;
    store(&key, &loops, &compiled.object, &compiled.code);
    Ok((loops, compiled))
}
