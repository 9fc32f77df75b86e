"""How loops count (ir::RangeOp): range.len gives the trip count once; a
range from 0 by 1 counts with its loop variable alone, any other range
carries a trip counter beside it; both advance with range.next."""
SIGNATURES = ["(int64, int64, int64)"]
JIT = True


def kernel(start, stop, step):
    total = 0
    for i in range(stop):
        total += i
    for j in range(start, stop, step):
        total -= j
    for k in range(stop, start, -2):
        total += k
    return total
