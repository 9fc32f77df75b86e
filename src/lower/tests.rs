//! Lowering tests on hand-built syntax trees: the IR verifies, loops carry
//! variables through block parameters, and trivial parameters disappear.

use super::lower_function;
use crate::ir::verifier::verify;
use crate::ir::Stage;
use crate::ir::{Op, Terminator};
use crate::syntax::build::*;
use crate::syntax::{BinOp, CmpOp};

#[test]
fn straight_line_has_one_block() {
    let def = function(
        "f",
        &["x", "y"],
        vec![ret(bin(BinOp::Add, name("x"), name("y")))],
    );
    let f = lower_function(&def).unwrap();
    verify(&f, Stage::Untyped).unwrap();
    assert_eq!(f.reverse_post_order().len(), 1);
    let text = f.to_string();
    assert!(text.contains("add v0, v1"), "{text}");
}

#[test]
fn range_loop_carries_accumulator_in_a_block_parameter() {
    // s = 0
    // for i in range(n): s += i
    // return s
    let def = function(
        "f",
        &["n"],
        vec![
            assign("s", int(0)),
            for_range("i", vec![name("n")], vec![aug("s", BinOp::Add, name("i"))]),
            ret(name("s")),
        ],
    );
    let f = lower_function(&def).unwrap();
    verify(&f, Stage::Untyped).unwrap_or_else(|e| panic!("{e:?}\n{f}"));
    let text = f.to_string();
    // The header takes the counter (counting from zero, it is also the
    // trip counter) and `s`; nothing else.
    let header_params = f.blocks.iter().map(|b| b.params.len()).max().unwrap();
    assert_eq!(header_params, 2, "{text}");
    assert!(text.contains("range.len"), "{text}");
    assert!(text.contains("cmp <"), "{text}");
    assert_eq!(text.matches("range.next").count(), 1, "{text}");
}

#[test]
fn if_else_merges_assignments() {
    // if x < 0: y = -x
    // else: y = x
    // return y
    let def = function(
        "f",
        &["x"],
        vec![
            if_else(
                cmp(name("x"), CmpOp::Lt, int(0)),
                vec![assign("y", neg(name("x")))],
                vec![assign("y", name("x"))],
            ),
            ret(name("y")),
        ],
    );
    let f = lower_function(&def).unwrap();
    verify(&f, Stage::Untyped).unwrap_or_else(|e| panic!("{e:?}\n{f}"));
    let merge = f
        .reverse_post_order()
        .into_iter()
        .find(|b| matches!(f.block(*b).term, Terminator::Return(Some(_))))
        .unwrap();
    assert_eq!(f.block(merge).params.len(), 1, "{f}");
}

#[test]
fn variable_unassigned_on_one_path_reads_undef() {
    // if x: y = 1
    // return y
    let def = function(
        "f",
        &["x"],
        vec![
            if_else(name("x"), vec![assign("y", int(1))], vec![]),
            ret(name("y")),
        ],
    );
    let f = lower_function(&def).unwrap();
    verify(&f, Stage::Untyped).unwrap_or_else(|e| panic!("{e:?}\n{f}"));
    assert!(f.insts.iter().any(|i| matches!(i.op, Op::Undef)), "{f}");
}

#[test]
fn code_after_return_is_dropped_and_break_exits() {
    // while True:
    //     if x > 10: break
    //     x = x * 2
    // return x
    let def = function(
        "f",
        &["x"],
        vec![
            while_true(vec![
                if_else(cmp(name("x"), CmpOp::Gt, int(10)), vec![brk()], vec![]),
                assign("x", bin(BinOp::Mul, name("x"), int(2))),
            ]),
            ret(name("x")),
            ret(int(0)),
        ],
    );
    let f = lower_function(&def).unwrap();
    verify(&f, Stage::Untyped).unwrap_or_else(|e| panic!("{e:?}\n{f}"));
    let returns = f
        .reverse_post_order()
        .into_iter()
        .filter(|b| matches!(f.block(*b).term, Terminator::Return(_)))
        .count();
    assert_eq!(returns, 1, "{f}");
}
