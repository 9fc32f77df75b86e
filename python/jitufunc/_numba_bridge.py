"""Numba's nopython code calling jitufunc ufuncs and gufuncs.

What this module owns:

- **Registration.** Numba types a global (or closure) value through
  ``numba.core.typing.typeof.typeof_impl``, a ``functools.singledispatch``
  function with no entry of its own for ``np.ufunc`` (NumPy's ufuncs are
  found afterwards in the typing context's table of globals). ``install()``
  registers one for ``np.ufunc``: a jitufunc ufunc (``_core.library(u)`` is
  not None) gets a ``types.Function`` of its own; any other ufunc goes on to
  the generic entry, as before. ``install()`` runs from Numba's
  ``numba_extensions`` entry point (``init``, declared in pyproject.toml;
  Numba loads those at its first compile), and from ``decorators._finish``
  when a ufunc is made after ``import numba`` (for installs whose entry
  point metadata is missing). ``import jitufunc`` never imports Numba; the
  hook is per type, so ufuncs made before or after ``import numba`` work.

- **Choosing the loop.** NumPy's own ``ufunc.resolve_dtypes`` on the
  operands' dtypes (integer literals of the Numba code are Python ints,
  weak as in NEP 50); a lazy ufunc compiles the loop it needs right there,
  as a call from Python would. Numba variables typed int64/float64/
  complex128 are tried as those dtypes first and as Python numbers if no
  loop takes them (Numba cannot tell a Python ``int`` from ``np.int64``).

- **Running the loop.** The generated implementations call the loop
  function NumPy itself calls (``KernelLibrary.loop_entries``): scalars
  through ``_scalar_caller`` (n = 1, operands in stack slots), arrays
  through ``_array_caller`` from a Numba driver that broadcasts, casts
  inputs to the loop's dtypes, allocates outputs, and calls the loop once
  for the whole array when the strides allow it, else once per innermost
  row (gufuncs: over the outer dimensions, with NumPy's ``dims``/``steps``
  layout). After every loop call, ``take_python_error`` says whether the
  kernel raised; if so the same call is made again from Python (in
  ``numba.objmode``, with the chosen loop forced) to raise the real
  exception.

Invariants: the loop and error-function addresses enter the machine code
through ``context.add_dynamic_addr``, which makes Numba refuse to cache
such code on disk (the addresses belong to this process). Each ufunc's
Numba type (kept in ``_TYPES``) holds the ufunc, hence its library and its
loops, alive for as long as compiled code may call them.
"""

import itertools
import re
import sys
import threading

_LOCK = threading.RLock()
_INSTALLED = False
# ufunc -> its Numba type. Strong: compiled code holds raw loop addresses.
_TYPES = {}
_NAMES = itertools.count()


def _numba_init():
    """Numba's ``numba_extensions`` entry point (``init``)."""
    install()


def install_if_numba_loaded():
    """Registers the hook if Numba is already imported (never imports it)."""
    if not _INSTALLED and "numba" in sys.modules:
        try:
            install()
        except Exception as e:  # a partly imported or broken Numba: never fail the ufunc
            import warnings

            warnings.warn(f"jitufunc could not register its ufuncs with Numba: {e!r}", RuntimeWarning,
                          stacklevel=2)


