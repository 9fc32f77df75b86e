//! Signature strings in Numba's spelling.
//!
//! ```text
//! float64(float64, float64)      f8(f8, f8)      int32(int64, float32)
//! void(float64[:, :], float64[:])                float64[::1] (C-contiguous)
//! (float64, float64)(float64)    Tuple((f8, i8))(f8)    UniTuple(f8, 2)(f8)
//! (float64, float64)             -- no return type: it is inferred
//! ```
//! and the text Numba's own type objects print, so signatures built from
//! `numba.float64[:]`, `numba.types.*` or `Signature` objects work:
//! ```text
//! array(float64, 1d, A)          readonly array(float32, 2d, C)
//! Array(float64, 1, 'C', False, aligned=True)
//! (float64, int64) -> float64    (Array(...), Array(...)) -> none
//! float64[::1, :] (F order)      UniTuple(float64 x 3)    Tuple(float64, int64)
//! f8[:], f8[:]                   -- argument types only, as Numba takes them
//! ```
//! A bad signature is a `Signature` error that quotes the text and says what
//! is wrong where.

use std::fmt;

use super::item::Item;
use super::scalar::Scalar;
use super::ty::{ArrayType, Layout, Memory, Type, Weak};
use crate::error::{CompileError, ErrorKind, Result};

/// A parsed signature. `ret == None` means "infer the return type".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub args: Vec<Type>,
    pub ret: Option<Type>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.ret {
            Some(Type::NoneType) => f.write_str("void")?,
            Some(t) => write!(f, "{t}")?,
            None => {}
        }
        f.write_str("(")?;
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{a}")?;
        }
        f.write_str(")")
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Types being parsed inside one another.
    depth: u32,
}

/// The most items a `UniTuple(t, n)` may have: NumPy's limit on a ufunc's
/// operands (`NPY_MAXARGS`), far above any real signature.
const MAX_TUPLE_ITEMS: usize = 64;
/// The deepest types may nest (`((f8, f8), f8)` is depth 3).
const MAX_TYPE_DEPTH: u32 = 16;
/// The most numbers and arrays one type may hold in all (nested tuples
/// multiply), so that no type is too big to compile or to print.
const MAX_TYPE_LEAVES: usize = 1024;

/// How many numbers and arrays `t` holds.
fn leaves(t: &Type) -> usize {
    match t {
        Type::Tuple(items) => items.iter().map(leaves).sum(),
        _ => 1,
    }
}

const TYPE_NAMES: &[&str] = &[
    "bool",
    "boolean",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "intp",
    "void",
    "Generator",
    "b1",
    "i1",
    "i2",
    "i4",
    "i8",
    "u1",
    "u2",
    "u4",
    "u8",
    "f2",
    "f4",
    "f8",
    "c8",
    "c16",
];

impl<'a> Parser<'a> {
    fn error(&self, what: impl fmt::Display) -> CompileError {
        // A long signature is shown around the place of the error.
        const WIDTH: usize = 100;
        let (start, end) = if self.text.len() <= WIDTH {
            (0, self.text.len())
        } else {
            let start = self
                .pos
                .saturating_sub(WIDTH / 2)
                .min(self.text.len() - WIDTH);
            (start, start + WIDTH)
        };
        let floor = |mut i: usize| {
            while !self.text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (start, end) = (floor(start), floor(end));
        let shown = format!(
            "{}{}{}",
            if start > 0 { "..." } else { "" },
            &self.text[start..end],
            if end < self.text.len() { "..." } else { "" }
        );
        let quoted = if self.text.len() <= WIDTH {
            format!("{:?}", self.text)
        } else {
            format!("of {} characters", self.text.len())
        };
        let caret_at = self.pos.saturating_sub(start) + if start > 0 { 3 } else { 0 };
        let caret = format!("{}^", " ".repeat(caret_at));
        CompileError::new(
            ErrorKind::Signature,
            format!("invalid signature {quoted}: {what}\n    {shown}\n     {caret}"),
        )
    }

    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            let found = match self.peek() {
                Some(f) => format!("found {f:?}"),
                None => "the signature ends".to_string(),
            };
            Err(self.error(format!("expected {c:?} but {found}")))
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some(&rest[..len])
    }

