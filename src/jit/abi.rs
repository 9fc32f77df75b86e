//! The native calling convention of a `@jit` entry function, shared by the
//! entry wrapper (`door`) and the dispatcher that calls it
//! (`crate::python::dispatcher`):
//!
//! ```text
//! int32 entry(const uint8_t *const *args, uint8_t *ret)
//! ```
//!
//! - `args[k]` points to parameter k. A scalar is a 16-byte slot holding
//!   its *canonical* value (`canonical`): bool as a byte, signed integers
//!   as int64, unsigned as uint64, floats as float64, complex numbers as
//!   two float64. An array is a view record of 64-bit words: data pointer,
//!   owner pointer (null: the caller's memory), the shape, the strides in
//!   bytes (`view_words`).
//! - `ret` receives the return value: each scalar leaf of the return type
//!   (tuples flattened, depth first; `None` has none) in its own 16-byte
//!   slot, canonical.
//! - The result is 0, or 1 when the function raised; the exception was
//!   reported to the runtime's error handler (`engine::runtime`).

use crate::error::{CompileError, ErrorKind, Result};
use crate::types::{Kind, Scalar, Type};

/// Bytes per scalar slot.
pub const SLOT: usize = 16;

/// The canonical form a scalar of type `s` crosses the boundary in.
pub fn canonical(s: Scalar) -> Scalar {
    match s.kind() {
        Kind::Bool => Scalar::Bool,
        Kind::Int if s.is_signed() => Scalar::I64,
        Kind::Int => Scalar::U64,
        Kind::Float => Scalar::F64,
        Kind::Complex => Scalar::C128,
    }
}

/// 64-bit words of the view record of an array with `ndim` dimensions.
pub fn view_words(ndim: u32) -> usize {
    2 + 2 * ndim as usize
}

/// The scalar leaves of a return type, in slot order.
pub fn return_leaves(t: &Type) -> Result<Vec<Scalar>> {
    let mut out = vec![];
    leaves(t, &mut out)?;
    Ok(out)
}

fn leaves(t: &Type, out: &mut Vec<Scalar>) -> Result<()> {
    match t {
        Type::NoneType => Ok(()),
        Type::Scalar(s) => {
            out.push(*s);
            Ok(())
        }
        Type::Weak(w) => {
            out.push(w.default_scalar());
            Ok(())
        }
        Type::Tuple(items) => items.iter().try_for_each(|i| leaves(i, out)),
        Type::Array(_) => Err(CompileError::new(
            ErrorKind::Unsupported,
            "returning an array from a @jit function is not supported yet",
        )),
        Type::Unknown => Err(CompileError::internal("a return value of unknown type")),
    }
}
