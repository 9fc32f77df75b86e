//! The textual form of the IR (`Display` for `Function`).
//!
//! ```text
//! fn f(v0: float64, v1: float64) -> float64  # k.py:3
//!     k0 = kernel g  # k.py:10
//! b0(v0 x: float64, v1 y: float64):
//!     v2: float64 = add v0, v1                # line 4
//!     v3: ? = call_kernel k0 v2               # line 5
//!     return v2
//! ```
//!
//! The header lists the function's table of called kernels (`k0`, ...),
//! which `call_kernel` instructions name.

use std::fmt;

use super::function::{BlockCall, Function, Terminator};

fn block_call(t: &BlockCall) -> String {
    if t.args.is_empty() {
        t.block.to_string()
    } else {
        let args: Vec<String> = t.args.iter().map(|a| a.to_string()).collect();
        format!("{}({})", t.block, args.join(", "))
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self
            .params()
            .iter()
            .map(|p| format!("{p}: {}", self.ty(*p)))
            .collect();
        writeln!(
            f,
            "fn {}({}) -> {}  # {}:{}",
            self.name,
            params.join(", "),
            self.ret,
            self.source.filename,
            self.span.line
        )?;
        for (k, target) in self.kernels.iter().enumerate() {
            let k = crate::ir::KernelRef::from_index(k);
            match target {
                crate::syntax::KernelTarget::Def(def) | crate::syntax::KernelTarget::Ufunc(def) => {
                    writeln!(
                        f,
                        "    {k} = kernel {}  # {}:{}",
                        def.name, def.source.filename, def.span.line
                    )?
                }
                crate::syntax::KernelTarget::Reading(_, name) => {
                    writeln!(f, "    {k} = kernel {name}  # itself (recursion)")?
                }
                crate::syntax::KernelTarget::Gufunc(g) => writeln!(
                    f,
                    "    {k} = gufunc {} {:?}  # {}:{}",
                    g.name, g.layout.text, g.def.source.filename, g.def.span.line
                )?,
            }
        }
        for b in self.reverse_post_order() {
            let data = self.block(b);
            let params: Vec<String> = data
                .params
                .iter()
                .map(|p| {
                    let v = self.value(*p);
                    match &v.name {
                        Some(n) => format!("{p} {n}: {}", v.ty),
                        None => format!("{p}: {}", v.ty),
                    }
                })
                .collect();
            if params.is_empty() {
                writeln!(f, "{b}:")?;
            } else {
                writeln!(f, "{b}({}):", params.join(", "))?;
            }
            for inst in &data.insts {
                let d = self.inst(*inst);
                let args: Vec<String> = d.args.iter().map(|a| a.to_string()).collect();
                let lhs = match d.result {
                    Some(r) => {
                        let v = self.value(r);
                        match &v.name {
                            Some(n) => format!("{r} {n}: {} = ", v.ty),
                            None => format!("{r}: {} = ", v.ty),
                        }
                    }
                    None => String::new(),
                };
                let text = if args.is_empty() {
                    format!("    {lhs}{}", d.op)
                } else {
                    format!("    {lhs}{} {}", d.op, args.join(", "))
                };
                if d.span.is_known() {
                    writeln!(f, "{text:<47} # line {}", d.span.line)?;
                } else {
                    writeln!(f, "{text}")?;
                }
            }
            match &data.term {
                Terminator::None => writeln!(f, "    <unterminated>")?,
                Terminator::Jump(t) => writeln!(f, "    jump {}", block_call(t))?,
                Terminator::Branch { cond, then, orelse } => writeln!(
                    f,
                    "    branch {cond}, {}, {}",
                    block_call(then),
                    block_call(orelse)
                )?,
                Terminator::Return(Some(v)) => writeln!(f, "    return {v}")?,
                Terminator::Return(None) => writeln!(f, "    return")?,
                Terminator::Raise(r) => match &r.message {
                    Some(m) => writeln!(f, "    raise {}({m:?})", r.class.name())?,
                    None => writeln!(f, "    raise {}", r.class.name())?,
                },
            }
        }
        Ok(())
    }
}
