//! The verifier rejects bad IR, and says where: hand-built functions with
//! one defect each (and a good one it accepts).

use std::sync::Arc;

use super::verifier::{verify, Location};
use super::{ArrayOp, Block, BlockCall, Function, KernelRef, Op, Stage, Terminator, Value};
use crate::error::{SourceInfo, Span};
use crate::syntax::{BinOp, Const};
use crate::types::{ArrayType, Layout, Memory, Scalar, Type};

fn function(params: &[Type]) -> (Function, Vec<Value>) {
    let mut f = Function::new("f", Arc::new(SourceInfo::default()), Span::line(1));
    let entry = f.entry;
    let vs = params
        .iter()
        .map(|t| f.add_param(entry, t.clone(), None))
        .collect();
    (f, vs)
}

fn array(ndim: u32) -> Type {
    Type::Array(ArrayType {
        dtype: Scalar::F64,
        ndim,
        layout: Layout::Any,
        readonly: false,
        memory: Memory::Borrowed,
    })
}

fn inst_of(f: &Function, v: Value) -> Location {
    match f.value(v).def {
        super::ValueDef::Inst(i) => Location::Inst(i),
        super::ValueDef::Param(..) => Location::Value(v),
    }
}

#[test]
fn a_correct_typed_function_verifies() {
    let (mut f, p) = function(&[Type::F64, Type::F64]);
    let b = f.entry;
    let s = f.push(
        b,
        Op::Binary(BinOp::Add),
        p.clone(),
        Type::F64,
        Span::line(2),
    );
    f.set_term(b, Terminator::Return(s));
    f.ret = Type::F64;
    verify(&f, Stage::Typed).unwrap();
}

#[test]
fn a_use_not_dominated_by_its_definition_is_reported_at_the_use() {
    // b0: branch c, b1, b2;  b1: v = x + x; jump b2;  b2: return v
    let (mut f, p) = function(&[Type::BOOL, Type::F64]);
    let (b0, b1, b2) = (f.entry, f.new_block(), f.new_block());
    f.set_term(
        b0,
        Terminator::Branch {
            cond: p[0],
            then: BlockCall::new(b1),
            orelse: BlockCall::new(b2),
        },
    );
    let v = f
        .push(
            b1,
            Op::Binary(BinOp::Add),
            vec![p[1], p[1]],
            Type::F64,
            Span::line(2),
        )
        .unwrap();
    f.set_term(b1, Terminator::Jump(BlockCall::new(b2)));
    f.set_term(b2, Terminator::Return(Some(v)));
    f.ret = Type::F64;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    assert!(
        errors.has(Location::Block(b2), "does not dominate"),
        "{errors}"
    );
}

#[test]
fn a_block_without_terminator_and_a_wrong_argument_count_are_reported() {
    let (mut f, p) = function(&[Type::F64]);
    let (b0, b1) = (f.entry, f.new_block());
    f.add_param(b1, Type::F64, None);
    f.set_term(b0, Terminator::Jump(BlockCall::new(b1)));
    let errors = verify(&f, Stage::Untyped).unwrap_err();
    assert!(
        errors.has(Location::Block(b0), "passes 0 arguments"),
        "{errors}"
    );
    assert!(errors.has(Location::Block(b1), "no terminator"), "{errors}");
    let _ = p;
}

#[test]
fn operations_of_the_wrong_stage_are_reported() {
    // A typed-only op in untyped IR, an untyped-only op in typed IR.
    let (mut f, p) = function(&[array(1), Type::I64]);
    let b = f.entry;
    let load = f
        .push(
            b,
            Op::Array(ArrayOp::Load),
            p.clone(),
            Type::F64,
            Span::line(2),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(Some(load)));
    let errors = verify(&f, Stage::Untyped).unwrap_err();
    assert!(
        errors.has(inst_of(&f, load), "not allowed in Untyped IR"),
        "{errors}"
    );

    let (mut g, q) = function(&[array(1), Type::I64]);
    let b = g.entry;
    let item = g
        .push(b, Op::GetItem, q.clone(), Type::F64, Span::line(2))
        .unwrap();
    g.set_term(b, Terminator::Return(Some(item)));
    g.ret = Type::F64;
    let errors = verify(&g, Stage::Typed).unwrap_err();
    assert!(
        errors.has(inst_of(&g, item), "not allowed in Typed IR"),
        "{errors}"
    );
}

#[test]
fn typed_operands_must_have_the_operation_type() {
    let (mut f, p) = function(&[Type::F64, Type::Scalar(Scalar::F32)]);
    let b = f.entry;
    let s = f
        .push(
            b,
            Op::Binary(BinOp::Mul),
            p.clone(),
            Type::F64,
            Span::line(2),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(Some(s)));
    f.ret = Type::F64;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    assert!(errors.has(inst_of(&f, s), "has type float32"), "{errors}");
}