    /// `scalar`, `scalar[:, ::1]`, `Tuple((...))`, `UniTuple(t, n)`, `void`.
    fn ty(&mut self) -> Result<Type> {
        if self.depth >= MAX_TYPE_DEPTH {
            return Err(self.error(format!("types nest more than {MAX_TYPE_DEPTH} levels deep")));
        }
        self.depth += 1;
        let t = self.ty_inner();
        self.depth -= 1;
        let t = t?;
        if leaves(&t) > MAX_TYPE_LEAVES {
            return Err(self.error(format!(
                "a type holds more than {MAX_TYPE_LEAVES} numbers and arrays in all"
            )));
        }
        Ok(t)
    }

    fn ty_inner(&mut self) -> Result<Type> {
        if self.peek() == Some('(') {
            return self.tuple_body();
        }
        let start = self.pos;
        let Some(name) = self.ident() else {
            return Err(self.error("expected a type name"));
        };
        match name {
            "void" | "none" => return Ok(Type::NoneType),
            // A numpy.random.Generator (Numba's `NumPyRandomGeneratorType`).
            "Generator" => return Ok(Type::Generator),
            "Tuple" => {
                // `Tuple((f8, i8))`, or `Tuple(float64, int64)` as Numba
                // prints it (its items are never bare parentheses).
                let open = self.pos;
                self.expect('(')?;
                if self.peek() == Some('(') {
                    let t = self.tuple_body()?;
                    self.expect(')')?;
                    return Ok(t);
                }
                self.pos = open;
                return self.tuple_body();
            }
            // `ListType[float64]`: a typed List (as Numba prints it); its
            // items may be typed containers (`ListType[ListType[int64]]`).
            "ListType" => {
                self.expect('[')?;
                let item = self.item_type("typed Lists")?;
                self.expect(']')?;
                return Ok(Type::List(item));
            }
            // `DictType[int64,float64]`: a typed Dict (as Numba prints it);
            // its values may be typed containers.
            "DictType" => {
                self.expect('[')?;
                let key = self.dtype_name()?;
                self.expect(',')?;
                let value = self.item_type("typed Dicts")?;
                self.expect(']')?;
                if matches!(key, Scalar::F16 | Scalar::C64 | Scalar::C128) {
                    return Err(self.error(
                        "typed Dicts take keys of booleans, integers or floats (32 and 64 bits)",
                    ));
                }
                return Ok(Type::Dict(key, value));
            }
            "array" => return self.numba_array_str(false),
            "readonly" => {
                if self.ident() != Some("array") {
                    return Err(self.error("expected 'array' after 'readonly'"));
                }
                return self.numba_array_str(true);
            }
            "Array" => return self.numba_array_repr(),
            "UniTuple" => {
                self.expect('(')?;
                let item = self.ty()?;
                // `UniTuple(f8, 3)`, or `UniTuple(float64 x 3)` as Numba
                // prints it.
                self.skip_ws();
                if self.text[self.pos..].starts_with("x ") {
                    self.pos += 1;
                } else {
                    self.expect(',')?;
                }
                self.skip_ws();
                let count = self
                    .ident()
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| self.error("expected a positive tuple length"))?;
                if count > MAX_TUPLE_ITEMS {
                    return Err(self.error(format!(
                        "UniTuple of {count} items: at most {MAX_TUPLE_ITEMS} (NumPy's limit on a ufunc's operands)"
                    )));
                }
                self.expect(')')?;
                return Ok(Type::Tuple(vec![item; count]));
            }
            // Python scalars, as `Type`'s display writes them (`pyint`).
            "pybool" => return Ok(Type::Weak(Weak::Bool)),
            "pyint" => return Ok(Type::Weak(Weak::Int)),
            "pyfloat" => return Ok(Type::Weak(Weak::Float)),
            "pycomplex" => return Ok(Type::Weak(Weak::Complex)),
            _ => {}
        }
        let Some(dtype) = Scalar::parse(name) else {
            self.pos = start;
            let hint = suggestion(name)
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            return Err(self.error(format!("unknown type '{name}'{hint}")));
        };
        if self.peek() != Some('[') {
            return Ok(Type::Scalar(dtype));
        }
        self.expect('[')?;
        let mut ndim = 0u32;
        let mut contiguous_last = false;
        // `float64[::1, :, :]`: Fortran order (unit stride first), which
        // is strided here (`Layout::Any`).
        let bracket = self.pos;
        if self.text[self.pos..].trim_start().starts_with("::1") {
            let rest = &self.text[self.pos..];
            let close = rest.find(']').unwrap_or(rest.len());
            let dims: Vec<&str> = rest[..close].split(',').map(str::trim).collect();
            if dims.len() >= 2 && dims[0] == "::1" && dims[1..].iter().all(|d| *d == ":") {
                self.pos += close + 1;
                return Ok(self.finish_array(dtype, dims.len() as u32, Layout::Any));
            }
            self.pos = bracket;
        }
        // `float64[]`: a 0-d array, as `Type`'s display writes it.
        while !self.eat(']') {
            self.skip_ws();
            if self.text[self.pos..].starts_with("::1") {
                self.pos += 3;
                contiguous_last = true;
            } else if self.eat(':') {
                contiguous_last = false;
            } else {
                return Err(self.error("expected ':' or '::1' in array dimensions"));
            }
            ndim += 1;
            if self.peek() == Some(']') {
                continue;
            }
            if contiguous_last {
                return Err(self.error("'::1' (C contiguity) may only mark the last dimension"));
            }
            self.expect(',')?;
        }
        let layout = if contiguous_last {
            Layout::C
        } else {
            Layout::Any
        };
        Ok(self.finish_array(dtype, ndim, layout))
    }

    /// An array type, with the flags `Type`'s display adds after it (so
    /// that signatures round-trip).
    fn finish_array(&mut self, dtype: Scalar, ndim: u32, layout: Layout) -> Type {
        let mut flag = |word: &str| {
            self.skip_ws();
            let found = self.text[self.pos..].starts_with(word);
            if found {
                self.pos += word.len();
            }
            found
        };
        let readonly = flag("(readonly)");
        let owned = flag("(owned)");
        Type::Array(ArrayType {
            dtype,
            ndim,
            layout,
            readonly,
            memory: if owned {
                Memory::Owned
            } else {
                Memory::Borrowed
            },
        })
    }

    /// A number type's name, for the dtype of Numba's array spellings.
    /// The item type of a typed container (`holder`: "typed Lists"): a
    /// number other than float16, or a typed List or Dict.
    fn item_type(&mut self, holder: &str) -> Result<Item> {
        let start = self.pos;
        let t = self.ty()?;
        Item::of_type(&t).ok_or_else(|| {
            self.pos = start;
            self.error(format!(
                "{holder} hold numbers (not float16) and typed Lists and Dicts, not {t}"
            ))
        })
    }

    fn dtype_name(&mut self) -> Result<Scalar> {
        let start = self.pos;
        let name = self.ident().unwrap_or("");
        Scalar::parse(name).ok_or_else(|| {
            self.pos = start;
            self.error(format!(
                "expected a number type for the array's items, found '{name}'"
            ))
        })
    }

    /// Numba's layout letter: `C`, `F` or `A`, as a layout of `ndim`
    /// dimensions (a 1-d `F` array is contiguous; other `F` arrays are
    /// strided here).
    fn layout_letter(&mut self, letter: &str, ndim: u32) -> Result<Layout> {
        Ok(match (letter, ndim) {
            ("C", _) | ("F", 0..=1) => Layout::C,
            ("F", _) | ("A", _) => Layout::Any,
            _ => return Err(self.error(format!("expected the layout C, F or A, found '{letter}'"))),
        })
    }

    /// `array(float64, 2d, C)` (after `array`), as `str()` of a Numba array
    /// type prints it; `readonly` came before it.
    fn numba_array_str(&mut self, readonly: bool) -> Result<Type> {
        self.expect('(')?;
        let dtype = self.dtype_name()?;
        self.expect(',')?;
        let ndim = self
            .ident()
            .and_then(|d| d.strip_suffix('d'))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| self.error("expected the number of dimensions, as in '2d'"))?;
        self.expect(',')?;
        let letter = self.ident().unwrap_or("");
        let layout = self.layout_letter(letter, ndim)?;
        self.expect(')')?;
        Ok(self.numba_array(dtype, ndim, layout, readonly))
    }

    /// `Array(float64, 2, 'C', False, aligned=True)` (after `Array`), as
    /// `repr()` of a Numba array type prints it.
    fn numba_array_repr(&mut self) -> Result<Type> {
        self.expect('(')?;
        let dtype = self.dtype_name()?;
        self.expect(',')?;
        let ndim = self
            .ident()
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| self.error("expected the number of dimensions"))?;
        self.expect(',')?;
        let quote = if self.eat('\'') { '\'' } else { '"' };
        if quote == '"' {
            self.expect('"')?;
        }
        let letter = self.ident().unwrap_or("");
        let layout = self.layout_letter(letter, ndim)?;
        self.expect(quote)?;
        // Then `readonly` (positional or as a keyword) and `aligned=`.
        let mut readonly = false;
        while self.eat(',') {
            let (key, value) = match self.ident() {
                Some(key @ ("readonly" | "aligned")) => {
                    self.expect('=')?;
                    (key, self.ident())
                }
                value => ("readonly", value),
            };
            let value = match value {
                Some("True") => true,
                Some("False") => false,
                _ => return Err(self.error("expected True or False")),
            };
            if key == "readonly" {
                readonly = value;
            }
        }
        self.expect(')')?;
        Ok(self.numba_array(dtype, ndim, layout, readonly))
    }

    fn numba_array(&mut self, dtype: Scalar, ndim: u32, layout: Layout, readonly: bool) -> Type {
        let t = self.finish_array(dtype, ndim, layout);
        match t {
            Type::Array(mut a) => {
                a.readonly |= readonly;
                Type::Array(a)
            }
            other => other,
        }
    }

    /// `(t1, t2, ...)` as a tuple type.
    fn tuple_body(&mut self) -> Result<Type> {
        self.expect('(')?;
        let mut items = vec![];
        while !self.eat(')') {
            items.push(self.ty()?);
            if !self.eat(',') {
                self.expect(')')?;
                break;
            }
        }
        if items.is_empty() {
            return Err(self.error("an empty tuple is not a type"));
        }
        Ok(Type::Tuple(items))
    }

    fn arg_list(&mut self) -> Result<Vec<Type>> {
        self.expect('(')?;
        let mut args = vec![];
        if self.eat(')') {
            return Ok(args);
        }
        loop {
            let start = self.pos;
            let t = self.ty()?;
            // `none` is an argument type (@jit takes None); `void` is not.
            if matches!(t, Type::NoneType) && self.text[start..self.pos].trim() == "void" {
                return Err(self.error("'void' is only valid as a return type"));
            }
            args.push(t);
            if self.eat(')') {
                return Ok(args);
            }
            if !self.eat(',') {
                let found = match self.peek() {
                    Some(f) => format!("found {f:?}"),
                    None => "the signature ends".to_string(),
                };
                return Err(self.error(format!("expected ',' or ')' but {found}")));
            }
            if self.eat(')') {
                return Ok(args);
            }
        }
    }
}

