//! The host CPU as LLVM sees it: target initialisation (once per process),
//! the CPU name and feature string, and target machines built for them.
//!
//! Every generated function carries the host `target-cpu`/`target-features`
//! attributes and every object is emitted by a `TargetMachine` for the host,
//! so the machine code uses AVX2/AVX-512 where the CPU has them.

use std::sync::OnceLock;

use inkwell::targets::{
    CodeModel, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;

use crate::error::{CompileError, Result};

/// The host's triple, CPU name and feature string, read once.
#[derive(Debug, Clone)]
pub struct HostCpu {
    pub triple: String,
    pub cpu: String,
    pub features: String,
}

static HOST: OnceLock<std::result::Result<HostCpu, String>> = OnceLock::new();

/// Initialises LLVM's native target and reads the host description.
pub fn host_cpu() -> Result<&'static HostCpu> {
    HOST.get_or_init(|| {
        Target::initialize_native(&InitializationConfig::default())?;
        apply_llvm_options();
        let triple = TargetMachine::get_default_triple();
        Ok(HostCpu {
            triple: triple.as_str().to_string_lossy().into_owned(),
            cpu: TargetMachine::get_host_cpu_name().to_string(),
            features: TargetMachine::get_host_cpu_features().to_string(),
        })
    })
    .as_ref()
    .map_err(|e| CompileError::internal(format!("cannot initialise LLVM's native target: {e}")))
}

/// A target machine for the host CPU (backend `-O1`), position independent so the
/// JIT linker can place the code anywhere.
pub fn host_target_machine() -> Result<TargetMachine> {
    let host = host_cpu()?;
    let triple = TargetTriple::create(&host.triple);
    let target = Target::from_triple(&triple)
        .map_err(|e| CompileError::internal(format!("no LLVM target for {}: {e}", host.triple)))?;
    target
        .create_target_machine(
            &triple,
            &host.cpu,
            &host.features,
            // The IR arrives optimised; backend -O1 generates code as fast
            // (measured on the benchmark kernels) in ~10% less time than
            // -O3. (-O0's fast register allocator made loops 2x slower.)
            OptimizationLevel::Less,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| {
            CompileError::internal("LLVM could not create a target machine for the host")
        })
}

/// Sets LLVM's global options: ours, then `JITUFUNC_LLVM_OPTIONS`
/// (space-separated, e.g. `-time-passes`) for debugging the compiler.
fn apply_llvm_options() {
    let extra = std::env::var("JITUFUNC_LLVM_OPTIONS").unwrap_or_default();
    // Our own defaults: no separate vector loop for the remainder (the
    // scalar remainder is short; the extra loop doubled code size), and no
    // non-trivial loop unswitching (it cloned whole chunk loops, vector
    // bodies included, on the in-place test).
    // (FastISel saved ~10% of code generation time but made scalar integer
    // loops 50% slower: it misses combines such as one idiv for a // b
    // and a % b.)
    let args: Vec<std::ffi::CString> = [
        "jitufunc",
        "-enable-epilogue-vectorization=false",
        "-unswitch-threshold=0",
    ]
    .into_iter()
    .chain(extra.split_whitespace())
    .filter_map(|a| std::ffi::CString::new(a).ok())
    .collect();
    let ptrs: Vec<*const std::ffi::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    // SAFETY: `ptrs` points into `args`, which outlives the call; LLVM
    // copies what it keeps.
    unsafe {
        llvm_sys::support::LLVMParseCommandLineOptions(
            ptrs.len() as i32,
            ptrs.as_ptr(),
            std::ptr::null(),
        );
    }
}