def install():
    """Teaches Numba's ``typeof`` the jitufunc ufuncs (idempotent)."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        import numpy as np
        from numba.core.typing.typeof import Purpose, typeof_impl

        previous = typeof_impl.dispatch(np.ufunc)

        def typeof_ufunc(val, c):
            if c.purpose == Purpose.constant:
                ty = numba_type(val)
                if ty is not None:
                    return ty
            return previous(val, c)

        typeof_impl.register(np.ufunc)(typeof_ufunc)
        _INSTALLED = True


def numba_type(ufunc):
    """The Numba type of a jitufunc ufunc (None for any other object)."""
    from jitufunc import _core

    try:
        ty = _TYPES.get(ufunc)
    except TypeError:
        return None
    if ty is not None:
        return ty
    if _core.library(ufunc) is None:
        return None
    from numba.core import types
    from numba.core.typing.templates import make_overload_template

    def typer(*args, **kws):
        return _implementation(ufunc, args, kws)

    with _LOCK:
        ty = _TYPES.get(ufunc)
        if ty is None:
            template = make_overload_template(
                _Key(ufunc), typer, {"no_cpython_wrapper": True, "nopython": True},
                strict=False, inline="never", prefer_literal=True)
            ty = _TYPES[ufunc] = types.Function(template)
    return ty


class _Key:
    """What Numba's template for a jitufunc ufunc is keyed on. Not the ufunc
    itself: Numba rewrites calls keyed on an ``np.ufunc`` into array
    expressions (and parfors) that call the ufunc once per element, which
    would skip our loops and is wrong for gufuncs."""

    __slots__ = ("ufunc", "__name__")

    def __init__(self, ufunc):
        self.ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __repr__(self):
        return f"<jitufunc ufunc {self.__name__!r}>"


# --------------------------------------------------------------------------
# Loop choice


class _Refused(Exception):
    """A call this bridge cannot compile; becomes Numba's TypingError."""


def _layout(ufunc):
    """Per operand, the core dimension tokens NumPy has (None: elementwise),
    and the original jitufunc layout's tokens (for ``n|1``)."""
    sig = ufunc.signature
    if sig is None:
        return None, None

    def parse(text):
        text = text.replace(" ", "")
        ins, outs = text.split("->")
        return [[t for t in group.split(",") if t]
                for group in re.findall(r"\(([^)]*)\)", ins) + re.findall(r"\(([^)]*)\)", outs)]

    numpy_layout = parse(sig)
    original = None
    info = getattr(ufunc, "_jitufunc_", None)
    if info is not None and isinstance(info[1], dict) and info[1].get("layout"):
        original = parse(info[1]["layout"])
    if any(t.endswith("?") for group in numpy_layout for t in group):
        raise _Refused(
            f"{ufunc.__name__}: layouts with optional dimensions ({sig}) cannot be called from Numba code")
    return numpy_layout, original


def _operand_dtype(ty, weak):
    """The dtype (or Python type, for a weak Python number) NumPy would see."""
    from numba.core import types
    from numba.np.numpy_support import as_dtype

    if isinstance(ty, types.Array):
        return as_dtype(ty.dtype)
    if isinstance(ty, types.IntegerLiteral):
        return int
    if isinstance(ty, types.BooleanLiteral):
        return as_dtype(types.boolean)
    if isinstance(ty, (types.Boolean, types.Integer, types.Float, types.Complex)):
        if weak:
            if ty == types.int64:
                return int
            if ty == types.float64:
                return float
            if ty == types.complex128:
                return complex
        return as_dtype(ty)
    raise _Refused(f"an argument of type {ty} (arrays and numbers only)")


def _resolve(ufunc, inputs):
    """The dtypes of every operand of the loop NumPy would run."""
    errors = []
    for weak in (False, True):
        try:
            dtypes = tuple(_operand_dtype(t, weak) for t in inputs)
        except _Refused as e:
            raise _Refused(f"{ufunc.__name__}() got {e}") from None
        if weak and all(d is not int and d is not float and d is not complex for d in dtypes):
            break
        try:
            return ufunc.resolve_dtypes(dtypes + (None,) * ufunc.nout)
        except Exception as e:  # NumPy's message: no loop, cannot compile (lazy), ...
            errors.append(f"{type(e).__name__}: {e}")
    raise _Refused(f"{ufunc.__name__}() cannot run on {', '.join(map(str, inputs))}: {errors[0]}")


