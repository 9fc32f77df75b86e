//! Gufunc layouts: `"(m,n),(n,p)->(m,p)"`, `"(n),()->(n)"`, `"(3),(3)->(3)"`,
//! `"(m?,n),(n,p?)->(m?,p?)"`, `"(n|1),(n|1)->()"`.
//!
//! The grammar is NumPy's gufunc signature grammar (names, fixed sizes,
//! `?` for optional dimensions) plus NEP 20's `|1` (a dimension an input may
//! also have as 1, broadcast to the others), which NumPy itself does not
//! parse. `Layout::numpy_signature` is what NumPy is given: each `|1`
//! occurrence becomes a dimension of its own name, and the ufunc's
//! core-dimension hook checks and fills them (`check_broadcast_dims`,
//! installed by `crate::python::gufunc`).
//!
//! It is the gufunc loop's contract with NumPy (`loops::gufunc` reads
//! `dims` and `steps` in this numbering), and a type-level fact: a gufunc
//! called inside `@jit` (`syntax::KernelTarget::Gufunc`) carries its
//! layout, which typing checks the operands against.
//!
//! Dimension numbering follows NumPy's: the dimensions NumPy passes to the
//! loop (`dims[1..]`) are the distinct names (and distinct fixed sizes) in
//! order of first appearance.

use std::fmt;

use crate::error::{CompileError, ErrorKind, Result};

/// One core dimension of one operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreDim {
    /// Index into `Layout::dims` (the logical dimension, by name).
    pub dim: usize,
    /// Index into the dimensions NumPy passes (`dims[1 + numpy]`).
    pub numpy: usize,
    /// Written `n|1`: this operand may have size 1 here (broadcast).
    pub broadcast: bool,
}

/// A named or fixed dimension of the layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dim {
    /// The name as written (`"n"`, or `"3"` for a fixed size).
    pub name: String,
    /// A fixed size (`(3)`).
    pub fixed: Option<u64>,
    /// Written `n?`: the dimension may be missing (as in `np.matmul`).
    pub optional: bool,
}

/// A parsed layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub text: String,
    pub inputs: Vec<Vec<CoreDim>>,
    pub outputs: Vec<Vec<CoreDim>>,
    pub dims: Vec<Dim>,
    /// How many dimensions NumPy passes after the loop count.
    pub numpy_dims: usize,
    /// For each NumPy dimension, the logical dimension it belongs to.
    pub numpy_dim_owner: Vec<usize>,
}

impl Layout {
    pub fn nin(&self) -> usize {
        self.inputs.len()
    }

    pub fn nout(&self) -> usize {
        self.outputs.len()
    }

    /// Core dimensions of operand `k` (inputs, then outputs).
    pub fn operand(&self, k: usize) -> &[CoreDim] {
        if k < self.inputs.len() {
            &self.inputs[k]
        } else {
            &self.outputs[k - self.inputs.len()]
        }
    }

    pub fn operands(&self) -> impl Iterator<Item = &[CoreDim]> {
        self.inputs
            .iter()
            .chain(&self.outputs)
            .map(|v| v.as_slice())
    }

    /// Whether some operand uses `|1`.
    pub fn has_broadcast_dims(&self) -> bool {
        self.operands().flatten().any(|d| d.broadcast)
    }

