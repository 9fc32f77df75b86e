//! Argument types as the dispatcher reads them from Python objects, packed
//! into one `u32` each (`ArgKey`) so that finding the specialisation for a
//! call compares a few integers and creates no Python objects.

use crate::types::{ArrayType, Layout, Memory, Scalar, Type};

/// One argument's type: a scalar dtype, or an array's dtype, number of
/// dimensions, layout and writability.
///
/// Bits 0-7: the dtype's NumPy type number; bit 8: an array; bits 9-15: its
/// number of dimensions; bit 16: C-contiguous; bit 17: read-only; bit 18: a
/// Python `bool` (not `np.bool_`: `True + True` is 2 in Python).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArgKey(pub u32);

const ARRAY: u32 = 1 << 8;
const C_CONTIGUOUS: u32 = 1 << 16;
const READONLY: u32 = 1 << 17;
const PYTHON_BOOL: u32 = 1 << 18;
/// Arrays of more dimensions than this are refused (NumPy's limit is 64).
pub const MAX_NDIM: u32 = 64;

impl ArgKey {
    pub fn scalar(s: Scalar) -> ArgKey {
        ArgKey(s.typenum() as u32)
    }

    /// A Python `bool`: typed as Python's bool (weak), so that arithmetic
    /// on it is Python's (`True + True == 2`), as Numba's is.
    pub fn python_bool() -> ArgKey {
        ArgKey(Scalar::Bool.typenum() as u32 | PYTHON_BOOL)
    }

    pub fn array(dtype: Scalar, ndim: u32, c_contiguous: bool, readonly: bool) -> ArgKey {
        let mut k = dtype.typenum() as u32 | ARRAY | (ndim.min(MAX_NDIM) << 9);
        if c_contiguous && ndim > 0 {
            k |= C_CONTIGUOUS;
        }
        if readonly {
            k |= READONLY;
        }
        ArgKey(k)
    }

    pub fn dtype(self) -> Scalar {
        Scalar::from_typenum((self.0 & 0xff) as i32).expect("keys are made from scalars")
    }

    pub fn is_array(self) -> bool {
        self.0 & ARRAY != 0
    }

    pub fn ndim(self) -> u32 {
        (self.0 >> 9) & 0x7f
    }

    /// The type the function is compiled for.
    pub fn to_type(self) -> Type {
        if self.0 & PYTHON_BOOL != 0 {
            return Type::Weak(crate::types::Weak::Bool);
        }
        if !self.is_array() {
            return Type::Scalar(self.dtype());
        }
        Type::Array(ArrayType {
            dtype: self.dtype(),
            ndim: self.ndim(),
            layout: if self.0 & C_CONTIGUOUS != 0 {
                Layout::C
            } else {
                Layout::Any
            },
            readonly: self.0 & READONLY != 0,
            memory: Memory::Borrowed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_to_types() {
        assert_eq!(ArgKey::scalar(Scalar::F64).to_type(), Type::F64);
        let a = ArgKey::array(Scalar::I16, 3, true, true);
        assert!(a.is_array());
        assert_eq!(
            a.to_type(),
            Type::Array(ArrayType {
                dtype: Scalar::I16,
                ndim: 3,
                layout: Layout::C,
                readonly: true,
                memory: Memory::Borrowed,
            })
        );
        // A 0-d array has no contiguous axis to exploit.
        assert_eq!(
            ArgKey::array(Scalar::F32, 0, true, false),
            ArgKey::array(Scalar::F32, 0, false, false)
        );
        assert_ne!(
            ArgKey::array(Scalar::F64, 1, true, false),
            ArgKey::scalar(Scalar::F64)
        );
    }
}
