//! Signature strings in Numba's spelling.
//!
//! ```text
//! float64(float64, float64)      f8(f8, f8)      int32(int64, float32)
//! void(float64[:, :], float64[:])                float64[::1] (C-contiguous)
//! (float64, float64)(float64)    Tuple((f8, i8))(f8)    UniTuple(f8, 2)(f8)
//! (float64, float64)             -- no return type: it is inferred
//! ```
//! A bad signature is a `Signature` error that quotes the text and says what
//! is wrong where.

use std::fmt;

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
            "Tuple" => {
                self.expect('(')?;
                let t = self.tuple_body()?;
                self.expect(')')?;
                return Ok(t);
            }
            "UniTuple" => {
                self.expect('(')?;
                let item = self.ty()?;
                self.expect(',')?;
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
        // The flags `Type`'s display adds, so that signatures round-trip.
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
        Ok(Type::Array(ArrayType {
            dtype,
            ndim,
            layout: if contiguous_last {
                Layout::C
            } else {
                Layout::Any
            },
            readonly,
            memory: if owned {
                Memory::Owned
            } else {
                Memory::Borrowed
            },
        }))
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
        } else {
            (None, first)
        }
    } else {
        let ret = p.ty()?;
        if p.peek() != Some('(') {
            return Err(p.error("expected '(' and the argument types after the return type"));
        }
        (Some(ret), p.arg_list()?)
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
        let e = parse_signature("f8(f8[::1, :])").unwrap_err();
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
