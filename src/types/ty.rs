//! The types the compiler infers for values.
//!
//! NumPy scalars are *strong* (`Type::Scalar`); Python literals and the
//! results of Python builtins (`1`, `2.5`, `math.exp(x)`, `len(a)`) are
//! *weak* (`Type::Weak`) and follow NEP 50: they adopt the kind-compatible
//! strong type they meet. A weak value is stored as its Python counterpart
//! (`int` -> int64, `float` -> float64, `complex` -> complex128).

use std::fmt;

use super::item::Item;
use super::scalar::{Kind, Scalar};

/// A Python scalar type (`bool`, `int`, `float`, `complex`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weak {
    Bool,
    Int,
    Float,
    Complex,
}

impl Weak {
    pub fn kind(self) -> Kind {
        match self {
            Weak::Bool => Kind::Bool,
            Weak::Int => Kind::Int,
            Weak::Float => Kind::Float,
            Weak::Complex => Kind::Complex,
        }
    }

    pub fn of_kind(kind: Kind) -> Weak {
        match kind {
            Kind::Bool => Weak::Bool,
            Kind::Int => Weak::Int,
            Kind::Float => Weak::Float,
            Kind::Complex => Weak::Complex,
        }
    }

    /// The NumPy type a Python scalar of this kind becomes on its own
    /// (`np.asarray(1).dtype` is int64, and so on).
    pub fn default_scalar(self) -> Scalar {
        match self {
            Weak::Bool => Scalar::Bool,
            Weak::Int => Scalar::I64,
            Weak::Float => Scalar::F64,
            Weak::Complex => Scalar::C128,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Weak::Bool => "bool",
            Weak::Int => "int",
            Weak::Float => "float",
            Weak::Complex => "complex",
        }
    }
}

/// Memory layout of an array argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Any strides (`float64[:, :]`).
    Any,
    /// C-contiguous: the last axis has unit stride (`float64[:, ::1]`).
    C,
}

/// Who owns the memory an array view points to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Memory {
    /// Memory the caller lends for the call: an argument (a ufunc's
    /// operands) or a view of one. Compiled code never frees it.
    #[default]
    Borrowed,
    /// An array allocated by compiled code: a reference-counted block that
    /// the view's owner pointer keeps alive (`codegen::arrays::View`).
    Owned,
}

/// Whether a view of type `from` may be seen as one of type `to` (the same
/// view): the same dtype and dimensions, a layout at least as loose,
/// read-only if it was, and owned if it was (a borrowed view counts as
/// owned: counting its reference does nothing).
pub fn view_converts(from: &ArrayType, to: &ArrayType) -> bool {
    from.dtype == to.dtype
        && from.ndim == to.ndim
        && (to.layout == Layout::Any || from.layout == to.layout)
        && (to.readonly || !from.readonly)
        && (to.memory == Memory::Owned || from.memory == Memory::Borrowed)
}

