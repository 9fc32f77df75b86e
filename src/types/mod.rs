//! The type system: NumPy scalar dtypes, inferred value types, NumPy 2
//! promotion and casting, and signature strings.

pub mod gufunc_layout;
pub mod gufunc_plan;
pub mod item;
pub mod promote;
pub mod scalar;
pub mod signature;
pub mod ty;

pub use item::{Item, ItemKind};
pub use promote::{can_cast, join, promote, Casting};
pub use scalar::{Kind, Scalar};
pub use signature::{parse_signature, parse_type, Signature};
pub use ty::{intern, ArrayType, FunctionRef, Layout, Memory, Type, Weak};