#[test]
fn array_operations_check_their_indices_and_results() {
    // A 2-d load with one index, an index that is not int64, a view with
    // the wrong number of dimensions.
    let (mut f, p) = function(&[array(2), Type::I64, Type::Scalar(Scalar::I32)]);
    let b = f.entry;
    let short = f
        .push(
            b,
            Op::Array(ArrayOp::Load),
            vec![p[0], p[1]],
            Type::F64,
            Span::line(2),
        )
        .unwrap();
    let bad_index = f
        .push(
            b,
            Op::Array(ArrayOp::Load),
            vec![p[0], p[1], p[2]],
            Type::F64,
            Span::line(3),
        )
        .unwrap();
    let view = f
        .push(
            b,
            Op::Array(ArrayOp::View),
            vec![p[0], p[1]],
            array(2),
            Span::line(4),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(None));
    f.ret = Type::NoneType;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    assert!(errors.has(inst_of(&f, short), "with 1 indices"), "{errors}");
    assert!(errors.has(inst_of(&f, bad_index), "not int64"), "{errors}");
    assert!(errors.has(inst_of(&f, view), "view of"), "{errors}");
}

#[test]
fn list_operations_check_their_list_indices_and_items() {
    // A good get; a get with an int32 index, an item of the wrong type,
    // a get on an array.
    let list = Type::List(crate::types::Item::scalar(Scalar::F64));
    let (mut f, p) = function(&[list, Type::I64, Type::Scalar(Scalar::I32), array(1)]);
    let b = f.entry;
    f.push(
        b,
        Op::List(super::ListOp::Get),
        vec![p[0], p[1]],
        Type::F64,
        Span::line(2),
    );
    let bad_index = f
        .push(
            b,
            Op::List(super::ListOp::Get),
            vec![p[0], p[2]],
            Type::F64,
            Span::line(3),
        )
        .unwrap();
    f.push(
        b,
        Op::List(super::ListOp::Append),
        vec![p[0], p[2]],
        Type::NoneType,
        Span::line(4),
    );
    let not_a_list = f
        .push(
            b,
            Op::List(super::ListOp::Get),
            vec![p[3], p[1]],
            Type::F64,
            Span::line(5),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(None));
    f.ret = Type::NoneType;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    assert!(
        errors.has(inst_of(&f, bad_index), "list.get takes"),
        "{errors}"
    );
    assert!(
        errors.has(inst_of(&f, not_a_list), "list.get takes"),
        "{errors}"
    );
    let text = errors.to_string();
    assert!(text.contains("list.append takes"), "{errors}");
    assert_eq!(text.matches("takes a typed List").count(), 3, "{errors}");
}

#[test]
fn a_store_has_no_result_and_a_call_names_a_listed_kernel() {
    let (mut f, p) = function(&[array(1), Type::I64, Type::F64]);
    let b = f.entry;
    // Built by hand with a result, which a store must not have.
    let stored = f
        .push(
            b,
            Op::Binary(BinOp::Add),
            vec![p[2], p[2]],
            Type::F64,
            Span::line(2),
        )
        .unwrap();
    let store = match f.value(stored).def {
        super::ValueDef::Inst(i) => i,
        super::ValueDef::Param(..) => unreachable!(),
    };
    f.insts[store.index()].op = Op::Array(ArrayOp::Store);
    f.insts[store.index()].args = vec![p[0], p[1], p[2]];
    let call = f
        .push(
            b,
            Op::CallKernel(KernelRef::from_index(3)),
            vec![p[2]],
            Type::Unknown,
            Span::line(3),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(None));
    let errors = verify(&f, Stage::Untyped).unwrap_err();
    assert!(
        errors.has(Location::Inst(store), "must not have a result"),
        "{errors}"
    );
    assert!(
        errors.has(inst_of(&f, call), "not in the kernel table"),
        "{errors}"
    );
}

#[test]
fn a_return_of_the_wrong_type_and_a_non_bool_branch_are_reported() {
    let (mut f, p) = function(&[Type::F64]);
    let (b0, b1) = (f.entry, f.new_block());
    f.set_term(
        b0,
        Terminator::Branch {
            cond: p[0],
            then: BlockCall::new(b1),
            orelse: BlockCall::new(b1),
        },
    );
    let c = f
        .push(
            b1,
            Op::Const(Const::Int(1), Type::I64),
            vec![],
            Type::I64,
            Span::line(2),
        )
        .unwrap();
    f.set_term(b1, Terminator::Return(Some(c)));
    f.ret = Type::F64;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    assert!(errors.has(Location::Block(b0), "not bool"), "{errors}");
    assert!(errors.has(Location::Block(b1), "returns int64"), "{errors}");
    let _: Block = b1;
}