/// An array view: element type, number of dimensions, layout, writability,
/// and who owns its memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArrayType {
    pub dtype: Scalar,
    pub ndim: u32,
    pub layout: Layout,
    pub readonly: bool,
    pub memory: Memory,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Type {
    /// Not known yet (only before type inference), or a value on a path
    /// where a variable was never assigned.
    #[default]
    Unknown,
    /// A NumPy scalar.
    Scalar(Scalar),
    /// A Python scalar (weak in promotion).
    Weak(Weak),
    /// An array view.
    Array(ArrayType),
    /// A tuple of values (`a, b`, `arr.shape`).
    Tuple(Vec<Type>),
    /// `None`: the result of a function that returns nothing.
    NoneType,
    /// `start:stop:step` inside a subscript: three int64 parts, `i64::MIN`
    /// where one was omitted (`Type::SLICE_OMITTED`).
    Slice,
    /// `a.dtype`: known from the type alone, so it has no machine value;
    /// it can be passed as `dtype=` and compared.
    DType(Scalar),
    /// A string known when compiling (`"f"`, `a.dtype.kind`, a global
    /// string): it has no machine value; comparisons with it are decided
    /// by typing (`if out.dtype.kind == "f":` keeps one branch).
    Str(&'static str),
    /// `np.finfo(t)` (a float dtype) or `np.iinfo(t)` (an integer dtype):
    /// known from the type alone; its attributes (`.eps`, `.max`, ...) are
    /// constants.
    Info(Scalar),
    /// A `@jit` function or jitufunc ufunc passed as an argument: which one
    /// is part of the type (`crate::syntax::function_value`), so it has
    /// no machine value; calling it calls that kernel.
    Function(FunctionRef),
    /// A typed List (`jitufunc.typed.List`, `engine::list`): a pointer to
    /// its reference-counted header; the item type (a number or a typed
    /// container) is part of the type.
    List(Item),
    /// A typed Dict (`jitufunc.typed.Dict`, `engine::dict`): a pointer to
    /// its reference-counted header; the key type (a number) and value
    /// type (a number or a typed container) are part of the type.
    Dict(Scalar, Item),
    /// A typed container's type as a value (`types.ListType(types.int64)`
    /// read from a global): known from the type alone, so it has no
    /// machine value; `List.empty_list` and `Dict.empty` take it.
    ItemType(Item),
    /// A `numpy.random.Generator` argument: a pointer to its bit
    /// generator's `bitgen_t` (NumPy's C API for random numbers: the
    /// state, then its `next_uint64`, `next_uint32` and `next_double`
    /// functions), which the caller keeps alive for the call.
    Generator,
}

/// A function passed as a value: its number in the process's table of
/// them (`crate::syntax::function_value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionRef(pub u32);

impl Type {
    pub const BOOL: Type = Type::Scalar(Scalar::Bool);
    pub const I64: Type = Type::Scalar(Scalar::I64);
    pub const F64: Type = Type::Scalar(Scalar::F64);
    pub const PY_INT: Type = Type::Weak(Weak::Int);
    pub const PY_FLOAT: Type = Type::Weak(Weak::Float);
    pub const PY_BOOL: Type = Type::Weak(Weak::Bool);
    /// The part of a slice value that stands for an omitted bound or step.
    pub const SLICE_OMITTED: i64 = i64::MIN;

    /// Whether values of this type exist at run time (`None` and dtypes
    /// are known from their types alone).
    pub fn has_value(&self) -> bool {
        match self {
            Type::NoneType
            | Type::DType(_)
            | Type::Function(_)
            | Type::Str(_)
            | Type::Info(_)
            | Type::ItemType(_) => false,
            // (a tuple of strings: `kind in ("f", "c")`)
            Type::Tuple(items) => items.is_empty() || items.iter().any(Type::has_value),
            _ => true,
        }
    }

    /// The scalar this value is stored as, if it is a (strong or weak) scalar.
    pub fn storage(&self) -> Option<Scalar> {
        match self {
            Type::Scalar(s) => Some(*s),
            Type::Weak(w) => Some(w.default_scalar()),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<Kind> {
        match self {
            Type::Scalar(s) => Some(s.kind()),
            Type::Weak(w) => Some(w.kind()),
            _ => None,
        }
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self, Type::Scalar(_) | Type::Weak(_))
    }

    pub fn is_weak(&self) -> bool {
        matches!(self, Type::Weak(_))
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, Type::Unknown)
    }

    /// The strong type of a scalar: weak types become their defaults.
    pub fn strong(&self) -> Type {
        match self {
            Type::Weak(w) => Type::Scalar(w.default_scalar()),
            other => other.clone(),
        }
    }
}

impl fmt::Display for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[", self.dtype)?;
        for axis in 0..self.ndim {
            if axis > 0 {
                f.write_str(", ")?;
            }
            if axis + 1 == self.ndim && self.layout == Layout::C {
                f.write_str("::1")?;
            } else {
                f.write_str(":")?;
            }
        }
        f.write_str("]")?;
        if self.readonly {
            f.write_str(" (readonly)")?;
        }
        if self.memory == Memory::Owned {
            f.write_str(" (owned)")?;
        }
        Ok(())
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unknown => f.write_str("?"),
            Type::Scalar(s) => write!(f, "{s}"),
            Type::Weak(w) => write!(f, "py{}", w.name()),
            Type::Array(a) => write!(f, "{a}"),
            Type::Tuple(items) => {
                f.write_str("(")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Type::NoneType => f.write_str("none"),
            Type::Slice => f.write_str("slice"),
            Type::DType(s) => write!(f, "dtype({s})"),
            Type::Str(text) => write!(f, "str({text:?})"),
            Type::Info(s) if s.is_int() => write!(f, "iinfo({s})"),
            Type::Info(s) => write!(f, "finfo({s})"),
            Type::ItemType(i) => write!(f, "type[{i}]"),
            Type::Generator => f.write_str("Generator"),
            Type::Function(r) => write!(f, "function(#{})", r.0),
            Type::List(s) => write!(f, "ListType[{s}]"),
            Type::Dict(k, v) => write!(f, "DictType[{k},{v}]"),
        }
    }
}

/// The one copy of string `text` that lives as long as the process
/// (strings known when compiling are part of types, which are `'static`).
/// Only the distinct strings of compiled programs are kept.
pub fn intern(text: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static STRINGS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = STRINGS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = set.get(text) {
        return s;
    }
    let s: &'static str = Box::leak(text.to_owned().into_boxed_str());
    set.insert(s);
    s
}
