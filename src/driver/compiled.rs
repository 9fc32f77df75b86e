//! What a compile produces: linked machine code and what each of its entry
//! points is (its types, address and symbol, and its typed IR for
//! introspection). Shared by every front door, the on-disk cache and the
//! stores of compiled code (`driver::library`).

use std::sync::Arc;

use crate::engine::link::LoadedCode;
use crate::types::{Scalar, Signature};

/// One compiled entry point (a ufunc loop): its dtypes and its address in
/// `CompiledLoops::code`.
#[derive(Debug, Clone)]
pub struct LoopInfo {
    /// The operand dtypes NumPy registers: inputs, then outputs.
    pub inputs: Vec<Scalar>,
    pub outputs: Vec<Scalar>,
    /// NumPy's loop function (`PyUFuncGenericFunction`).
    pub address: usize,
    /// The data NumPy passes it (the `data` entry beside it): 0 for a
    /// generated loop, the loop's slot for a driven one
    /// (`loops::driven::elementwise_loop`).
    pub data: usize,
    /// The signature as written, with the return type filled in.
    pub signature: Signature,
    pub typed_ir: String,
    /// The entry's symbol in the object file.
    pub symbol: String,
}

/// The result of one compile: one object file, linked once.
pub struct CompiledLoops {
    /// The entries in the order their signatures were given (empty once a
    /// caller has taken them, e.g. into registration order).
    pub loops: Vec<LoopInfo>,
    /// Shared: the on-disk cache hands the same code to every ufunc of
    /// this process made from one entry.
    pub code: Arc<LoadedCode>,
    pub llvm_ir: Option<String>,
    pub asm: Option<String>,
    /// The object file `code` was linked from (for the on-disk cache).
    pub object: Vec<u8>,
}