def _loop_entry(ufunc, dtypes):
    """(function address, data address) of the loop for ``dtypes``."""
    import numpy as np

    from jitufunc import _core

    by_num = {np.dtype(c).num: np.dtype(c) for c in np.typecodes["All"]}
    for typenums, fn, data in _core.library(ufunc).loop_entries:
        if fn and len(typenums) == len(dtypes) and all(
                by_num.get(t) == d for t, d in zip(typenums, dtypes)):
            return fn, data
    return None


# --------------------------------------------------------------------------
# Intrinsics: the calls into jitufunc's loops


def _take_error_address():
    from jitufunc import _core

    return _core.take_python_error_address()


def _emit_loop_call(context, builder, fn_addr, data_addr, args_p, dims_p, steps_p):
    """Calls ``loop(args, dims, steps, data)``; returns an i32: 1 if the loop
    left a Python exception (which is cleared), else 0.

    Three cases, by the calling thread's state:

    - it holds the GIL (plain ``@njit``): the loop, then ``PyErr_Occurred()``
      and, only if set, ``take_python_error()``: the common case costs no
      more than the loop;
    - it has a Python thread state but released the GIL (``nogil=True``):
      the loop runs without the GIL; ``take_python_error()`` takes it;
    - it has no Python thread state (a worker of Numba's ``parallel=True``):
      the loop runs inside ``PyGILState_Ensure``/``Release``, as otherwise
      the thread state the loop makes to raise, and the exception in it,
      would be gone before ``take_python_error()`` could see it.
    """
    from llvmlite import ir
    from numba.core import cgutils, types

    i8p = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    mod = builder.module
    intp_p = context.get_value_type(types.intp).as_pointer()
    fnty = ir.FunctionType(ir.VoidType(), [i8p.as_pointer(), intp_p, intp_p, i8p])
    fn = builder.bitcast(context.add_dynamic_addr(builder, fn_addr, info="jitufunc loop"),
                         fnty.as_pointer())
    if data_addr:
        data = context.add_dynamic_addr(builder, data_addr, info="jitufunc loop data")
    else:
        data = ir.Constant(i8p, None)
    take = builder.bitcast(
        context.add_dynamic_addr(builder, _take_error_address(), info="jitufunc take_python_error"),
        ir.FunctionType(i32, []).as_pointer())
    gil_check = cgutils.get_or_insert_function(mod, ir.FunctionType(i32, []), "PyGILState_Check")
    this_state = cgutils.get_or_insert_function(
        mod, ir.FunctionType(i8p, []), "PyGILState_GetThisThreadState")
    ensure = cgutils.get_or_insert_function(mod, ir.FunctionType(i32, []), "PyGILState_Ensure")
    release = cgutils.get_or_insert_function(
        mod, ir.FunctionType(ir.VoidType(), [i32]), "PyGILState_Release")
    occurred = cgutils.get_or_insert_function(mod, ir.FunctionType(i8p, []), "PyErr_Occurred")
    result = cgutils.alloca_once(builder, i32)

    def run_and_check():
        builder.call(fn, [args_p, dims_p, steps_p, data])
        pending = builder.icmp_unsigned("!=", builder.call(occurred, []), ir.Constant(i8p, None))
        with builder.if_else(pending, likely=False) as (raised, clean):
            with raised:
                builder.store(builder.call(take, []), result)
            with clean:
                builder.store(ir.Constant(i32, 0), result)

    holds_gil = builder.icmp_signed("!=", builder.call(gil_check, []), ir.Constant(i32, 0))
    with builder.if_else(holds_gil, likely=True) as (gil, no_gil):
        with gil:
            run_and_check()
        with no_gil:
            stateless = builder.icmp_unsigned("==", builder.call(this_state, []),
                                              ir.Constant(i8p, None))
            with builder.if_else(stateless) as (no_state, state):
                with no_state:
                    st = builder.call(ensure, [])
                    run_and_check()
                    builder.call(release, [st])
                with state:
                    builder.call(fn, [args_p, dims_p, steps_p, data])
                    builder.store(builder.call(take, []), result)
    return builder.load(result)


