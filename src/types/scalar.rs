//! NumPy's numeric scalar dtypes: names, short codes, sizes, type numbers.
//!
//! `Scalar` is the closed set of element types the compiler supports. Its
//! `typenum` values are NumPy's (`NPY_BOOL` = 0, ..., `NPY_HALF` = 23) for a
//! 64-bit Linux build, where int64 is `NPY_LONG`; they are checked against
//! the running NumPy (`python::ufunc::check_typenums`) by the first
//! decorator call, before any ufunc is made or loop registered.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    Bool,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F16,
    F32,
    F64,
    C64,
    C128,
}

/// The kind of a scalar, ordered as NumPy orders kinds in promotion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

impl Scalar {
    /// The form a scalar of this type crosses native boundaries in (`@jit`
    /// arguments and results, `print`): bool as a byte, signed integers as
    /// int64, unsigned as uint64, floats as float64, complex as two
    /// float64.
    pub fn canonical(self) -> Scalar {
        match self.kind() {
            Kind::Bool => Scalar::Bool,
            Kind::Int if self.is_signed() => Scalar::I64,
            Kind::Int => Scalar::U64,
            Kind::Float => Scalar::F64,
            Kind::Complex => Scalar::C128,
        }
    }

    pub const ALL: [Scalar; 14] = [
        Scalar::Bool,
        Scalar::I8,
        Scalar::U8,
        Scalar::I16,
        Scalar::U16,
        Scalar::I32,
        Scalar::U32,
        Scalar::I64,
        Scalar::U64,
        Scalar::F16,
        Scalar::F32,
        Scalar::F64,
        Scalar::C64,
        Scalar::C128,
    ];

