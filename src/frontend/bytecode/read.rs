//! Reading a code object's instructions into version-neutral operations.
//!
//! Python's own `dis.get_instructions` decodes them (it resolves jump
//! targets to offsets, names and constants to values on every version);
//! this module maps each CPython 3.10-3.13 opcode to an `Op` with the same
//! stack effect: superinstructions are split (`LOAD_FAST_LOAD_FAST`),
//! `RETURN_CONST` is a load and a return, the 3.10 rotations are `SWAP`s,
//! and instructions that do nothing to the values (`RESUME`, `PRECALL`,
//! `TO_BOOL`) are dropped. Jump targets become indices into the
//! operation list. Opcodes outside the kernel subset are an error naming
//! the construct and its line.

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::error::Span;

/// How a call finds its callable among the values below the arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallForm {
    /// `f, args...` (3.10 `CALL_FUNCTION`).
    Plain,
    /// `NULL|method, f|self, args...` (3.10 `CALL_METHOD`, 3.11-3.12 `CALL`).
    NullFirst,
    /// `f|method, NULL|self, args...` (3.13 `CALL`).
    NullAfter,
}

/// When a conditional jump is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    True,
    False,
    None,
    NotNone,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A line with no code of its own.
    Nop,
    LoadFast(String),
    StoreFast(String),
    LoadConst(usize),
    /// A global or closure variable; `null`: with the `NULL` of a call.
    LoadGlobal {
        name: String,
        null: bool,
    },
    /// `x.name`; `method`: pushes the pair a method call takes.
    LoadAttr {
        name: String,
        method: bool,
    },
    PushNull,
    /// A call of `argc` arguments, the last `kw.len()` of them keywords.
    Call {
        argc: usize,
        kw: Vec<String>,
        form: CallForm,
    },
    Binary {
        op: &'static str,
        inplace: bool,
    },
    Unary(&'static str),
    Compare(&'static str),
    Subscr,
    StoreSubscr,
    /// `x[a:b]` (3.12 `BINARY_SLICE`).
    BinarySlice,
    StoreSlice,
    BuildTuple(usize),
    BuildList(usize),
    ListExtend(usize),
    BuildSlice(usize),
    Unpack(usize),
    GetIter,
    /// Pushes the next item, or pops the iterator and jumps to `exit`.
    ForIter {
        exit: usize,
    },
    Jump(usize),
    /// Pops the value (`keep`: unless the jump is taken) and jumps if it
    /// is `when`.
    CondJump {
        target: usize,
        when: When,
        keep: bool,
    },
    Return,
    Raise(usize),
    LoadAssertionError,
    PopTop,
    Copy(usize),
    Swap(usize),
}

impl Op {
    pub fn jump_target(&self) -> Option<usize> {
        match self {
            Op::ForIter { exit } => Some(*exit),
            Op::Jump(t) | Op::CondJump { target: t, .. } => Some(*t),
            _ => None,
        }
    }

    /// Whether control never goes on to the next operation.
    pub fn ends_flow(&self) -> bool {
        matches!(self, Op::Jump(_) | Op::Return | Op::Raise(_))
    }
}

#[derive(Clone, Debug)]
pub struct Instr {
    pub op: Op,
    pub span: Span,
}

/// What the rebuilder needs to know about a constant.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstDesc {
    None,
    Str(String),
    /// A tuple of strings (keyword names).
    StrTuple(Vec<String>),
    Other,
}

/// A code object's operations.
pub struct Code {
    pub instrs: Vec<Instr>,
    pub consts: Vec<ConstDesc>,
    /// Python's minor version (3.x).
    pub minor: u32,
}

impl Code {
    pub fn call_null_first(&self) -> bool {
        self.minor < 13
    }
}

/// A construct the kernel subset has no place for, with its line.
#[derive(Debug)]
pub struct Unsupported {
    pub what: String,
    pub line: u32,
}

/// One instruction as `dis` decodes it.
struct Raw {
    opname: String,
    arg: Option<i64>,
    argval: Py<PyAny>,
    argrepr: String,
    offset: usize,
    span: Span,
}