def _stack_array(context, builder, values, value_types, ty):
    """An on-stack array of the values (each cast to ``ty``); its pointer."""
    from numba.core import cgutils

    llty = context.get_value_type(ty)
    ptr = cgutils.alloca_once(builder, llty, size=max(len(values), 1))
    for k, (v, vt) in enumerate(zip(values, value_types)):
        builder.store(context.cast(builder, v, vt, ty), cgutils.gep_inbounds(builder, ptr, k))
    return ptr


def _scalar_caller(fn_addr, data_addr, loop_types, nin):
    """An intrinsic ``call(inputs_tuple) -> (outputs..., err)`` running the
    loop on one element."""
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    outs = tuple(loop_types[nin:])

    @intrinsic
    def call_scalar(typingctx, inputs):
        sig = types.Tuple(outs + (types.int32,))(inputs)

        def codegen(context, builder, sig, args):
            i8p = ir.IntType(8).as_pointer()
            vals = cgutils.unpack_tuple(builder, args[0], nin)
            ptrs = cgutils.alloca_once(builder, i8p, size=len(loop_types))
            slots = []
            for k, lty in enumerate(loop_types):
                model = context.data_model_manager[lty]
                slot = cgutils.alloca_once(builder, model.get_data_type())
                if k < nin:
                    v = context.cast(builder, vals[k], inputs.types[k], lty)
                    builder.store(model.as_data(builder, v), slot)
                builder.store(builder.bitcast(slot, i8p), cgutils.gep_inbounds(builder, ptrs, k))
                slots.append((model, slot))
            one = context.get_constant(types.intp, 1)
            dims = _stack_array(context, builder, [one], [types.intp], types.intp)
            zero = context.get_constant(types.intp, 0)
            steps = _stack_array(context, builder, [zero] * len(loop_types),
                                 [types.intp] * len(loop_types), types.intp)
            err = _emit_loop_call(context, builder, fn_addr, data_addr, ptrs, dims, steps)
            results = [model.from_data(builder, builder.load(slot)) for model, slot in slots[nin:]]
            return context.make_tuple(builder, sig.return_type, results + [err])

        return sig, codegen

    return call_scalar


def _array_caller(fn_addr, data_addr):
    """An intrinsic ``call(arrays, offsets, dims, steps) -> err`` running the
    loop with ``args[k] = arrays[k].data + offsets[k]`` (bytes) and NumPy's
    ``dims`` and ``steps``. Taking the arrays keeps them alive over the call."""
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def call_loop(typingctx, arrays, offsets, dims, steps):
        sig = types.int32(arrays, offsets, dims, steps)

        def codegen(context, builder, sig, args):
            i8p = ir.IntType(8).as_pointer()
            n = len(arrays)
            arrs = cgutils.unpack_tuple(builder, args[0], n)
            offs = cgutils.unpack_tuple(builder, args[1], n)
            ptrs = cgutils.alloca_once(builder, i8p, size=n)
            for k in range(n):
                ary = context.make_array(arrays.types[k])(context, builder, arrs[k])
                off = context.cast(builder, offs[k], offsets.types[k], types.intp)
                p = builder.gep(builder.bitcast(ary.data, i8p), [off])
                builder.store(p, cgutils.gep_inbounds(builder, ptrs, k))
            dvals = cgutils.unpack_tuple(builder, args[2], len(dims))
            svals = cgutils.unpack_tuple(builder, args[3], len(steps))
            dims_p = _stack_array(context, builder, dvals, dims.types, types.intp)
            steps_p = _stack_array(context, builder, svals, steps.types, types.intp)
            return _emit_loop_call(context, builder, fn_addr, data_addr, ptrs, dims_p, steps_p)

        return sig, codegen

    return call_loop


_HELPERS = {}


