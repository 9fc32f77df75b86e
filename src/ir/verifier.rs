//! Structural and type checks of a function, run after every pass in tests
//! (and in debug builds): terminated blocks, argument counts, definitions
//! dominating uses, operations of the right stage, and in typed IR, operand
//! types that match what each operation works at.

use super::entities::{Block, Value};
use super::function::{Function, Terminator, ValueDef};
use super::op::{Op, Stage};
use crate::builtins::MathFn;
use crate::types::{Kind, Scalar, Type};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Untyped,
    Typed,
}

/// Immediate dominators of reachable blocks (Cooper-Harvey-Kennedy).
pub fn dominators(f: &Function) -> Vec<Option<Block>> {
    let rpo = f.reverse_post_order();
    let mut order = vec![usize::MAX; f.blocks.len()];
    for (i, b) in rpo.iter().enumerate() {
        order[b.index()] = i;
    }
    let preds = f.predecessors();
    let mut idom: Vec<Option<Block>> = vec![None; f.blocks.len()];
    idom[f.entry.index()] = Some(f.entry);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in rpo.iter().skip(1) {
            let mut new: Option<Block> = None;
            for &p in &preds[b.index()] {
                if idom[p.index()].is_none() {
                    continue;
                }
                new = Some(match new {
                    None => p,
                    Some(mut x) => {
                        let mut y = p;
                        while x != y {
                            while order[x.index()] > order[y.index()] {
                                x = idom[x.index()].expect("processed");
                            }
                            while order[y.index()] > order[x.index()] {
                                y = idom[y.index()].expect("processed");
                            }
                        }
                        x
                    }
                });
            }
            if new.is_some() && idom[b.index()] != new {
                idom[b.index()] = new;
                changed = true;
            }
        }
    }
    idom
}

fn dominates(idom: &[Option<Block>], a: Block, mut b: Block) -> bool {
    loop {
        if a == b {
            return true;
        }
        match idom[b.index()] {
            Some(p) if p != b => b = p,
            _ => return false,
        }
    }
}

struct Checker<'a> {
    f: &'a Function,
    errors: Vec<String>,
}

impl Checker<'_> {
    fn err(&mut self, msg: String) {
        self.errors.push(msg);
    }

    fn expect_same(&mut self, what: &str, args: &[Value]) -> Option<Type> {
        let first = self.f.ty(*args.first()?).clone();
        for a in args {
            if *self.f.ty(*a) != first {
                self.err(format!(
                    "{what}: operand {a} has type {} but {} was expected",
                    self.f.ty(*a),
                    first
                ));
            }
        }
        Some(first)
    }

    fn check_typed_inst(&mut self, op: &Op, args: &[Value], result: Option<Value>) {
        let f = self.f;
        let rty = result.map(|r| f.ty(r).clone()).unwrap_or(Type::NoneType);
        let is_bool = |t: &Type| t.storage() == Some(Scalar::Bool);
        match op {
            Op::Binary(_) => {
                if let Some(t) = self.expect_same("binary", args) {
                    if t != rty {
                        self.err(format!("binary operands {t} but result {rty}"));
                    }
                }
            }
            Op::Compare(_) => {
                self.expect_same("compare", args);
                if !is_bool(&rty) {
                    self.err(format!("compare result must be bool, is {rty}"));
                }
            }
            Op::Truth if !is_bool(&rty) => {
                self.err(format!("truth result must be bool, is {rty}"));
            }
            Op::Unary(_) => {
                if let Some(t) = self.expect_same("unary", args) {
                    if t != rty {
                        self.err(format!("unary operand {t} but result {rty}"));
                    }
                }
            }
            Op::Select => {
                if args.len() != 3 || !is_bool(f.ty(args[0])) {
                    self.err("select needs (bool, a, b)".into());
                } else if f.ty(args[1]) != &rty || f.ty(args[2]) != &rty {
                    self.err(format!("select arms must have the result type {rty}"));
                }
            }
            Op::Math(m) => {
                if args.len() != m.arity() {
                    self.err(format!("math.{m:?} takes {} arguments", m.arity()));
                }
                if let Some(t) = self.expect_same("math", args) {
                    let ok = if m.is_predicate() {
                        is_bool(&rty)
                    } else if matches!(m, MathFn::Abs | MathFn::Real | MathFn::Imag | MathFn::Phase)
                        && t.kind() == Some(Kind::Complex)
                    {
                        rty.kind() == Some(Kind::Float)
                    } else {
                        rty == t
                    };
                    if !ok {
                        self.err(format!("math.{m:?} on {t} cannot give {rty}"));
                    }
                }
            }
            Op::MakeComplex => {
                if let Some(t) = self.expect_same("complex", args) {
                    if rty.kind() != Some(Kind::Complex) || t.kind() != Some(Kind::Float) {
                        self.err(format!("complex({t}, {t}) cannot give {rty}"));
                    }
                }
            }
            Op::Const(_, t) if *t != rty => {
                self.err(format!("constant of type {t} in a value of type {rty}"));
            }
            Op::Undef => self.err("undef left in typed IR".into()),
            _ => {}
        }
    }
}