#[test]
fn calls_are_checked_against_their_callee() {
    use super::verifier::verify_calls;
    use super::FuncId;
    // fn1(float64) -> float64; fn0 calls it with a float32, and calls fn7.
    let (mut callee, q) = function(&[Type::F64]);
    let b = callee.entry;
    callee.set_term(b, Terminator::Return(Some(q[0])));
    callee.ret = Type::F64;
    let (mut caller, p) = function(&[Type::Scalar(Scalar::F32)]);
    let b = caller.entry;
    let wrong = caller
        .push(
            b,
            Op::CallFunc(FuncId::from_index(1)),
            p.clone(),
            Type::F64,
            Span::line(2),
        )
        .unwrap();
    let missing = caller
        .push(
            b,
            Op::CallFunc(FuncId::from_index(7)),
            p.clone(),
            Type::F64,
            Span::line(3),
        )
        .unwrap();
    caller.set_term(b, Terminator::Return(Some(wrong)));
    caller.ret = Type::F64;
    verify(&caller, Stage::Typed).unwrap();
    let errors = verify_calls(&[caller.clone(), callee]).unwrap_err();
    assert!(
        errors.has(inst_of(&caller, wrong), "it takes (float64)"),
        "{errors}"
    );
    assert!(
        errors.has(inst_of(&caller, missing), "not in the program"),
        "{errors}"
    );
}

#[test]
fn random_draws_check_their_operand_and_result_types() {
    use crate::builtins::RandomFn;
    let (mut f, p) = function(&[Type::F64, Type::I64]);
    let b = f.entry;
    // random.integer takes int64 bounds: a float64 is wrong.
    let float_bound = f
        .push(
            b,
            Op::Random(RandomFn::Integer),
            vec![p[0], p[1]],
            Type::PY_INT,
            Span::line(2),
        )
        .unwrap();
    // random.double gives a Python float, not a float64.
    let strong = f
        .push(
            b,
            Op::Random(RandomFn::Double),
            vec![],
            Type::F64,
            Span::line(3),
        )
        .unwrap();
    let fine = f
        .push(
            b,
            Op::Random(RandomFn::Poisson),
            vec![p[0]],
            Type::PY_INT,
            Span::line(4),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(Some(fine)));
    f.ret = Type::PY_INT;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    assert!(errors.has(inst_of(&f, float_bound), "mistyped"), "{errors}");
    assert!(errors.has(inst_of(&f, strong), "mistyped"), "{errors}");
    assert!(!errors.has(inst_of(&f, fine), "mistyped"), "{errors}");
}

#[test]
fn dict_operations_check_their_keys_values_and_entry_numbers() {
    // A good get and set; a get with a key of the wrong type, a set of a
    // value of the wrong type, a key of entry with an int32 entry number,
    // a get on a List.
    let dict = Type::Dict(Scalar::I64, crate::types::Item::scalar(Scalar::F64));
    let (mut f, p) = function(&[
        dict,
        Type::I64,
        Type::F64,
        Type::Scalar(Scalar::I32),
        Type::List(crate::types::Item::scalar(Scalar::F64)),
    ]);
    let b = f.entry;
    let d = |op| Op::Dict(op);
    f.push(
        b,
        d(super::DictOp::Get),
        vec![p[0], p[1]],
        Type::F64,
        Span::line(2),
    );
    f.push(
        b,
        d(super::DictOp::Set),
        vec![p[0], p[1], p[2]],
        Type::NoneType,
        Span::line(3),
    );
    let bad_key = f
        .push(
            b,
            d(super::DictOp::Get),
            vec![p[0], p[3]],
            Type::F64,
            Span::line(4),
        )
        .unwrap();
    f.push(
        b,
        d(super::DictOp::Set),
        vec![p[0], p[1], p[3]],
        Type::NoneType,
        Span::line(5),
    );
    let bad_entry = f
        .push(
            b,
            d(super::DictOp::Key),
            vec![p[0], p[3]],
            Type::I64,
            Span::line(6),
        )
        .unwrap();
    let not_a_dict = f
        .push(
            b,
            d(super::DictOp::Get),
            vec![p[4], p[1]],
            Type::F64,
            Span::line(7),
        )
        .unwrap();
    f.set_term(b, Terminator::Return(None));
    f.ret = Type::NoneType;
    let errors = verify(&f, Stage::Typed).unwrap_err();
    for v in [bad_key, bad_entry, not_a_dict] {
        assert!(errors.has(inst_of(&f, v), "takes a typed Dict"), "{errors}");
    }
    let text = errors.to_string();
    assert!(text.contains("dict.set takes"), "{errors}");
    assert_eq!(text.matches("takes a typed Dict").count(), 4, "{errors}");
}