pub fn python_minor(py: Python<'_>) -> PyResult<u32> {
    py.import("sys")?
        .getattr("version_info")?
        .getattr("minor")?
        .extract()
}

fn describe_const(c: &Bound<'_, PyAny>) -> ConstDesc {
    if c.is_none() {
        return ConstDesc::None;
    }
    if c.is_instance_of::<PyString>() {
        return c
            .extract::<String>()
            .map(ConstDesc::Str)
            .unwrap_or(ConstDesc::Other);
    }
    if let Ok(t) = c.cast::<PyTuple>() {
        let names: Option<Vec<String>> = t
            .iter()
            .map(|x| {
                if x.is_instance_of::<PyString>() {
                    x.extract().ok()
                } else {
                    None
                }
            })
            .collect();
        if let Some(names) = names {
            return ConstDesc::StrTuple(names);
        }
    }
    ConstDesc::Other
}

/// The flags of generators and coroutines (`inspect.CO_GENERATOR`, ...).
const CO_GENERATOR_LIKE: i64 = 0x20 | 0x80 | 0x100 | 0x200;

/// Reads `code`'s operations.
pub fn read(py: Python<'_>, code: &Bound<'_, PyAny>) -> PyResult<Result<Code, Unsupported>> {
    let minor = python_minor(py)?;
    let consts: Vec<ConstDesc> = code
        .getattr("co_consts")?
        .try_iter()?
        .map(|c| c.map(|c| describe_const(&c)))
        .collect::<PyResult<_>>()?;
    let first_line: u32 = code.getattr("co_firstlineno")?.extract()?;
    let flags: i64 = code.getattr("co_flags")?.extract()?;
    if flags & CO_GENERATOR_LIKE != 0 {
        return Ok(Err(Unsupported {
            what: "generators ('yield') and async functions are not supported in kernels".into(),
            line: first_line,
        }));
    }
    let raws = raw_instructions(py, code, minor, first_line)?;
    // Whatever the version, a `try` or `with` block shows as an exception
    // table (3.11+) or a SETUP_ instruction (3.10).
    let mut handlers = false;
    if minor >= 11 {
        let table = code.getattr("co_exceptiontable")?;
        handlers = table.len()? > 0;
    }
    for (k, r) in raws.iter().enumerate() {
        if r.opname == "MAKE_FUNCTION" {
            // What it makes: the code object loaded just before.
            let made = raws[..k].iter().rev().find_map(|p| {
                let v = p.argval.bind(py);
                v.is_instance_of::<pyo3::types::PyCode>()
                    .then(|| v.getattr("co_name").ok()?.extract::<String>().ok())
                    .flatten()
            });
            let what = match made.as_deref() {
                Some("<listcomp>" | "<setcomp>" | "<dictcomp>" | "<genexpr>") => "comprehensions",
                Some("<lambda>") => "lambda expressions",
                _ => "nested function definitions",
            };
            return Ok(Err(Unsupported {
                what: format!("{what} are not supported in kernels"),
                line: r.span.line,
            }));
        }
        if let Some(what) = unsupported_opcode(&r.opname, &r.argrepr) {
            return Ok(Err(Unsupported {
                what: format!("{what} are not supported in kernels"),
                line: r.span.line,
            }));
        }
    }
    if handlers {
        return Ok(Err(Unsupported {
            what: "'try' and 'with' statements are not supported in kernels".into(),
            line: first_line,
        }));
    }
    Ok(normalise(py, raws, &consts, minor).map(|instrs| Code {
        instrs,
        consts,
        minor,
    }))
}

