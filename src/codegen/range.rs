//! Loop counting (`ir::RangeOp`): the trip count of `range(start, stop,
//! step)` and the non-wrapping step of a loop's counters.

use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

use super::Codegen;
use crate::error::Result;
use crate::ir::RangeOp;

pub fn emit<'ctx>(
    cg: &Codegen<'ctx>,
    op: RangeOp,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let int = |k: usize| vals[k].into_int_value();
    Ok(match op {
        RangeOp::Len => trip_count(cg, int(0), int(1), int(2))?.into(),
        // The next trip exists only when the sum lies in the range, so it
        // does not overflow where it is used.
        RangeOp::Next => cg.builder.build_int_nsw_add(int(0), int(1), "")?.into(),
        RangeOp::Index => cg.builder.build_int_add(int(0), int(1), "")?.into(),
    })
}

/// `len(range(start, stop, step))` as CPython computes it, in unsigned
/// arithmetic so that no bound overflows, saturated at `i64::MAX` (a loop
/// of more trips never ends anyway). A zero step raises `ValueError` where
/// the function may raise, and gives no trips elsewhere.
fn trip_count<'ctx>(
    cg: &Codegen<'ctx>,
    start: IntValue<'ctx>,
    stop: IntValue<'ctx>,
    step: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let zero = i64t.const_zero();
    let one = i64t.const_int(1, false);
    if cg.may_raise() {
        let nonzero = cg
            .builder
            .build_int_compare(IntPredicate::NE, step, zero, "")?;
        super::raise::value_error_unless(
            cg,
            nonzero,
            "range.step",
            crate::engine::runtime::ValueErrorKind::RangeZeroStep,
        )?;
    }
    let b = &cg.builder;
    let up = b.build_int_compare(IntPredicate::SGT, step, zero, "up")?;
    // Distance to cover and the stride, both as unsigned magnitudes.
    let (near, far) = (
        b.build_select(up, start, stop, "")?.into_int_value(),
        b.build_select(up, stop, start, "")?.into_int_value(),
    );
    let nonempty = b.build_int_compare(IntPredicate::SLT, near, far, "nonempty")?;
    let distance = b.build_int_sub(far, near, "distance")?;
    let magnitude = b
        .build_select(up, step, b.build_int_neg(step, "")?, "")?
        .into_int_value();
    // A zero step (no trips) must not divide by zero.
    let is_zero = b.build_int_compare(IntPredicate::EQ, step, zero, "")?;
    let divisor = b
        .build_select(is_zero, one, magnitude, "")?
        .into_int_value();
    let trips = b.build_int_add(
        b.build_int_unsigned_div(b.build_int_sub(distance, one, "")?, divisor, "")?,
        one,
        "",
    )?;
    let too_many = b.build_int_compare(IntPredicate::SLT, trips, zero, "")?;
    let trips = b
        .build_select(too_many, i64t.const_int(i64::MAX as u64, false), trips, "")?
        .into_int_value();
    let counted = b.build_and(nonempty, b.build_not(is_zero, "")?, "")?;
    Ok(b.build_select(counted, trips, zero, "trips")?
        .into_int_value())
}
