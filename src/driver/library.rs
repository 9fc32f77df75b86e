//! A store of one kernel's compiled code, keyed by the types each entry was
//! compiled for: the loops of a ufunc (eager or lazy), and next the
//! specialisations of a `@jit` dispatcher. It owns the linked machine code
//! (entries stay callable while the library lives), what each entry is,
//! and the IR text kept for introspection. NumPy's own tables are not here:
//! the Python edge keeps those beside it (`crate::python::ufunc`).

use std::sync::{Arc, Mutex, MutexGuard};

use super::{CompiledLoops, LoopInfo};
use crate::engine::link::LoadedCode;
use crate::error::{CompileError, ErrorKind, Result};

#[derive(Default)]
struct State {
    /// Every object linked for this library; entries point into them.
    code: Vec<Arc<LoadedCode>>,
    /// Entries in the order they were added.
    loops: Vec<LoopInfo>,
    llvm_ir: Vec<String>,
    asm: Vec<String>,
}

#[derive(Default)]
pub struct Library {
    state: Mutex<State>,
    /// Held while an entry compiles, so one compile serves every thread.
    compile_lock: Mutex<()>,
}

impl Library {
    pub fn new() -> Self {
        Library::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Entries in the order they were added.
    pub fn loops(&self) -> Vec<LoopInfo> {
        self.state().loops.clone()
    }

    /// The first entry `wanted` accepts.
    pub fn find(&self, wanted: impl Fn(&LoopInfo) -> bool) -> Option<LoopInfo> {
        self.state().loops.iter().find(|l| wanted(l)).cloned()
    }

    /// Adds `loops`, which point into `compiled.code` (kept alive here).
    /// A caller that keeps tables of its own beside the library (NumPy's,
    /// `python::ufunc::KernelLibrary::append`) adds under its own lock,
    /// after updating them, so an entry `find` returns is in its tables.
    pub fn add(&self, compiled: CompiledLoops, loops: Vec<LoopInfo>) {
        let mut st = self.state();
        st.code.push(compiled.code);
        st.loops.extend(loops);
        st.llvm_ir.extend(compiled.llvm_ir);
        st.asm.extend(compiled.asm);
    }

    /// The entry `wanted` accepts; if there is none, `compile` makes it and
    /// `add` stores it (`Library::add`, plus whatever the caller keeps
    /// beside the library). One compile at a time: a thread that waited for
    /// another's compile of the same entry finds it. `what` names the
    /// kernel for the error when the compiled entry is not the one wanted.
    pub fn get_or_compile(
        &self,
        what: &str,
        wanted: impl Fn(&LoopInfo) -> bool,
        compile: impl FnOnce() -> Result<(Vec<LoopInfo>, CompiledLoops)>,
        add: impl FnOnce(CompiledLoops, Vec<LoopInfo>) -> Result<()>,
    ) -> Result<LoopInfo> {
        let _one_at_a_time = self.compile_lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = self.find(&wanted) {
            return Ok(l);
        }
        let (loops, compiled) = compile()?;
        let first = loops
            .first()
            .cloned()
            .ok_or_else(|| CompileError::internal("a compile returned no entries"))?;
        if !wanted(&first) {
            return Err(CompileError::new(
                ErrorKind::Typing,
                format!(
                    "'{what}' computes {} for these inputs, not the output dtypes asked for",
                    first.signature
                ),
            ));
        }
        add(compiled, loops)?;
        Ok(first)
    }

    /// Signatures of the entries, in the order they were added.
    pub fn signatures(&self) -> Vec<String> {
        self.state()
            .loops
            .iter()
            .map(|l| l.signature.to_string())
            .collect()
    }

    /// Typed IR of each entry's kernel, keyed by signature.
    pub fn typed_ir(&self) -> Vec<(String, String)> {
        self.state()
            .loops
            .iter()
            .map(|l| (l.signature.to_string(), l.typed_ir.clone()))
            .collect()
    }

    /// LLVM IR kept by compiles that asked for it.
    pub fn llvm_ir(&self) -> Option<String> {
        let st = self.state();
        (!st.llvm_ir.is_empty()).then(|| st.llvm_ir.join("\n"))
    }

    /// Assembly kept by compiles that asked for it.
    pub fn asm(&self) -> Option<String> {
        let st = self.state();
        (!st.asm.is_empty()).then(|| st.asm.join("\n"))
    }
}