fn raw_instructions(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    minor: u32,
    first_line: u32,
) -> PyResult<Vec<Raw>> {
    let dis = py.import("dis")?;
    let mut raws = vec![];
    let mut line = first_line;
    for ins in dis.call_method1("get_instructions", (code,))?.try_iter()? {
        let ins = ins?;
        let opname: String = ins.getattr("opname")?.extract()?;
        let arg: Option<i64> = ins.getattr("arg")?.extract()?;
        let offset: usize = ins.getattr("offset")?.extract()?;
        let span;
        if minor >= 11 {
            let pos = ins.getattr("positions")?;
            let get = |f: &str| -> PyResult<Option<u32>> {
                if pos.is_none() {
                    return Ok(None);
                }
                pos.getattr(f)?.extract()
            };
            if let Some(l) = get("lineno")? {
                line = l;
                span = Span::new(
                    l,
                    get("col_offset")?.unwrap_or(0),
                    get("end_lineno")?.unwrap_or(l),
                    get("end_col_offset")?.unwrap_or(0),
                );
            } else {
                span = Span::line(line);
            }
        } else {
            let starts: Option<u32> = ins.getattr("starts_line")?.extract()?;
            if let Some(l) = starts {
                line = l;
            }
            // Python 3.10 has no columns: one per instruction keeps the
            // positions of different expressions apart (the compiler
            // shares code between equal expressions at equal positions).
            let col = (offset / 2) as u32;
            span = Span::new(line, col, line, col + 1);
        }
        raws.push(Raw {
            opname,
            arg,
            argval: ins.getattr("argval")?.unbind(),
            argrepr: ins.getattr("argrepr")?.extract()?,
            offset,
            span,
        });
    }
    Ok(raws)
}

/// The construct an opcode belongs to, if kernels cannot have it.
fn unsupported_opcode(opname: &str, argrepr: &str) -> Option<&'static str> {
    Some(match opname {
        "MAKE_FUNCTION" | "LOAD_CLOSURE" | "SET_FUNCTION_ATTRIBUTE" => {
            "nested function definitions and lambda expressions"
        }
        "BUILD_MAP" | "BUILD_CONST_KEY_MAP" | "DICT_UPDATE" | "DICT_MERGE" | "MAP_ADD" => {
            "dict literals"
        }
        "BUILD_SET" | "SET_ADD" | "SET_UPDATE" => "set literals",
        "LIST_APPEND" | "LOAD_FAST_AND_CLEAR" => "comprehensions",
        "FORMAT_VALUE" | "BUILD_STRING" | "FORMAT_SIMPLE" | "FORMAT_WITH_SPEC"
        | "CONVERT_VALUE" => "f-strings",
        "CALL_FUNCTION_EX" | "LIST_TO_TUPLE" | "UNPACK_EX" => "starred expressions ('*args')",
        "STORE_ATTR" | "DELETE_ATTR" => "assignments to attributes",
        "STORE_GLOBAL" | "DELETE_GLOBAL" => "'global' declarations",
        "STORE_DEREF" | "DELETE_DEREF" => "'nonlocal' declarations",
        "DELETE_FAST" | "DELETE_SUBSCR" | "DELETE_NAME" => "'del' statements",
        "IMPORT_NAME" | "IMPORT_FROM" | "IMPORT_STAR" => "import statements",
        "SETUP_FINALLY"
        | "SETUP_EXCEPT"
        | "POP_EXCEPT"
        | "PUSH_EXC_INFO"
        | "CHECK_EXC_MATCH"
        | "RERAISE"
        | "JUMP_IF_NOT_EXC_MATCH"
        | "POP_BLOCK"
        | "WITH_EXCEPT_START"
        | "CHECK_EG_MATCH"
        | "PREP_RERAISE_STAR"
        | "CLEANUP_THROW" => "'try' statements",
        "SETUP_WITH" | "BEFORE_WITH" | "SETUP_ASYNC_WITH" | "BEFORE_ASYNC_WITH" => {
            "'with' statements"
        }
        "YIELD_VALUE"
        | "YIELD_FROM"
        | "GET_YIELD_FROM_ITER"
        | "RETURN_GENERATOR"
        | "SEND"
        | "GEN_START" => "generators ('yield')",
        "GET_AWAITABLE" | "GET_AITER" | "GET_ANEXT" | "END_ASYNC_FOR" => "'await' expressions",
        "MATCH_CLASS"
        | "MATCH_MAPPING"
        | "MATCH_SEQUENCE"
        | "MATCH_KEYS"
        | "COPY_DICT_WITHOUT_KEYS"
        | "GET_LEN" => "'match' statements",
        "LOAD_BUILD_CLASS" => "class definitions",
        "CALL_INTRINSIC_1" if argrepr != "INTRINSIC_UNARY_POSITIVE" => {
            "starred expressions ('*args')"
        }
        _ => return None,
    })
}

