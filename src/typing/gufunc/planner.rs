//! How a gufunc kernel's parameters and return value meet NumPy's operands,
//! decided per signature from the layout, the signature and the kernel:
//!
//! - an operand with core dimensions is an array view of that many
//!   dimensions (`float64[:, :]` for `(m,n)`), read-only if it is an input
//!   not listed in `writable_args`;
//! - a `()` input declared as a scalar type is passed by value; declared as
//!   `float64[:]` it is a one-element view (Numba's convention);
//! - a `()` output declared as `float64[:]` is a one-element view the
//!   kernel may assign (`out[0] = v`, Numba's idiom), or that the loop fills
//!   from the kernel's return value;
//! - a `()` output declared as a bare scalar has nothing the kernel could
//!   write to: it must come from `return` (Numba compiles such a kernel and
//!   leaves the output uninitialized);
//! - the kernel may take only the inputs and return every output (all
//!   outputs then have layout `()`), with signatures written either
//!   `void(in..., out...)` or `ret(in...)`.

use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::{Function, Terminator, Value};
use crate::syntax::FunctionDef;
use crate::types::gufunc_layout::Layout;
use crate::types::gufunc_plan::{KernelPlan, OperandPlan, Passing};
use crate::types::{Signature, Type};

fn sig_error(sig_text: &str, message: impl std::fmt::Display) -> CompileError {
    CompileError::new(
        ErrorKind::Signature,
        format!("signature {sig_text:?}: {message}"),
    )
}

fn layout_error(message: impl Into<String>) -> CompileError {
    CompileError::new(ErrorKind::Layout, message)
}

/// The first use of parameter `p` in `f`, if any (its span).
fn first_use(f: &Function, p: Value) -> Option<crate::error::Span> {
    for b in f.reverse_post_order() {
        let data = f.block(b);
        for inst in &data.insts {
            let i = f.inst(*inst);
            if i.args.contains(&p) {
                return Some(i.span);
            }
        }
        if data.term.uses().contains(&p) {
            return Some(data.term_span);
        }
    }
    None
}

/// Whether `f` returns a value anywhere.
fn returns_value(f: &Function) -> bool {
    f.blocks
        .iter()
        .any(|b| matches!(b.term, Terminator::Return(Some(_))))
}

