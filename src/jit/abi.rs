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
//! - The owner word of an argument's view record is the argument object's
//!   address with its lowest bit set (`engine::memory`): the function may
//!   return a view of the argument, whose base is then the argument.
//! - `ret` receives the return value: each leaf of the return type (tuples
//!   flattened, depth first; `None` has none) in order: a scalar in a
//!   16-byte slot, canonical; an array as a view record, whose owner
//!   reference (if it is a block) passes to the caller.
//! - The result's bit 0 is set when the function raised; the exception
//!   was reported to the runtime's error handler (`engine::runtime`).
//!   Above `FLAGS_SHIFT` are the FP flags its array expressions set
//!   (`codegen::fpstatus` bits), which the caller reports as NumPy does
//!   after a ufunc (`np.errstate`).

use crate::error::{CompileError, ErrorKind, Result};
use crate::types::{ArrayType, Item, Scalar, Type};

/// Where the FP flags start in an entry's result.
pub const FLAGS_SHIFT: u32 = 8;

/// Bytes per scalar slot.
pub const SLOT: usize = 16;

/// The canonical form a scalar of type `s` crosses the boundary in.
pub fn canonical(s: Scalar) -> Scalar {
    s.canonical()
}

/// 64-bit words of the view record of an array with `ndim` dimensions.
pub fn view_words(ndim: u32) -> usize {
    2 + 2 * ndim as usize
}

/// One leaf of a return value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    Scalar(Scalar),
    Array(ArrayType),
    /// A typed List: its header pointer (one word), one reference to it.
    List(Item),
    /// A typed Dict: its header pointer (one word), one reference to it.
    Dict(Scalar, Item),
}

impl Leaf {
    /// Its size in the return buffer, in 64-bit words.
    pub fn words(self) -> usize {
        match self {
            Leaf::Scalar(_) => SLOT / 8,
            Leaf::Array(a) => view_words(a.ndim),
            Leaf::List(_) | Leaf::Dict(..) => 1,
        }
    }
}

/// The leaves of a return type, in buffer order.
pub fn return_leaves(t: &Type) -> Result<Vec<Leaf>> {
    let mut out = vec![];
    leaves(t, &mut out)?;
    Ok(out)
}

fn leaves(t: &Type, out: &mut Vec<Leaf>) -> Result<()> {
    match t {
        Type::NoneType => Ok(()),
        Type::Scalar(s) => {
            out.push(Leaf::Scalar(*s));
            Ok(())
        }
        Type::Weak(w) => {
            out.push(Leaf::Scalar(w.default_scalar()));
            Ok(())
        }
        Type::Tuple(items) => items.iter().try_for_each(|i| leaves(i, out)),
        Type::Array(a) => {
            out.push(Leaf::Array(*a));
            Ok(())
        }
        Type::List(s) => {
            out.push(Leaf::List(*s));
            Ok(())
        }
        Type::Dict(k, v) => {
            out.push(Leaf::Dict(*k, *v));
            Ok(())
        }
        Type::Slice => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return a slice object",
        )),
        Type::Function(_) => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return a function (functions can be passed as arguments and called)",
        )),
        Type::DType(_) => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return a dtype (a.dtype can be passed as dtype= and compared)",
        )),
        Type::Str(_) => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return a string (strings known when compiling can be compared)",
        )),
        Type::Generator => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return a numpy.random.Generator (return what it drew)",
        )),
        Type::ItemType(_) => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return a type object (types.ListType(...) can be passed to List.empty_list and Dict.empty)",
        )),
        Type::Info(_) => Err(CompileError::new(
            ErrorKind::Unsupported,
            "a @jit function cannot return np.finfo/np.iinfo (read its attributes: .eps, .max, ...)",
        )),
        Type::Unknown => Err(CompileError::new(
            ErrorKind::Internal,
            "a return value of unknown type",
        )),
    }
}
