//! The process-wide ORC LLJIT that links compiled objects into memory.
//!
//! Objects are produced by our own host `TargetMachine` (see `object.rs`) and
//! handed to LLJIT as object files, so the same path serves fresh compiles and
//! (later) objects read from the on-disk cache. Every object gets its own
//! resource tracker: dropping the returned `LoadedCode` frees its machine code.
//! External symbols resolve against the process (libm, libmvec once loaded by
//! `runtime::load_vector_math`); an unresolved symbol is a clean error from
//! the lookup, never a crash.

use std::ffi::{CStr, CString};
use std::sync::OnceLock;

use llvm_sys::error::{LLVMDisposeErrorMessage, LLVMErrorRef, LLVMGetErrorMessage};
use llvm_sys::orc2::lljit::*;
use llvm_sys::orc2::*;

use crate::engine::host::host_cpu;
use crate::error::{CompileError, Result};

/// Owns the LLJIT instance. ORC's LLJIT is internally synchronised, so one
/// instance is shared by all threads.
struct Engine {
    jit: LLVMOrcLLJITRef,
}

// SAFETY: LLJIT's ExecutionSession serialises its own state; the C API
// functions used here (add object, lookup, tracker removal) are thread-safe.
unsafe impl Send for Engine {}
// SAFETY: see above.
unsafe impl Sync for Engine {}

static ENGINE: OnceLock<std::result::Result<Engine, String>> = OnceLock::new();

/// Turns an `LLVMErrorRef` into a `CompileError` (consuming the error).
fn check(err: LLVMErrorRef, what: &str) -> Result<()> {
    if err.is_null() {
        return Ok(());
    }
    // SAFETY: `err` is a live error returned by LLVM; getting its message
    // consumes it, and the message is freed with the matching dispose call.
    let message = unsafe {
        let raw = LLVMGetErrorMessage(err);
        let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
        LLVMDisposeErrorMessage(raw);
        text
    };
    Err(CompileError::internal(format!("{what}: {message}")))
}

fn create_engine() -> Result<Engine> {
    host_cpu()?;
    // SAFETY: plain LLJIT construction through the C API. The builder is
    // consumed by LLVMOrcCreateLLJIT; the target machine builder by the
    // builder; the generator by the JITDylib.
    unsafe {
        let mut jtmb = std::ptr::null_mut();
        check(
            LLVMOrcJITTargetMachineBuilderDetectHost(&mut jtmb),
            "detecting the host for the JIT",
        )?;
        let builder = LLVMOrcCreateLLJITBuilder();
        LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
        let mut jit = std::ptr::null_mut();
        check(LLVMOrcCreateLLJIT(&mut jit, builder), "creating the JIT")?;
        let prefix = LLVMOrcLLJITGetGlobalPrefix(jit);
        let mut generator = std::ptr::null_mut();
        check(
            LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
                &mut generator,
                prefix,
                None,
                std::ptr::null_mut(),
            ),
            "creating the process symbol generator",
        )?;
        let jd = LLVMOrcLLJITGetMainJITDylib(jit);
        LLVMOrcJITDylibAddGenerator(jd, generator);
        define_runtime_symbols(jit, jd)?;
        Ok(Engine { jit })
    }
}

/// Defines `runtime::runtime_symbols` in the JIT's main library, so
/// objects (fresh or cached) name them and the JIT supplies this process's
/// addresses.
///
/// # Safety
/// `jit` and `jd` must be the live LLJIT and its main JITDylib.
unsafe fn define_runtime_symbols(jit: LLVMOrcLLJITRef, jd: LLVMOrcJITDylibRef) -> Result<()> {
    let symbols = crate::engine::runtime::runtime_symbols();
    let mut pairs = vec![];
    for (name, address) in symbols {
        let cname = CString::new(name).expect("static names have no NUL");
        pairs.push(LLVMOrcCSymbolMapPair {
            // SAFETY: interning a NUL-terminated name in the JIT's pool.
            Name: unsafe { LLVMOrcLLJITMangleAndIntern(jit, cname.as_ptr()) },
            Sym: LLVMJITEvaluatedSymbol {
                Address: address as LLVMOrcExecutorAddress,
                Flags: LLVMJITSymbolFlags {
                    GenericFlags: LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsExported
                        as u8
                        | LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsCallable as u8,
                    TargetFlags: 0,
                },
            },
        });
    }
    // SAFETY: the pairs are valid; the materialization unit takes ownership
    // of the interned names and is consumed by JITDylibDefine.
    unsafe {
        let unit = LLVMOrcAbsoluteSymbols(pairs.as_mut_ptr(), pairs.len());
        check(
            LLVMOrcJITDylibDefine(jd, unit),
            "defining the runtime functions",
        )
    }
}

fn engine() -> Result<&'static Engine> {
    ENGINE
        .get_or_init(|| create_engine().map_err(|e| e.message))
        .as_ref()
        .map_err(|m| CompileError::internal(m.clone()))
}

/// Machine code linked into the process. Dropping it frees the code: keep it
/// alive for as long as any function pointer from `addresses` may be called.
pub struct LoadedCode {
    tracker: LLVMOrcResourceTrackerRef,
    /// Addresses of the requested symbols, in request order.
    pub addresses: Vec<usize>,
    /// What the code refers to by address (`loops::deferred` slots): kept
    /// alive with it, dropped after it is freed.
    pub companions: Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

// SAFETY: the tracker is only used in Drop, and tracker removal is
// thread-safe in ORC; the addresses are plain integers.
unsafe impl Send for LoadedCode {}
// SAFETY: no interior mutation through &LoadedCode.
unsafe impl Sync for LoadedCode {}

impl Drop for LoadedCode {
    fn drop(&mut self) {
        // SAFETY: the tracker was created for this object and is removed and
        // released exactly once, here.
        unsafe {
            let err = LLVMOrcResourceTrackerRemove(self.tracker);
            if !err.is_null() {
                let _ = check(err, "freeing JIT code");
            }
            LLVMOrcReleaseResourceTracker(self.tracker);
        }
    }
}

/// Links an object file into the process and looks up `symbols` in it.
pub fn load_object(object: &[u8], symbols: &[String]) -> Result<LoadedCode> {
    let engine = engine()?;
    let names: Vec<CString> = symbols
        .iter()
        .map(|s| CString::new(s.as_str()).map_err(|_| CompileError::internal("NUL in symbol")))
        .collect::<Result<_>>()?;
    let buffer_name = CString::new("jitufunc-object").expect("static name has no NUL");
    // SAFETY: the memory buffer copies `object`; ownership of the buffer
    // passes to LLJIT. The tracker belongs to the main JITDylib and is
    // released by LoadedCode::drop (or below on failure).
    unsafe {
        let jd = LLVMOrcLLJITGetMainJITDylib(engine.jit);
        let tracker = LLVMOrcJITDylibCreateResourceTracker(jd);
        let code = LoadedCode {
            tracker,
            addresses: Vec::with_capacity(names.len()),
            companions: vec![],
        };
        let buffer = llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRangeCopy(
            object.as_ptr() as *const libc::c_char,
            object.len(),
            buffer_name.as_ptr(),
        );
        check(
            LLVMOrcLLJITAddObjectFileWithRT(engine.jit, tracker, buffer),
            "adding compiled code to the JIT",
        )?;
        let mut code = code;
        for name in &names {
            let mut address: LLVMOrcExecutorAddress = 0;
            check(
                LLVMOrcLLJITLookup(engine.jit, &mut address, name.as_ptr()),
                "linking compiled code",
            )?;
            code.addresses.push(address as usize);
        }
        Ok(code)
    }
}
