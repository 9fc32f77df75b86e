//! The host CPU as LLVM sees it: target initialisation (once per process),
//! the CPU name and feature string, and target machines built for them.
//!
//! Every generated function carries the host `target-cpu`/`target-features`
//! attributes and every object is emitted by a `TargetMachine` for the host,
//! so the machine code uses AVX2/AVX-512 where the CPU has them.

use std::sync::OnceLock;

use inkwell::targets::{CodeModel, RelocMode, Target, TargetMachine, TargetTriple};
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
        initialize_host_target()?;
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

/// Registers the host's LLVM target (info, code generator, machine code
/// layer, assembly printer and parser) and nothing else.
///
/// Not inkwell's `Target::initialize_native`: its C wrapper sits in one
/// object file with the `InitializeAll*` wrappers, so linking it pulls every
/// LLVM target (and their static constructors) into `_core`; naming the
/// host's target here keeps the others out of the library, which makes it
/// load faster (fewer relocations and page faults in a fresh process).
fn initialize_host_target() -> std::result::Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: LLVM's target registration functions take no arguments and
    // may be called more than once; `HOST`'s `OnceLock` calls them once.
    unsafe {
        use llvm_sys::target::*;
        LLVMInitializeX86TargetInfo();
        LLVMInitializeX86Target();
        LLVMInitializeX86TargetMC();
        LLVMInitializeX86AsmPrinter();
        LLVMInitializeX86AsmParser();
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        use llvm_sys::target::*;
        LLVMInitializeAArch64TargetInfo();
        LLVMInitializeAArch64Target();
        LLVMInitializeAArch64TargetMC();
        LLVMInitializeAArch64AsmPrinter();
        LLVMInitializeAArch64AsmParser();
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    Target::initialize_native(&inkwell::targets::InitializationConfig::default())?;
    Ok(())
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

/// Stand-ins for llvm-sys's C wrappers of LLVM's `static inline`
/// `LLVMInitializeAll*`/`LLVMInitializeNative*` (its `wrappers/target.c`).
///
/// inkwell's `Target::initialize_all`/`initialize_native` name them whether or
/// not they are called, and the linker then takes that object file from
/// llvm-sys's archive, and with it every LLVM target it names (their code and
/// static constructors: a third of `_core`'s relocations). Defining the same
/// symbols here satisfies those references first, so the archive member is
/// never extracted. jitufunc never calls them (it registers the host's target
/// in [`initialize_host_target`]); if something did, they register the host's
/// target only, which is all jitufunc can generate code for.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod target_wrappers {
    macro_rules! host_only {
        ($($name:ident),*) => {$(
            #[no_mangle]
            pub(crate) extern "C" fn $name() {
                let _ = super::initialize_host_target();
            }
        )*};
    }
    macro_rules! host_only_bool {
        ($($name:ident),*) => {$(
            #[no_mangle]
            pub(crate) extern "C" fn $name() -> llvm_sys::prelude::LLVMBool {
                super::initialize_host_target().is_err() as llvm_sys::prelude::LLVMBool
            }
        )*};
    }
    host_only!(
        LLVM_InitializeAllTargetInfos,
        LLVM_InitializeAllTargets,
        LLVM_InitializeAllTargetMCs,
        LLVM_InitializeAllAsmPrinters,
        LLVM_InitializeAllAsmParsers,
        LLVM_InitializeAllDisassemblers
    );
    host_only_bool!(
        LLVM_InitializeNativeTarget,
        LLVM_InitializeNativeAsmParser,
        LLVM_InitializeNativeAsmPrinter,
        LLVM_InitializeNativeDisassembler
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library holds the host's LLVM target and no other: even
    /// "initialise all targets" registers only it.
    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn only_the_host_target_is_linked() {
        host_cpu().unwrap();
        target_wrappers::LLVM_InitializeAllTargets();
        target_wrappers::LLVM_InitializeAllTargetInfos();
        let mut names = vec![];
        let mut target = Target::get_first();
        while let Some(t) = target {
            names.push(t.get_name().to_string_lossy().into_owned());
            target = t.get_next();
        }
        let host = if cfg!(target_arch = "x86_64") {
            ["x86", "x86-64"]
        } else {
            ["aarch64", "aarch64_be"]
        };
        assert!(!names.is_empty());
        assert!(
            names
                .iter()
                .all(|n| host.contains(&n.as_str()) || n.starts_with("arm64")),
            "{names:?}"
        );
    }
}