def _helpers():
    """Numba functions the generated code shares (made once)."""
    with _LOCK:
        if _HELPERS:
            return _HELPERS
        import numba
        from numba.core import types
        from numba.extending import intrinsic

        @intrinsic
        def address(typingctx, a):
            def codegen(context, builder, sig, args):
                ary = context.make_array(a)(context, builder, args[0])
                return builder.ptrtoint(ary.data, context.get_value_type(types.intp))

            return types.intp(a), codegen

        @numba.njit(inline="always")
        def bounds(a):
            lo = address(a)
            hi = lo + a.itemsize
            for i in range(a.ndim):
                span = (a.shape[i] - 1) * a.strides[i]
                if span < 0:
                    lo += span
                else:
                    hi += span
            return lo, hi

        @numba.njit
        def overlap(a, b):
            """Whether the memory of two arrays may overlap."""
            if a.size == 0 or b.size == 0:
                return False
            alo, ahi = bounds(a)
            blo, bhi = bounds(b)
            return alo < bhi and blo < ahi

        _HELPERS.update(address=address, overlap=overlap)
        return _HELPERS


# --------------------------------------------------------------------------
# The implementations Numba compiles for a call


def _implementation(ufunc, args, kws):
    from numba.core.errors import TypingError

    try:
        return _build(ufunc, args, kws)
    except _Refused as e:
        raise TypingError(str(e)) from None


def _build(ufunc, args, kws):
    import numpy as np
    from numba.core import types
    from numba.np.numpy_support import from_dtype

    name = ufunc.__name__
    nin, nout = ufunc.nin, ufunc.nout
    unknown = sorted(set(kws) - {"out"})
    if unknown:
        raise _Refused(f"{name}() from Numba code takes no keyword {unknown[0]}= (only out=)")
    if len(args) not in (nin, nin + nout):
        raise _Refused(f"{name}() takes {nin} input(s) (and optionally {nout} output(s)), "
                       f"got {len(args)} arguments")
    inputs = list(args[:nin])
    params = [f"x{k}" for k in range(nin)]
    outputs = [None] * nout  # (numba type, expression) of given outputs
    if len(args) > nin:
        if "out" in kws:
            raise _Refused(f"{name}(): outputs given both as arguments and as out=")
        for k, t in enumerate(args[nin:]):
            outputs[k] = (t, f"y{k}")
            params.append(f"y{k}")
    elif "out" in kws and not isinstance(kws["out"], (types.NoneType, types.Omitted)):
        params.append("out")
        o = kws["out"]
        if isinstance(o, types.BaseTuple):
            if len(o) != nout:
                raise _Refused(f"{name}(): out= must have {nout} entries")
            outputs = [None if isinstance(t, types.NoneType) else (t, f"out[{k}]")
                       for k, t in enumerate(o.types)]
        elif nout == 1:
            outputs[0] = (o, "out")
        else:
            raise _Refused(f"{name}(): out= must be a tuple of {nout} arrays")
    elif "out" in kws:
        params.append("out=None")
    for o in outputs:
        if o is not None and not (isinstance(o[0], types.Array) and o[0].mutable):
            raise _Refused(f"{name}(): an output must be a writable array, not {o[0]}")

    dtypes = _resolve(ufunc, inputs)
    loop_types = [from_dtype(d) for d in dtypes]
    for k, o in enumerate(outputs):
        if o is not None and not np.can_cast(dtypes[nin + k], _dtype(o[0]), casting="same_kind"):
            raise _Refused(f"{name}(): cannot cast the output from {dtypes[nin + k]} "
                           f"to {_dtype(o[0])} with casting rule 'same_kind'")
    layout, original = _layout(ufunc)
    core = layout if layout is not None else [[] for _ in range(nin + nout)]

    # Outer dimensions of the broadcast.
    ndims = []
    for k, t in enumerate(inputs + [o[0] if o else None for o in outputs]):
        if t is None:
            continue
        nd = t.ndim if isinstance(t, types.Array) else 0
        if nd < len(core[k]):
            which = f"input {k}" if k < nin else f"output {k - nin}"
            raise _Refused(f"{name}(): {which} has {nd} dimension(s), fewer than its core "
                           f"dimensions ({','.join(core[k])}) need")
        ndims.append(nd - len(core[k]))
    outer = max(ndims, default=0)
    for k, o in enumerate(outputs):
        if o is not None and o[0].ndim - len(core[nin + k]) != outer:
            raise _Refused(f"{name}(): output {k} has {o[0].ndim} dimension(s); "
                           f"the broadcast needs {outer + len(core[nin + k])}")
    result_types = []
    for k, o in enumerate(outputs):
        if o is not None:
            result_types.append(o[0])
        else:
            nd = outer + len(core[nin + k])
            result_types.append(loop_types[nin + k] if nd == 0
                                else types.Array(loop_types[nin + k], nd, "C"))
    result_type = result_types[0] if nout == 1 else types.Tuple(result_types)

    entry = _loop_entry(ufunc, dtypes)
    names = dict(np=np, _RT=result_type, _PY=_python_call(ufunc, nin, dtypes, outputs, params))
    from numba import objmode

    names["objmode"] = objmode
    if entry is None:
        source = _objmode_source(params)
    elif layout is None and all(o is None for o in outputs) and not any(
            isinstance(t, types.Array) for t in inputs):
        names["_CALL"] = _scalar_caller(entry[0], entry[1], loop_types, nin)
        source = _scalar_source(params, nin, nout)
    else:
        names["_CALL"] = _array_caller(*entry)
        names["_OVERLAP"] = _helpers()["overlap"]
        for k, d in enumerate(dtypes):
            names[f"_t{k}"] = d.type
        source = _driver_source(name, params, inputs, outputs, dtypes, core, original, outer, nin)
    return _compile_source(source, names, name)