/// The `ast` class of a binary operator's symbol.
fn binop_symbol(symbol: &str) -> Option<&'static str> {
    Some(match symbol {
        "+" => "Add",
        "-" => "Sub",
        "*" => "Mult",
        "/" => "Div",
        "//" => "FloorDiv",
        "%" => "Mod",
        "**" => "Pow",
        "<<" => "LShift",
        ">>" => "RShift",
        "&" => "BitAnd",
        "|" => "BitOr",
        "^" => "BitXor",
        "@" => "MatMult",
        _ => return None,
    })
}

/// A 3.10 binary opcode's operator (`BINARY_ADD`, `INPLACE_ADD`).
fn binop_opname(word: &str) -> Option<&'static str> {
    Some(match word {
        "ADD" => "Add",
        "SUBTRACT" => "Sub",
        "MULTIPLY" => "Mult",
        "TRUE_DIVIDE" => "Div",
        "FLOOR_DIVIDE" => "FloorDiv",
        "MODULO" => "Mod",
        "POWER" => "Pow",
        "LSHIFT" => "LShift",
        "RSHIFT" => "RShift",
        "AND" => "BitAnd",
        "OR" => "BitOr",
        "XOR" => "BitXor",
        "MATRIX_MULTIPLY" => "MatMult",
        _ => return None,
    })
}

fn compare_symbol(symbol: &str) -> Option<&'static str> {
    Some(match symbol {
        "<" => "Lt",
        "<=" => "LtE",
        ">" => "Gt",
        ">=" => "GtE",
        "==" => "Eq",
        "!=" => "NotEq",
        _ => return None,
    })
}