fn suggestion(name: &str) -> Option<&'static str> {
    if name.len() < 3 || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    TYPE_NAMES
        .iter()
        .map(|cand| (edit_distance(name, cand), *cand))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Parses one type (`float64[:]`, `ListType[ListType[int64]]`).
pub fn parse_type(text: &str) -> Result<Type> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let t = p.ty()?;
    if p.peek().is_some() {
        return Err(p.error("unexpected text after the type"));
    }
    Ok(t)
}

/// Parses a signature string.
pub fn parse_signature(text: &str) -> Result<Signature> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    if p.peek().is_none() {
        return Err(p.error("the signature is empty"));
    }
    // Either `ret(args)` or `(args)`; a leading '(' may also open a tuple
    // return type: `(f8, f8)(f8)`.
    let (ret, args) = if p.peek() == Some('(') {
        let save = p.pos;
        let first = p.arg_list()?;
        if p.peek() == Some('(') {
            p.pos = save;
            let ret = p.tuple_body()?;
            (Some(ret), p.arg_list()?)
        } else if p.text[p.pos..].trim_start().starts_with("->") {
            // `(float64, int64) -> float64`: a Numba `Signature` printed.
            p.skip_ws();
            p.pos += 2;
            (Some(p.ty()?), first)
        } else {
            (None, first)
        }
    } else {
        let first = p.ty()?;
        if p.peek() == Some(',') {
            // `f8[:], f8[:]`: the argument types, without a return type,
            // as Numba takes them (a tuple of types).
            let mut args = vec![first];
            while p.eat(',') {
                if p.peek().is_none() {
                    break;
                }
                args.push(p.ty()?);
            }
            (None, args)
        } else {
            if p.peek() != Some('(') {
                return Err(p.error("expected '(' and the argument types after the return type"));
            }
            (Some(first), p.arg_list()?)
        }
    };
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected {c:?} after the argument list")));
    }
    Ok(Signature { args, ret })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displayed_signatures_parse_back() {
        for text in [
            "(float64[::1] (owned), float64[::1], (float64[:, ::1], int64), pybool, float64[::1] (owned))(float64[:, ::1], int64, pybool)",
            "pyint(int8[:] (readonly), pyfloat, pycomplex)",
            "none(float32[:, :] (readonly) (owned))",
            "float64(float64[], int8[] (readonly))",
            "ListType[float32](ListType[int64], ListType[complex128])",
            "DictType[int64,float64](DictType[float32,complex64])",
        ] {
            let s = parse_signature(text).unwrap();
            assert_eq!(s.to_string(), text.replace("none(", "void("));
        }
    }

    #[test]
    fn parses_numba_spellings() {
        let s = parse_signature("float64(float64, float64)").unwrap();
        assert_eq!(s.args, vec![Type::F64, Type::F64]);
        assert_eq!(s.ret, Some(Type::F64));
        let s = parse_signature("f8 ( i4,c16 )").unwrap();
        assert_eq!(s.ret, Some(Type::F64));
        assert_eq!(
            s.args,
            vec![Type::Scalar(Scalar::I32), Type::Scalar(Scalar::C128)]
        );
        let s = parse_signature("void(float64[:, ::1], f4[:])").unwrap();
        assert_eq!(s.ret, Some(Type::NoneType));
        assert!(matches!(&s.args[0], Type::Array(a) if a.ndim == 2 && a.layout == Layout::C));
        let s = parse_signature("(f8, f8)(f8)").unwrap();
        assert_eq!(s.ret, Some(Type::Tuple(vec![Type::F64, Type::F64])));
        let s = parse_signature("UniTuple(f8, 2)(f8)").unwrap();
        assert_eq!(s.ret, Some(Type::Tuple(vec![Type::F64, Type::F64])));
        let s = parse_signature("(f8, f8)").unwrap();
        assert_eq!(s.ret, None);
        assert_eq!(s.args.len(), 2);
    }

    /// What Numba 0.68's type objects print (`str(numba.float64[:])`,
    /// `str(numba.void(...))`, `repr(...)`) is the same signature as our
    /// spelling of it.
    #[test]
    fn parses_the_text_of_numba_type_objects() {
        let same = |numba: &str, ours: &str| {
            assert_eq!(
                parse_signature(numba).unwrap(),
                parse_signature(ours).unwrap(),
                "{numba}"
            );
        };
        same("(float64, int64) -> float64", "float64(float64, int64)");
        same(
            "(Array(float64, 1, 'A', False, aligned=True), Array(float64, 1, 'A', False, aligned=True)) -> none",
            "void(float64[:], float64[:])",
        );
        same("(float64,) -> none", "void(float64)");
        same(
            "void(array(float64, 1d, A), array(float32, 2d, C))",
            "void(f8[:], f4[:, ::1])",
        );
        same(
            "void(array(int64, 1d, F), array(int64, 2d, F))",
            "void(i8[::1], i8[:, :])",
        );
        same(
            "void(readonly array(float64, 1d, C))",
            "void(float64[::1] (readonly))",
        );
        same(
            "void(Array(float64, 2, 'C', True, aligned=True))",
            "void(float64[:, ::1] (readonly))",
        );
        same("void(float64[::1, :])", "void(float64[:, :])");
        same("UniTuple(float64 x 2)(float64)", "(f8, f8)(f8)");
        same("Tuple(float64, int64)(float64)", "(f8, i8)(f8)");
        same("f8[:], f8[:]", "(f8[:], f8[:])");
        same("int64[:], int64, int64[:]", "(int64[:], int64, int64[:])");
        for bad in [
            "array(float64, 2d, X)(f8)",
            "void(array(float64, two, C))",
            "void(Array(float64, 1, 'C', maybe))",
            "void(readonly float64)",
            "f8",
        ] {
            assert!(parse_signature(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_quote_and_locate() {
        let e = parse_signature("float64(flot64)").unwrap_err();
        assert!(e.message.contains("unknown type 'flot64'"), "{}", e.message);
        assert!(
            e.message.contains("did you mean 'float64'"),
            "{}",
            e.message
        );
        let e = parse_signature("float64(float64").unwrap_err();
        assert!(e.message.contains("expected ',' or ')'"), "{}", e.message);
        let e = parse_signature("float64 float64").unwrap_err();
        assert!(e.message.contains("expected '('"), "{}", e.message);
        let e = parse_signature("f8(void)").unwrap_err();
        assert!(
            e.message.contains("only valid as a return type"),
            "{}",
            e.message
        );
        let e = parse_signature("f8(f8[:, ::1, :])").unwrap_err();
        assert!(e.message.contains("last dimension"), "{}", e.message);
    }

    #[test]
    fn huge_or_deep_types_are_refused_at_once_with_a_short_message() {
        let start = std::time::Instant::now();
        let e = parse_signature("UniTuple(float64, 100000000)(float64)").unwrap_err();
        assert!(e.message.contains("at most 64"), "{}", e.message);
        assert!(parse_signature("UniTuple(f8, 64)(f8)").is_ok());
        // Nested UniTuples multiply: 2**22 numbers.
        let deep = format!("{}f8{}(f8)", "UniTuple(".repeat(22), ", 2)".repeat(22));
        let e = parse_signature(&deep).unwrap_err();
        assert!(e.message.contains("nest more than 16"), "{}", e.message);
        let wide = format!("{}f8{}(f8)", "UniTuple(".repeat(3), ", 64)".repeat(3));
        let e = parse_signature(&wide).unwrap_err();
        assert!(e.message.contains("more than 1024"), "{}", e.message);
        // Parentheses deep enough to overflow a recursive parser's stack.
        let parens = format!("{}f8{}(f8)", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse_signature(&parens).unwrap_err();
        assert!(e.message.len() < 600, "{} characters", e.message.len());
        let long = format!("f8({}x)", "f8, ".repeat(10_000));
        let e = parse_signature(&long).unwrap_err();
        assert!(e.message.contains("of 40005 characters"), "{}", e.message);
        assert!(e.message.len() < 600, "{} characters", e.message.len());
        assert!(start.elapsed().as_secs_f64() < 1.0);
    }
}