def _dtype(ty):
    from numba.np.numpy_support import as_dtype

    return as_dtype(ty.dtype)


def _python_call(ufunc, nin, dtypes, outputs, params):
    """The same call made from Python with the chosen loop forced: raises
    the kernel's exception (used after a loop reported one)."""
    import numpy as np

    given = [o is not None for o in outputs]
    kw_out = any(p.startswith("out") for p in params)

    def call(*args):
        ins = args[:nin]
        if kw_out:
            out = args[nin] if len(args) > nin else None
            if out is not None and not isinstance(out, tuple):
                out = (out,)
        elif len(args) > nin:
            out = tuple(args[nin:])
        else:
            out = None
        kw = {"signature": tuple(dtypes)}
        if out is not None:
            kw["out"] = out
        res = ufunc(*ins, **kw)
        if len(outputs) == 1:
            res = (res,)
        res = tuple(r if g or not isinstance(r, np.ndarray) else np.ascontiguousarray(r)
                    for r, g in zip(res, given))
        return res[0] if len(res) == 1 else res

    return call


def _compile_source(source, names, name):
    import linecache

    filename = f"<jitufunc numba bridge {next(_NAMES)}: {name}>"
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, names)
    return names["impl"]


def _objmode_source(params):
    args = ", ".join(p.split("=")[0] for p in params)
    return (f"def impl({', '.join(params)}):\n"
            f"    with objmode(r=_RT):\n"
            f"        r = _PY({args})\n"
            f"    return r\n")


def _scalar_source(params, nin, nout):
    args = ", ".join(p.split("=")[0] for p in params)
    ins = ", ".join(f"x{k}" for k in range(nin)) + ","
    ret = "r[0]" if nout == 1 else "(" + ", ".join(f"r[{k}]" for k in range(nout)) + ",)"
    return (f"def impl({', '.join(params)}):\n"
            f"    r = _CALL(({ins}))\n"
            f"    if r[{nout}] != 0:\n"
            f"        with objmode(e=_RT):\n"
            f"            e = _PY({args})\n"
            f"        return e\n"
            f"    return {ret}\n")