/// Ops with jump targets still as byte offsets.
fn normalise(
    py: Python<'_>,
    raws: Vec<Raw>,
    consts: &[ConstDesc],
    minor: u32,
) -> Result<Vec<Instr>, Unsupported> {
    let mut ops: Vec<Instr> = vec![];
    // For each raw instruction: its offset and the index of its first op
    // (or of the next op, if it has none).
    let mut starts: Vec<(usize, usize)> = vec![];
    let mut kw_names: Vec<String> = vec![];
    let mut skip_pop_after_end_for = false;
    let string = |v: &Py<PyAny>| -> String { v.bind(py).extract::<String>().unwrap_or_default() };
    let pair = |v: &Py<PyAny>| -> (String, String) {
        v.bind(py).extract::<(String, String)>().unwrap_or_default()
    };
    let offset_of = |v: &Py<PyAny>| -> usize { v.bind(py).extract::<usize>().unwrap_or(0) };
    let unsupported = |r: &Raw| Unsupported {
        what: format!(
            "the bytecode instruction {} (no source to rebuild it from) is not supported",
            r.opname
        ),
        line: r.span.line,
    };
    for r in &raws {
        starts.push((r.offset, ops.len()));
        let arg = r.arg.unwrap_or(0);
        let n = arg as usize;
        let mut push = |op: Op| {
            ops.push(Instr { op, span: r.span });
        };
        if skip_pop_after_end_for {
            skip_pop_after_end_for = false;
            if r.opname == "POP_TOP" {
                continue;
            }
        }
        let name = r.opname.as_str();
        match name {
            // A `NOP` CPython kept marks a line with no code (`pass`): it
            // keeps blocks apart, so it stays.
            "NOP" => push(Op::Nop),
            "RESUME" | "CACHE" | "EXTENDED_ARG" | "PRECALL" | "COPY_FREE_VARS" | "MAKE_CELL"
            | "TO_BOOL" => {}
            // `FOR_ITER` skips it (and, in 3.13, the `POP_TOP` after it)
            // when the iterator is exhausted; nothing falls into it.
            "END_FOR" => skip_pop_after_end_for = minor >= 13,
            "LOAD_FAST" | "LOAD_FAST_CHECK" => push(Op::LoadFast(string(&r.argval))),
            "STORE_FAST" => push(Op::StoreFast(string(&r.argval))),
            "LOAD_FAST_LOAD_FAST" => {
                let (a, b) = pair(&r.argval);
                push(Op::LoadFast(a));
                push(Op::LoadFast(b));
            }
            "STORE_FAST_LOAD_FAST" => {
                let (a, b) = pair(&r.argval);
                push(Op::StoreFast(a));
                push(Op::LoadFast(b));
            }
            "STORE_FAST_STORE_FAST" => {
                let (a, b) = pair(&r.argval);
                push(Op::StoreFast(a));
                push(Op::StoreFast(b));
            }
            "LOAD_CONST" => push(Op::LoadConst(n)),
            "RETURN_CONST" => {
                push(Op::LoadConst(n));
                push(Op::Return);
            }
            "LOAD_GLOBAL" => push(Op::LoadGlobal {
                name: string(&r.argval),
                null: minor >= 11 && arg & 1 == 1,
            }),
            "LOAD_NAME" | "LOAD_DEREF" | "LOAD_CLASSDEREF" => push(Op::LoadGlobal {
                name: string(&r.argval),
                null: false,
            }),
            "LOAD_ATTR" => push(Op::LoadAttr {
                name: string(&r.argval),
                method: minor >= 12 && arg & 1 == 1,
            }),
            "LOAD_METHOD" => push(Op::LoadAttr {
                name: string(&r.argval),
                method: true,
            }),
            "PUSH_NULL" => push(Op::PushNull),
            "KW_NAMES" => match consts.get(n) {
                Some(ConstDesc::StrTuple(names)) => kw_names = names.clone(),
                _ => return Err(unsupported(r)),
            },
            "CALL_FUNCTION" => push(Op::Call {
                argc: n,
                kw: vec![],
                form: CallForm::Plain,
            }),
            "CALL_METHOD" => push(Op::Call {
                argc: n,
                kw: vec![],
                form: CallForm::NullFirst,
            }),
            "CALL" => push(Op::Call {
                argc: n,
                kw: std::mem::take(&mut kw_names),
                form: if minor >= 13 {
                    CallForm::NullAfter
                } else {
                    CallForm::NullFirst
                },
            }),
            "CALL_FUNCTION_KW" | "CALL_KW" => {
                // The keyword names are the constant loaded just before.
                let names = match ops.last().map(|i| &i.op) {
                    Some(Op::LoadConst(k)) => match consts.get(*k) {
                        Some(ConstDesc::StrTuple(names)) => names.clone(),
                        _ => return Err(unsupported(r)),
                    },
                    _ => return Err(unsupported(r)),
                };
                ops.pop();
                ops.push(Instr {
                    op: Op::Call {
                        argc: n,
                        kw: names,
                        form: if name == "CALL_KW" {
                            CallForm::NullAfter
                        } else {
                            CallForm::Plain
                        },
                    },
                    span: r.span,
                });
            }
            "CALL_INTRINSIC_1" => push(Op::Unary("UAdd")),
            "BINARY_OP" => {
                let (symbol, inplace) = match r.argrepr.strip_suffix('=') {
                    Some(s) => (s, true),
                    None => (r.argrepr.as_str(), false),
                };
                match binop_symbol(symbol) {
                    Some(op) => push(Op::Binary { op, inplace }),
                    None => return Err(unsupported(r)),
                }
            }
            "BINARY_SUBSCR" => push(Op::Subscr),
            "STORE_SUBSCR" => push(Op::StoreSubscr),
            "BINARY_SLICE" => push(Op::BinarySlice),
            "STORE_SLICE" => push(Op::StoreSlice),
            _ if name.starts_with("BINARY_") || name.starts_with("INPLACE_") => {
                let (inplace, word) = match name.strip_prefix("INPLACE_") {
                    Some(w) => (true, w),
                    None => (false, &name["BINARY_".len()..]),
                };
                match binop_opname(word) {
                    Some(op) => push(Op::Binary { op, inplace }),
                    None => return Err(unsupported(r)),
                }
            }
            "UNARY_NEGATIVE" => push(Op::Unary("USub")),
            "UNARY_POSITIVE" => push(Op::Unary("UAdd")),
            "UNARY_INVERT" => push(Op::Unary("Invert")),
            "UNARY_NOT" => push(Op::Unary("Not")),
            "COMPARE_OP" => match compare_symbol(&string(&r.argval)) {
                Some(op) => push(Op::Compare(op)),
                None => return Err(unsupported(r)),
            },
            "IS_OP" => push(Op::Compare(if arg == 1 { "IsNot" } else { "Is" })),
            "CONTAINS_OP" => push(Op::Compare(if arg == 1 { "NotIn" } else { "In" })),
            "BUILD_TUPLE" => push(Op::BuildTuple(n)),
            "BUILD_LIST" => push(Op::BuildList(n)),
            "LIST_EXTEND" => push(Op::ListExtend(n)),
            "BUILD_SLICE" => push(Op::BuildSlice(n)),
            "UNPACK_SEQUENCE" => push(Op::Unpack(n)),
            "GET_ITER" => push(Op::GetIter),
            "FOR_ITER" => push(Op::ForIter {
                exit: offset_of(&r.argval),
            }),
            "JUMP_FORWARD"
            | "JUMP_ABSOLUTE"
            | "JUMP_BACKWARD"
            | "JUMP_BACKWARD_NO_INTERRUPT"
            | "JUMP"
            | "JUMP_NO_INTERRUPT" => push(Op::Jump(offset_of(&r.argval))),
            _ if (name.starts_with("POP_JUMP_") || name.starts_with("JUMP_IF_"))
                && name.contains("_IF_") =>
            {
                let keep = name.ends_with("_OR_POP");
                let when = if name.contains("IF_FALSE") {
                    When::False
                } else if name.contains("IF_TRUE") {
                    When::True
                } else if name.contains("IF_NOT_NONE") {
                    When::NotNone
                } else if name.contains("IF_NONE") {
                    When::None
                } else {
                    return Err(unsupported(r));
                };
                push(Op::CondJump {
                    target: offset_of(&r.argval),
                    when,
                    keep,
                });
            }
            "RETURN_VALUE" => push(Op::Return),
            "RAISE_VARARGS" => push(Op::Raise(n)),
            "LOAD_ASSERTION_ERROR" => push(Op::LoadAssertionError),
            "POP_TOP" => push(Op::PopTop),
            "COPY" => push(Op::Copy(n)),
            "SWAP" => push(Op::Swap(n)),
            "DUP_TOP" => push(Op::Copy(1)),
            "DUP_TOP_TWO" => {
                push(Op::Copy(2));
                push(Op::Copy(2));
            }
            "ROT_TWO" => push(Op::Swap(2)),
            "ROT_THREE" | "ROT_FOUR" | "ROT_N" => {
                let depth = match name {
                    "ROT_THREE" => 3,
                    "ROT_FOUR" => 4,
                    _ => n,
                };
                for k in (2..=depth).rev() {
                    push(Op::Swap(k));
                }
            }
            _ => return Err(unsupported(r)),
        }
    }
    let end = ops.len();
    // Byte offsets to op indices (a target that was dropped is the next
    // op after it).
    let index_of = |offset: usize| -> usize {
        match starts.binary_search_by_key(&offset, |&(o, _)| o) {
            Ok(k) => starts[k].1,
            Err(k) => starts.get(k).map_or(end, |s| s.1),
        }
    };
    for ins in &mut ops {
        match &mut ins.op {
            Op::ForIter { exit: t } | Op::Jump(t) | Op::CondJump { target: t, .. } => {
                *t = index_of(*t)
            }
            _ => {}
        }
    }
    Ok(ops)
}
