//! Typed IR to LLVM IR.
//!
//! `Codegen` owns one LLVM module (one per decorated function, holding all
//! of its signatures); `function::emit_program` emits a typed `Program`
//! as internal, always-inlined functions that the loops in `crate::loops`
//! call. Operations are emitted per kind: `scalar` (constants, casts,
//! comparisons), `arith` (operators), `math` (real functions, libm and
//! libmvec), `complex`, `arrays`.

pub mod arith;
pub mod arrays;
pub mod c_call;
pub mod complex;
pub mod container;
pub mod context;
pub mod counted_loop;
pub mod dict;
pub mod fastmath;
pub mod fpstatus;
pub mod function;
pub mod list;
pub mod masked;
pub mod math;
pub mod memory;
pub mod metadata;
pub mod parallel_for;
pub mod print;
pub mod raise;
pub mod random;
pub mod range;
pub mod scalar;
pub mod tuple;

pub use context::{next_module_id, symbol_safe, Codegen, CodegenOptions, ErrorModel, FastMath};