def _driver_source(name, params, inputs, outputs, dtypes, core, original, outer, nin):
    """A Numba function: inputs as arrays of the loop's dtypes, the
    broadcast, the outputs, then the loop over the outer dimensions."""
    from numba.core import types

    nout = len(outputs)
    L = [f"def impl({', '.join(params)}):"]
    ops = []  # (variable, outer ndim)
    for k, t in enumerate(inputs):
        if isinstance(t, types.Array):
            if _dtype(t) == dtypes[k]:
                L.append(f"    a{k} = x{k}")
            else:
                L.append(f"    a{k} = x{k}.astype(_t{k})")
            ops.append((f"a{k}", t.ndim - len(core[k])))
        else:
            L.append(f"    a{k} = np.empty((), _t{k})")
            L.append(f"    a{k}[()] = x{k}")
            ops.append((f"a{k}", 0))
    for k, o in enumerate(outputs):
        if o is not None:
            L.append(f"    g{k} = {o[1]}")
    given = [(f"g{k}", outer) for k, o in enumerate(outputs) if o is not None]
    # Outer broadcast.
    for d in range(outer):
        L.append(f"    N{d} = 1")
        for v, o in ops + given:
            j = d - (outer - o)
            if j < 0:
                continue
            L += [f"    s = {v}.shape[{j}]",
                  "    if s != 1:",
                  f"        if N{d} != 1 and N{d} != s:",
                  f"            raise ValueError(\"{name}(): operands could not be broadcast together\")",
                  f"        N{d} = s"]
    for v, o in given:
        for d in range(outer):
            L += [f"    if {v}.shape[{d}] != N{d}:",
                  f"        raise ValueError(\"{name}(): an output operand does not have the broadcast shape\")"]
    # Core dimensions.
    symbols = {}  # token -> index in NumPy's dims[1:]
    for group in core:
        for t in group:
            symbols.setdefault(t, len(symbols))
    known = set()
    for k, group in enumerate(core):
        if k >= nin and outputs[k - nin] is None:
            continue
        v = f"a{k}" if k < nin else f"g{k - nin}"
        o = ops[k][1] if k < nin else outer
        for i, t in enumerate(group):
            size = f"{v}.shape[{o + i}]"
            if t.isdigit():
                L += [f"    if {size} != {t}:",
                      f"        raise ValueError(\"{name}(): core dimension {i} of operand {k} must be {t}\")"]
            if t in known or t.isdigit():
                if not t.isdigit():
                    L += [f"    if {size} != C{symbols[t]}:",
                          f"        raise ValueError(\"{name}(): mismatch in core dimension {t}\")"]
            else:
                L.append(f"    C{symbols[t]} = {size}")
                known.add(t)
    for t, ix in symbols.items():
        if t.isdigit():
            L.append(f"    C{ix} = {t}")
            known.add(t)
    for k in range(nout):
        missing = [t for t in core[nin + k] if t not in known]
        if missing and outputs[k] is None:
            raise _Refused(f"{name}(): the size of core dimension {missing[0]} of output {k} "
                           "is not given by any input")
    # Broadcast (``n|1``) dimensions of the jitufunc layout.
    if original is not None:
        for group, ogroup in zip(core, original):
            for t, ot in zip(group, ogroup):
                if ot.endswith("|1"):
                    base = ot[:-2]
                    if base not in symbols:
                        raise _Refused(f"{name}(): layout dimension {ot} cannot be checked from Numba code")
                    L += [f"    if C{symbols[t]} != C{symbols[base]} and C{symbols[t]} != 1:",
                          f"        raise ValueError(\"{name}(): core dimension {ot} must be 1 or that of {base}\")"]
    # Outputs.
    shape_of = {}
    for k in range(nout):
        dims = [f"N{d}" for d in range(outer)] + [f"C{symbols[t]}" for t in core[nin + k]]
        shape = "(" + "".join(f"{x}, " for x in dims) + ")"
        shape_of[k] = shape
        b = f"b{k}"
        if outputs[k] is None:
            L.append(f"    {b} = np.empty({shape}, _t{nin + k})")
        else:
            t = outputs[k][0]
            if _dtype(t) == dtypes[nin + k]:
                L.append(f"    c{k} = False")
                L.append(f"    {b} = g{k}")
                for i, it in enumerate(inputs):
                    if isinstance(it, types.Array):
                        L += [f"    if _OVERLAP(g{k}, x{i}):",
                              f"        c{k} = True",
                              f"        {b} = np.empty({shape}, _t{nin + k})"]
            else:
                L.append(f"    c{k} = True")
                L.append(f"    {b} = np.empty({shape}, _t{nin + k})")
        ops.append((b, outer))
    # Strides.
    for n_, (v, o) in enumerate(ops):
        for d in range(outer):
            j = d - (outer - o)
            if j < 0:
                L.append(f"    S{n_}_{d} = 0")
            else:
                L.append(f"    S{n_}_{d} = {v}.strides[{j}] if {v}.shape[{j}] != 1 else 0")
    core_steps = []
    for n_, (v, o) in enumerate(ops):
        core_steps += [f"{v}.strides[{o + i}]" for i in range(len(core[n_]))]
    core_dims = [f"C{ix}" for ix in range(len(symbols))]
    arrays = "(" + "".join(f"{v}, " for v, _ in ops) + ")"
    zeros = "(" + "0, " * len(ops) + ")"

    def call(n, outer_steps, offsets, indent):
        dims = "(" + ", ".join([n] + core_dims) + ",)"
        steps = "(" + ", ".join(outer_steps + core_steps) + ",)"
        return f"{indent}err = _CALL({arrays}, {offsets}, {dims}, {steps})"

    L.append("    err = 0")
    if outer == 0:
        L.append(call("1", ["0"] * len(ops), zeros, "    "))
    elif outer == 1:
        L.append(call("N0", [f"S{n_}_0" for n_ in range(len(ops))], zeros, "    "))
    else:
        last = outer - 1
        total = " * ".join(f"N{d}" for d in range(outer))
        flat = " and ".join(f"S{n_}_{d} == S{n_}_{d + 1} * N{d + 1}"
                            for n_ in range(len(ops)) for d in range(last))
        L.append(f"    if {flat}:")
        L.append(call(total, [f"S{n_}_{last}" for n_ in range(len(ops))], zeros, "        "))
        L.append("    else:")
        indent = "        "
        for d in range(last):
            L.append(f"{indent}for i{d} in range(N{d}):")
            indent += "    "
        offsets = "(" + "".join(
            " + ".join(f"i{d} * S{n_}_{d}" for d in range(last)) + ", " for n_ in range(len(ops))) + ")"
        L.append(call(f"N{last}", [f"S{n_}_{last}" for n_ in range(len(ops))], offsets, indent))
        for d in reversed(range(last)):
            L.append(f"{indent}if err != 0:")
            L.append(f"{indent}    break")
            indent = indent[:-4]
    args = ", ".join(p.split("=")[0] for p in params)
    L += ["    if err != 0:",
          "        with objmode(e=_RT):",
          f"            e = _PY({args})",
          "        return e"]
    results = []
    for k in range(nout):
        if outputs[k] is not None:
            L += [f"    if c{k}:", f"        g{k}[...] = b{k}"]
            results.append(f"g{k}")
        elif outer + len(core[nin + k]) == 0:
            results.append(f"b{k}[()]")
        else:
            results.append(f"b{k}")
    L.append("    return " + (results[0] if nout == 1 else "(" + ", ".join(results) + ",)"))
    return "\n".join(L) + "\n"