    /// The signature NumPy is given: the layout as written when it has no
    /// `|1`; otherwise each `|1` occurrence (and each output use of a
    /// dimension that only `|1` inputs define) gets a name of its own.
    pub fn numpy_signature(&self) -> String {
        if !self.has_broadcast_dims() {
            return self.text.clone();
        }
        let mut names = vec![String::new(); self.numpy_dims];
        for (ix, &owner) in self.numpy_dim_owner.iter().enumerate() {
            let d = &self.dims[owner];
            names[ix] = match d.fixed {
                Some(size) => size.to_string(),
                None => {
                    let first = self.numpy_dim_owner.iter().position(|&o| o == owner);
                    if first == Some(ix) {
                        d.name.clone()
                    } else {
                        self.fresh_name(&d.name, ix)
                    }
                }
            };
            if d.optional {
                names[ix].push('?');
            }
        }
        let group = |ops: &[Vec<CoreDim>]| {
            ops.iter()
                .map(|dims| {
                    let inner: Vec<&str> = dims.iter().map(|d| names[d.numpy].as_str()).collect();
                    format!("({})", inner.join(","))
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        if self.outputs.is_empty() {
            // (NumPy's own spelling of a gufunc without outputs)
            return group(&self.inputs);
        }
        format!("{}->{}", group(&self.inputs), group(&self.outputs))
    }

    /// A dimension name not used by the layout, for NumPy dimension `ix`.
    fn fresh_name(&self, base: &str, ix: usize) -> String {
        let mut k = ix;
        loop {
            let candidate = format!("{base}_{k}");
            if !self.dims.iter().any(|d| d.name == candidate) {
                return candidate;
            }
            k += 1000;
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

/// One dimension as written, before numbering.
struct Written {
    name: String,
    fixed: Option<u64>,
    optional: bool,
    broadcast: bool,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, at: usize, what: impl fmt::Display) -> CompileError {
        let caret = format!("{}^", " ".repeat(at));
        CompileError::new(
            ErrorKind::Layout,
            format!(
                "invalid gufunc layout {:?}: {what}\n    {}\n     {caret}",
                self.text, self.text
            ),
        )
    }

    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.text[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.text[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str, context: &str) -> Result<()> {
        if self.eat(s) {
            return Ok(());
        }
        let found = match self.peek() {
            Some(c) => format!("found {c:?}"),
            None => "the layout ends".to_string(),
        };
        Err(self.error(self.pos, format!("expected '{s}' {context}, {found}")))
    }

    fn dim(&mut self) -> Result<Written> {
        self.skip_ws();
        let at = self.pos;
        let rest = &self.text[self.pos..];
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            let what = match rest.chars().next() {
                Some(c) => format!("found {c:?}"),
                None => "the layout ends".to_string(),
            };
            return Err(self.error(
                at,
                format!("expected a dimension name (such as n) or a size (such as 3), {what}"),
            ));
        }
        let word = &rest[..len];
        self.pos += len;
        let fixed = if word.chars().all(|c| c.is_ascii_digit()) {
            match word.parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    return Err(self.error(
                        at,
                        format!("a fixed dimension must be a positive size, not {word}"),
                    ))
                }
            }
        } else if word.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.error(at, format!("{word:?} is neither a name nor a size")));
        } else {
            None
        };
        let optional = self.eat("?");
        let broadcast = if self.eat("|") {
            if !self.eat("1") {
                return Err(self.error(self.pos, "'|' must be followed by 1 (as in n|1)"));
            }
            true
        } else {
            false
        };
        if fixed.is_some() && (optional || broadcast) {
            return Err(self.error(
                at,
                format!("a fixed dimension ({word}) cannot be optional or broadcast"),
            ));
        }
        if optional && broadcast {
            return Err(self.error(
                at,
                format!("{word} cannot be both optional (?) and broadcast (|1)"),
            ));
        }
        Ok(Written {
            name: word.to_string(),
            fixed,
            optional,
            broadcast,
            at,
        })
    }

    fn operand(&mut self) -> Result<Vec<Written>> {
        self.expect("(", "at the start of an operand")?;
        let mut dims = vec![];
        if self.eat(")") {
            return Ok(dims);
        }
        loop {
            dims.push(self.dim()?);
            if self.eat(")") {
                return Ok(dims);
            }
            self.expect(",", "between dimensions or ')' after them")?;
        }
    }

    fn operands(&mut self) -> Result<Vec<Vec<Written>>> {
        let mut ops = vec![self.operand()?];
        while self.eat(",") {
            ops.push(self.operand()?);
        }
        Ok(ops)
    }
}

/// Parses a layout string.
pub fn parse_layout(text: &str) -> Result<Layout> {
    let mut p = Parser { text, pos: 0 };
    if text.trim().is_empty() {
        return Err(p.error(0, "it is empty; write one like \"(n),(n)->()\""));
    }
    let inputs = p.operands()?;
    p.skip_ws();
    // No `->` at all: a gufunc without outputs, whose kernel writes into
    // its operands (Numba's "(n),(n),(m)"; NumPy's spelling too).
    let outputs = if p.pos == text.len() {
        vec![]
    } else {
        p.expect("->", "between the inputs and the outputs")?;
        p.operands()?
    };
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error(p.pos, "unexpected text after the outputs"));
    }
    let mut dims: Vec<Dim> = vec![];
    let mut numpy_dim_owner: Vec<usize> = vec![];
    // The NumPy dimension of each (name, fixed) seen without `|1`.
    let mut shared: Vec<(usize, usize)> = vec![];
    let mut number = |w: &Written, is_output: bool| -> Result<CoreDim> {
        if w.broadcast && is_output {
            return Err(p.error(
                w.at,
                "outputs cannot have broadcast dimensions (n|1); only inputs can",
            ));
        }
        let dim = match dims.iter().position(|d| d.name == w.name) {
            Some(i) => {
                if dims[i].optional != w.optional {
                    let (with, without) = if w.optional {
                        ("with", "without")
                    } else {
                        ("without", "with")
                    };
                    return Err(p.error(
                        w.at,
                        format!("{} is written {with} '?' here but {without} it before; an optional dimension must be marked everywhere", w.name),
                    ));
                }
                i
            }
            None => {
                dims.push(Dim {
                    name: w.name.clone(),
                    fixed: w.fixed,
                    optional: w.optional,
                });
                dims.len() - 1
            }
        };
        let numpy = if w.broadcast {
            numpy_dim_owner.push(dim);
            numpy_dim_owner.len() - 1
        } else if let Some(&(_, ix)) = shared.iter().find(|(d, _)| *d == dim) {
            ix
        } else {
            numpy_dim_owner.push(dim);
            shared.push((dim, numpy_dim_owner.len() - 1));
            numpy_dim_owner.len() - 1
        };
        Ok(CoreDim {
            dim,
            numpy,
            broadcast: w.broadcast,
        })
    };
    let inputs = inputs
        .iter()
        .map(|op| {
            op.iter()
                .map(|w| number(w, false))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    let outputs = outputs
        .iter()
        .map(|op| {
            op.iter()
                .map(|w| number(w, true))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Layout {
        text: text.to_string(),
        inputs,
        outputs,
        dims,
        numpy_dims: numpy_dim_owner.len(),
        numpy_dim_owner,
    })
}

/// What is wrong with the core sizes NumPy found for a layout with `n|1`
/// dimensions (one size per NumPy dimension, -1 where NumPy has none yet),
/// if anything; fills in the sizes of output dimensions that only broadcast
/// inputs define. `name` is the gufunc's, for the message. This is NumPy's
/// `process_core_dims_func` hook (`crate::python::gufunc`).
pub fn check_broadcast_dims(
    layout: &Layout,
    sizes: &mut [isize],
    name: &str,
) -> Result<(), String> {
    let describe = |k: usize| {
        if k < layout.nin() {
            format!("input operand {k}")
        } else {
            format!("output operand {}", k - layout.nin())
        }
    };
    for (dim, d) in layout.dims.iter().enumerate() {
        // (operand, NumPy dimension, broadcast) of every use of `dim`.
        let occurrences: Vec<(usize, usize, bool)> = layout
            .operands()
            .enumerate()
            .flat_map(|(k, op)| {
                op.iter()
                    .filter(|c| c.dim == dim)
                    .map(move |c| (k, c.numpy, c.broadcast))
            })
            .collect();
        if !occurrences.iter().any(|o| o.2) {
            continue;
        }
        // The size, and the operand that sets it: an input without `|1`,
        // else (as NumPy broadcasts) the first input size that is not 1
        // (0 included), else 1.
        let known = |o: &&(usize, usize, bool)| o.0 < layout.nin() && sizes[o.1] >= 0;
        let setter = occurrences
            .iter()
            .filter(known)
            .find(|o| !o.2)
            .or_else(|| occurrences.iter().filter(known).find(|o| sizes[o.1] != 1))
            .or_else(|| occurrences.iter().find(known));
        let Some(&(setter_op, setter_ix, _)) = setter else {
            continue;
        };
        let size = sizes[setter_ix];
        for &(k, ix, broadcast) in &occurrences {
            let s = sizes[ix];
            if s < 0 {
                sizes[ix] = size;
            } else if s != size && !(broadcast && s == 1) {
                let rule = if broadcast && size != 1 {
                    format!("it may be 1 or {size}")
                } else {
                    format!("it must be {size}")
                };
                return Err(format!(
                    "{name}: {} has size {s} in core dimension {} but {} has size {size} ({rule}; gufunc layout {})",
                    describe(k),
                    d.name,
                    describe(setter_op),
                    layout.text
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_follows_numpy() {
        let l = parse_layout("(m,n),(n,p)->(m,p)").unwrap();
        assert_eq!(l.nin(), 2);
        assert_eq!(l.nout(), 1);
        let ix: Vec<Vec<usize>> = l
            .operands()
            .map(|o| o.iter().map(|d| d.numpy).collect())
            .collect();
        assert_eq!(ix, vec![vec![0, 1], vec![1, 2], vec![0, 2]]);
        assert_eq!(l.numpy_dims, 3);
        assert_eq!(l.numpy_signature(), "(m,n),(n,p)->(m,p)");
    }

    #[test]
    fn fixed_optional_and_scalars() {
        let l = parse_layout(" (3), (3) -> (3) ").unwrap();
        assert_eq!(l.numpy_dims, 1);
        assert_eq!(l.dims[0].fixed, Some(3));
        let l = parse_layout("(m?,n),(n,p?)->(m?,p?)").unwrap();
        assert!(l.dims[0].optional && !l.dims[1].optional && l.dims[2].optional);
        let l = parse_layout("(n)->(),()").unwrap();
        assert_eq!(l.nout(), 2);
        assert!(l.outputs.iter().all(|o| o.is_empty()));
    }

    #[test]
    fn broadcast_dims_get_their_own_numpy_names() {
        let l = parse_layout("(n|1),(n|1)->(n)").unwrap();
        assert_eq!(l.numpy_dims, 3);
        assert_eq!(l.numpy_signature(), "(n),(n_1)->(n_2)");
        assert!(l.inputs[0][0].broadcast && !l.outputs[0][0].broadcast);
        let l = parse_layout("(n|1),(n)->()").unwrap();
        assert_eq!(l.numpy_signature(), "(n),(n_1)->()");
        assert_eq!(l.numpy_dim_owner, vec![0, 0]);
    }

    #[test]
    fn errors_quote_the_layout() {
        for (bad, needle) in [
            ("", "empty"),
            ("(n) x", "'->'"),
            ("(n)->", "'('"),
            ("(n,)->()", "dimension name"),
            ("(n)->(m)x", "unexpected text"),
            ("(0)->()", "positive size"),
            ("(n?),(n)->()", "optional dimension must be marked"),
            ("(n)->(n|1)", "outputs cannot"),
            ("(n|2)->()", "followed by 1"),
            ("(3?)->()", "fixed dimension"),
            ("(1n)->()", "neither a name"),
        ] {
            let e = parse_layout(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Layout, "{bad}");
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn broadcast_sizes_are_checked_and_filled() {
        let l = parse_layout("(n|1),(n|1)->(n)").unwrap();
        let mut sizes = vec![5, 1, -1];
        check_broadcast_dims(&l, &mut sizes, "f").unwrap();
        assert_eq!(sizes, vec![5, 1, 5]);
        let mut sizes = vec![5, 3, -1];
        let e = check_broadcast_dims(&l, &mut sizes, "f").unwrap_err();
        assert!(
            e.contains("input operand 1 has size 3")
                && e.contains("input operand 0 has size 5")
                && e.contains("1 or 5"),
            "{e}"
        );
        let l = parse_layout("(n),(n|1)->()").unwrap();
        let mut sizes = vec![4, 1];
        check_broadcast_dims(&l, &mut sizes, "f").unwrap();
        let mut sizes = vec![1, 4];
        assert!(check_broadcast_dims(&l, &mut sizes, "f").is_err());
        // 0 broadcasts against 1, like any other size.
        let l = parse_layout("(n|1),(n|1)->(n)").unwrap();
        let mut sizes = vec![0, 1, -1];
        check_broadcast_dims(&l, &mut sizes, "f").unwrap();
        assert_eq!(sizes, vec![0, 1, 0]);
        let l = parse_layout("(n|1),(n)->()").unwrap();
        let mut sizes = vec![1, 0];
        check_broadcast_dims(&l, &mut sizes, "f").unwrap();
    }
}
