//! The compiler's intermediate representation: functions in SSA form with
//! block parameters, built by `lower` from the syntax tree and rewritten by
//! `typing` into typed IR that `codegen` turns into LLVM IR.
//!
//! Invariants (checked by `verifier::verify`): every reachable block ends in
//! a terminator; every use is dominated by its definition; block arguments
//! match block parameters in number (and in typed IR, in type); typed IR
//! operations see operands of exactly the type they work at.

pub mod cleanup;
pub mod entities;
pub mod function;
pub mod op;
pub mod printer;
pub mod refcount;
pub mod verifier;

pub use entities::{Block, FuncId, Inst, KernelRef, Value};
pub use function::{
    BlockCall, BlockData, Function, InstData, Raise, Terminator, ValueData, ValueDef,
};
pub use op::{
    prange_body_types, prange_partials_ok, ArrayOp, Attr, DictOp, Effects, GufuncCall, ListOp, Op,
    Operands, PrintFormat, RangeOp, Rerun, Stage, Stages,
};

#[cfg(test)]
mod tests;