    pub fn kind(self) -> Kind {
        use Scalar::*;
        match self {
            Bool => Kind::Bool,
            I8 | U8 | I16 | U16 | I32 | U32 | I64 | U64 => Kind::Int,
            F16 | F32 | F64 => Kind::Float,
            C64 | C128 => Kind::Complex,
        }
    }

    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }
    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }
    pub fn is_complex(self) -> bool {
        self.kind() == Kind::Complex
    }
    /// The smallest and largest value of an integer type (of bool: 0, 1).
    pub fn int_range(self) -> (i128, i128) {
        let bits = self.bits();
        if self == Scalar::Bool {
            (0, 1)
        } else if self.is_signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    pub fn is_signed(self) -> bool {
        use Scalar::*;
        matches!(self, I8 | I16 | I32 | I64)
    }
    pub fn is_unsigned(self) -> bool {
        use Scalar::*;
        matches!(self, U8 | U16 | U32 | U64)
    }

    /// Size in bytes of one element.
    pub fn itemsize(self) -> usize {
        use Scalar::*;
        match self {
            Bool | I8 | U8 => 1,
            I16 | U16 | F16 => 2,
            I32 | U32 | F32 => 4,
            I64 | U64 | F64 | C64 => 8,
            C128 => 16,
        }
    }

    /// Bit width of an integer type (1 for bool).
    pub fn bits(self) -> u32 {
        if self == Scalar::Bool {
            1
        } else {
            self.itemsize() as u32 * 8
        }
    }

    /// The float type of a complex type's components.
    pub fn component(self) -> Scalar {
        match self {
            Scalar::C64 => Scalar::F32,
            Scalar::C128 => Scalar::F64,
            other => other,
        }
    }

    /// The complex type whose components are this float type.
    pub fn complex_of(self) -> Scalar {
        match self {
            Scalar::F16 | Scalar::F32 | Scalar::C64 => Scalar::C64,
            _ => Scalar::C128,
        }
    }

    pub fn int_of_bits(bits: u32, signed: bool) -> Option<Scalar> {
        use Scalar::*;
        Some(match (bits, signed) {
            (8, true) => I8,
            (16, true) => I16,
            (32, true) => I32,
            (64, true) => I64,
            (8, false) => U8,
            (16, false) => U16,
            (32, false) => U32,
            (64, false) => U64,
            _ => return None,
        })
    }

    /// NumPy's type number on 64-bit Linux.
    pub fn typenum(self) -> i32 {
        use Scalar::*;
        match self {
            Bool => 0,
            I8 => 1,
            U8 => 2,
            I16 => 3,
            U16 => 4,
            I32 => 5,
            U32 => 6,
            I64 => 7,
            U64 => 8,
            F32 => 11,
            F64 => 12,
            C64 => 14,
            C128 => 15,
            F16 => 23,
        }
    }

    pub fn from_typenum(num: i32) -> Option<Scalar> {
        Scalar::ALL
            .into_iter()
            .find(|s| s.typenum() == num)
            .or(match num {
                9 => Some(Scalar::I64),  // NPY_LONGLONG
                10 => Some(Scalar::U64), // NPY_ULONGLONG
                _ => None,
            })
    }

    /// NumPy's dtype name.
    pub fn name(self) -> &'static str {
        use Scalar::*;
        match self {
            Bool => "bool",
            I8 => "int8",
            U8 => "uint8",
            I16 => "int16",
            U16 => "uint16",
            I32 => "int32",
            U32 => "uint32",
            I64 => "int64",
            U64 => "uint64",
            F16 => "float16",
            F32 => "float32",
            F64 => "float64",
            C64 => "complex64",
            C128 => "complex128",
        }
    }

    /// NumPy's one-character type code (`ufunc.types` spelling).
    pub fn char_code(self) -> char {
        use Scalar::*;
        match self {
            Bool => '?',
            I8 => 'b',
            U8 => 'B',
            I16 => 'h',
            U16 => 'H',
            I32 => 'i',
            U32 => 'I',
            I64 => 'l',
            U64 => 'L',
            F16 => 'e',
            F32 => 'f',
            F64 => 'd',
            C64 => 'F',
            C128 => 'D',
        }
    }

    /// Parses a dtype name as written in signatures: NumPy names, Numba's
    /// aliases and short codes (`f8`, `i4`, `c16`, `b1`, ...).
    pub fn parse(name: &str) -> Option<Scalar> {
        use Scalar::*;
        Some(match name {
            "bool" | "bool_" | "boolean" | "b1" | "?" => Bool,
            "int8" | "i1" | "byte" | "b" => I8,
            "uint8" | "u1" | "ubyte" | "B" => U8,
            "int16" | "i2" | "short" | "h" => I16,
            "uint16" | "u2" | "ushort" | "H" => U16,
            "int32" | "i4" | "intc" | "i" => I32,
            "uint32" | "u4" | "uintc" | "I" => U32,
            "int64" | "i8" | "int_" | "intp" | "long" | "longlong" | "l" | "q" => I64,
            "uint64" | "u8" | "uint" | "uintp" | "ulong" | "ulonglong" | "L" | "Q" => U64,
            "float16" | "f2" | "half" | "e" => F16,
            "float32" | "f4" | "single" | "float" | "f" => F32,
            "float64" | "f8" | "double" | "d" => F64,
            "complex64" | "c8" | "csingle" | "F" => C64,
            "complex128" | "c16" | "cdouble" | "complex" | "D" => C128,
            _ => return None,
        })
    }
}

impl Scalar {
    /// What `np.dtype(text)` means by a string, for the numeric dtypes:
    /// NumPy's names (`"float"` is float64 here, where Numba's signature
    /// alias is float32), one-character codes and `"<f8"`-style strings in
    /// native byte order.
    pub fn from_numpy_string(text: &str) -> Option<Scalar> {
        let native = ['<', '=', '|'];
        let body = text.strip_prefix(native).unwrap_or(text);
        match body {
            "float" => Some(Scalar::F64),
            "complex" => Some(Scalar::C128),
            "int" => Some(Scalar::I64),
            "bool" => Some(Scalar::Bool),
            _ => Scalar::parse(body),
        }
    }

    /// NumPy's `dtype.kind`: `b`, `i`, `u`, `f` or `c`.
    pub fn kind_char(self) -> char {
        match self.kind() {
            Kind::Bool => 'b',
            Kind::Int if self.is_signed() => 'i',
            Kind::Int => 'u',
            Kind::Float => 'f',
            Kind::Complex => 'c',
        }
    }

    /// NumPy's `dtype.str` in native (little-endian) byte order: `<f8`,
    /// `|b1`.
    pub fn dtype_str(self) -> String {
        let order = if self.itemsize() == 1 { '|' } else { '<' };
        format!("{order}{}{}", self.kind_char(), self.itemsize())
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