fn ordinal(k: usize) -> String {
    let suffix = match (k % 10, k % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{k}{suffix}")
}

/// Plans how `def` (lowered as `untyped`) is called for signature `sig`.
pub fn plan_kernel(
    def: &FunctionDef,
    untyped: &Function,
    layout: &Layout,
    sig: &Signature,
    sig_text: &str,
    writable: &[usize],
) -> Result<KernelPlan> {
    let (nin, nout) = (layout.nin(), layout.nout());
    let nparams = def.params.len();
    // The operand types from the signature.
    let operand_types: Vec<Type> = match &sig.ret {
        None | Some(Type::NoneType) => {
            if sig.args.len() != nin + nout {
                let hint = if sig.args.len() < nin + nout {
                    "; list the outputs too, as in void(float64[:], float64[:])"
                } else {
                    ""
                };
                return Err(sig_error(
                    sig_text,
                    format!(
                        "it has {} argument types, but the layout {:?} has {nin} input{} and {nout} output{} ({} operands in all){hint}",
                        sig.args.len(),
                        layout.text,
                        if nin == 1 { "" } else { "s" },
                        if nout == 1 { "" } else { "s" },
                        nin + nout
                    ),
                ));
            }
            sig.args.clone()
        }
        Some(ret) => {
            if sig.args.len() != nin {
                return Err(sig_error(
                    sig_text,
                    format!(
                        "with a return type it must list the {nin} input{} of layout {:?} (the outputs are returned), but it lists {}; or write void(...) with inputs and outputs",
                        if nin == 1 { "" } else { "s" },
                        layout.text,
                        sig.args.len()
                    ),
                ));
            }
            let rets = match ret {
                Type::Tuple(items) => items.clone(),
                t => vec![t.clone()],
            };
            if rets.len() != nout {
                return Err(sig_error(
                    sig_text,
                    format!(
                        "it returns {} value{}, but the layout {:?} has {nout} output{}",
                        rets.len(),
                        if rets.len() == 1 { "" } else { "s" },
                        layout.text,
                        if nout == 1 { "" } else { "s" }
                    ),
                ));
            }
            let mut all = sig.args.clone();
            all.extend(rets);
            all
        }
    };
    let params_are_inputs = nparams == nin && nout > 0 && nparams != nin + nout;
    if nparams != nin + nout && !params_are_inputs {
        return Err(layout_error(format!(
            "'{}' takes {nparams} parameter{}, but the layout {:?} has {nin} input{} and {nout} output{}: the kernel takes every input and output ({}), or only the inputs when it returns the outputs",
            def.name,
            if nparams == 1 { "" } else { "s" },
            layout.text,
            if nin == 1 { "" } else { "s" },
            if nout == 1 { "" } else { "s" },
            nin + nout
        )));
    }
    let kernel_returns = returns_value(untyped);
    let mut operands = vec![];
    for (k, t) in operand_types.iter().enumerate() {
        let is_input = k < nin;
        let core = layout.operand(k).len() as u32;
        let param = if is_input || !params_are_inputs {
            Some(k)
        } else {
            None
        };
        let name = match param {
            Some(p) => def.params[p].name.clone(),
            None => format!("output {}", k - nin),
        };
        let which = if is_input {
            format!("input {} ('{name}')", k)
        } else {
            format!("output {} ('{name}')", k - nin)
        };
        let describe_core = || {
            let dims: Vec<&str> = layout
                .operand(k)
                .iter()
                .map(|d| layout.dims[d.dim].name.as_str())
                .collect();
            format!("({})", dims.join(","))
        };
        let (dtype, passing) = match t {
            Type::Scalar(s) => {
                if core != 0 {
                    return Err(sig_error(
                        sig_text,
                        format!(
                            "the {} argument type is the scalar {s}, but {which} has core dimensions {} in the layout; declare it {s}[{}]",
                            ordinal(k + 1),
                            describe_core(),
                            vec![":"; core as usize].join(", ")
                        ),
                    ));
                }
                let passing = if is_input {
                    Passing::Value
                } else {
                    Passing::Returned
                };
                (*s, passing)
            }
            Type::Array(a) => {
                let ndim = if a.ndim == core || (core == 0 && a.ndim == 1) {
                    a.ndim
                } else {
                    return Err(sig_error(
                        sig_text,
                        format!(
                            "the {} argument type {t} has {} dimension{}, but {which} has {core} core dimension{} {} in the layout",
                            ordinal(k + 1),
                            a.ndim,
                            if a.ndim == 1 { "" } else { "s" },
                            if core == 1 { "" } else { "s" },
                            describe_core()
                        ),
                    ));
                };
                let writable = !is_input || writable.contains(&k);
                (a.dtype, Passing::View { ndim, writable })
            }
            other => {
                return Err(sig_error(
                    sig_text,
                    format!(
                        "the {} argument type {other} is neither a scalar nor an array type",
                        ordinal(k + 1)
                    ),
                ))
            }
        };
        let passing = if param.is_none() {
            Passing::Returned
        } else {
            passing
        };
        operands.push(OperandPlan {
            dtype,
            passing,
            param,
            from_return: false,
            name,
        });
    }
    for &w in writable {
        if w >= nin {
            return Err(CompileError::new(
                ErrorKind::Value,
                format!(
                    "writable_args names argument {w}, but only inputs (0 to {}) can be made writable; outputs always are",
                    nin.saturating_sub(1)
                ),
            ));
        }
    }
    // Which outputs come from the return value.
    let scalar_outputs: Vec<usize> = (nin..nin + nout)
        .filter(|&k| layout.operand(k).is_empty())
        .collect();
    let returned: Vec<usize> = if params_are_inputs {
        if !kernel_returns {
            return Err(layout_error(format!(
                "'{}' takes only the {nin} input{} of layout {:?}, so it must return its output{} with 'return'",
                def.name,
                if nin == 1 { "" } else { "s" },
                layout.text,
                if nout == 1 { "" } else { "s" }
            )));
        }
        if let Some(k) = (nin..nin + nout).find(|&k| !layout.operand(k).is_empty()) {
            return Err(layout_error(format!(
                "'{}' takes only the inputs, but output {} has core dimensions in layout {:?}; an array output must be a parameter the kernel writes into",
                def.name,
                k - nin,
                layout.text
            )));
        }
        (nin..nin + nout).collect()
    } else if kernel_returns {
        if scalar_outputs.is_empty() {
            return Err(layout_error(format!(
                "'{}' returns a value, but no output of layout {:?} is a scalar '()'; write the results into the output arrays instead",
                def.name, layout.text
            )));
        }
        scalar_outputs
    } else {
        vec![]
    };
    for &k in &returned {
        operands[k].from_return = true;
    }
    // Scalar-declared outputs that are parameters cannot be written.
    for (k, op) in operands.iter_mut().enumerate().skip(nin) {
        if op.passing != Passing::Returned {
            continue;
        }
        if !op.from_return {
            return Err(layout_error(format!(
                "output '{}' is declared as the scalar {} with layout (): the kernel has nothing to write it into; return the value ('return result'), or declare it {}[:] and assign {}[0]",
                op.name, op.dtype, op.dtype, op.name
            )));
        }
        if let Some(p) = op.param {
            let value = untyped.params()[p];
            if let Some(span) = first_use(untyped, value) {
                return Err(CompileError::at(
                    ErrorKind::Typing,
                    span,
                    format!(
                        "output '{}' is declared as the scalar {}: it is set from the kernel's return value and cannot be used inside the kernel; declare it {}[:] to write out[0] instead",
                        op.name, op.dtype, op.dtype
                    ),
                )
                .with_source(&def.source));
            }
        }
        let _ = k;
    }
    let ret = match returned.len() {
        0 => Type::NoneType,
        1 => Type::Scalar(operands[returned[0]].dtype),
        _ => Type::Tuple(
            returned
                .iter()
                .map(|&k| Type::Scalar(operands[k].dtype))
                .collect(),
        ),
    };
    Ok(KernelPlan {
        operands,
        returned,
        ret,
    })
}