/// Checks `f`; returns every problem found.
pub fn verify(f: &Function, mode: Mode) -> Result<(), Vec<String>> {
    let mut c = Checker { f, errors: vec![] };
    let idom = dominators(f);
    let rpo = f.reverse_post_order();
    // Where each instruction sits (block, position) for dominance in-block.
    let mut position = vec![None; f.insts.len()];
    for &b in &rpo {
        for (i, inst) in f.block(b).insts.iter().enumerate() {
            position[inst.index()] = Some((b, i));
        }
    }
    let defined_at = |v: Value| -> Option<(Block, isize)> {
        match f.value(v).def {
            ValueDef::Param(b, _) => Some((b, -1)),
            ValueDef::Inst(i) => position[i.index()].map(|(b, p)| (b, p as isize)),
        }
    };
    let check_use = |c: &mut Checker, v: Value, b: Block, pos: isize, what: &str| {
        if v.index() >= f.values.len() {
            c.err(format!("{what} uses undefined value {v}"));
            return;
        }
        match defined_at(v) {
            None => c.err(format!("{what} uses {v}, defined in an unreachable block")),
            Some((db, dpos)) => {
                let ok = if db == b {
                    dpos < pos
                } else {
                    dominates(&idom, db, b)
                };
                if !ok {
                    c.err(format!(
                        "{what} in {b} uses {v}, whose definition does not dominate it"
                    ));
                }
            }
        }
    };
    for &b in &rpo {
        let data = f.block(b);
        for (p_index, p) in data.params.iter().enumerate() {
            if f.value(*p).def != ValueDef::Param(b, p_index as u32) {
                c.err(format!("parameter {p} of {b} has a wrong definition"));
            }
            if mode == Mode::Typed && !f.ty(*p).is_known() {
                c.err(format!("parameter {p} of {b} has no type"));
            }
        }
        for (pos, inst) in data.insts.iter().enumerate() {
            let d = f.inst(*inst);
            let stage = d.op.stage();
            match (mode, stage) {
                (Mode::Untyped, Stage::Typed) | (Mode::Typed, Stage::Untyped) => {
                    c.err(format!("{} is not allowed in {mode:?} IR", d.op))
                }
                _ => {}
            }
            for a in &d.args {
                check_use(&mut c, *a, b, pos as isize, &format!("{} ({inst})", d.op));
            }
            if let Some(r) = d.result {
                if f.value(r).def != ValueDef::Inst(*inst) {
                    c.err(format!("result {r} of {inst} has a wrong definition"));
                }
                if mode == Mode::Typed && !f.ty(r).is_known() {
                    c.err(format!("result {r} of {} has no type", d.op));
                }
            }
            if mode == Mode::Typed {
                c.check_typed_inst(&d.op, &d.args, d.result);
            }
        }
        let end = data.insts.len() as isize;
        for v in data.term.uses() {
            check_use(&mut c, v, b, end, &format!("terminator of {b}"));
        }
        match &data.term {
            Terminator::None => c.err(format!("{b} has no terminator")),
            Terminator::Return(v) if mode == Mode::Typed => {
                let t = v.map(|v| f.ty(v).clone()).unwrap_or(Type::NoneType);
                if t != f.ret {
                    c.err(format!(
                        "{b} returns {t} but the function returns {}",
                        f.ret
                    ));
                }
            }
            Terminator::Branch { cond, .. }
                if mode == Mode::Typed && f.ty(*cond).storage() != Some(Scalar::Bool) =>
            {
                c.err(format!(
                    "branch condition {cond} is {}, not bool",
                    f.ty(*cond)
                ));
            }
            _ => {}
        }
        for t in data.term.targets() {
            let params = &f.block(t.block).params;
            if params.len() != t.args.len() {
                c.err(format!(
                    "{b} passes {} arguments to {} which has {} parameters",
                    t.args.len(),
                    t.block,
                    params.len()
                ));
            } else if mode == Mode::Typed {
                for (a, p) in t.args.iter().zip(params) {
                    if f.ty(*a) != f.ty(*p) {
                        c.err(format!(
                            "{b} passes {a}: {} to {p}: {} of {}",
                            f.ty(*a),
                            f.ty(*p),
                            t.block
                        ));
                    }
                }
            }
        }
    }
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(c.errors)
    }
}
