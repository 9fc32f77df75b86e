//! Getting a kernel's source and parsing it with the running Python's `ast`.

use pyo3::prelude::*;

use crate::error::{Result, SourceInfo};

/// A parsed function and how its parsed positions map to the file.
pub struct ParsedSource<'py> {
    /// The `ast.FunctionDef` (or `ast.Lambda`) node.
    pub node: Bound<'py, PyAny>,
    pub info: SourceInfo,
    /// File line of parsed line 1, minus one.
    pub line_offset: u32,
    /// Columns removed by dedenting.
    pub col_offset: u32,
}

/// `func` rebuilt from its bytecode, its source being unusable (`why`).
fn from_bytecode<'py>(
    py: Python<'py>,
    func: &Bound<'py, PyAny>,
    why: impl std::fmt::Display,
) -> PyResult<Result<ParsedSource<'py>>> {
    rebuilt(py, func, why, false)
}

/// `from_bytecode`; `quote`: quote the source in messages if it exists.
fn rebuilt<'py>(
    py: Python<'py>,
    func: &Bound<'py, PyAny>,
    why: impl std::fmt::Display,
    quote: bool,
) -> PyResult<Result<ParsedSource<'py>>> {
    Ok(
        super::bytecode::rebuild(py, func, &why.to_string(), quote)?.map(|r| ParsedSource {
            node: r.node,
            info: r.info,
            line_offset: 0,
            col_offset: 0,
        }),
    )
}

/// The source a function carries itself: `__jitufunc_source__`, set on
/// functions rebuilt from a by-value pickle to `(file name, first line,
/// lines)`, the exact text the kernel was compiled from where it was
/// pickled.
fn carried_source(func: &Bound<'_, PyAny>) -> PyResult<Option<(String, Vec<String>, u32)>> {
    let Ok(carried) = func.getattr("__jitufunc_source__") else {
        return Ok(None);
    };
    let (filename, first_line, lines): (String, u32, Vec<String>) = carried.extract()?;
    // A function compiled from its bytecode carries no lines: it is
    // rebuilt from its bytecode again.
    if lines.is_empty() {
        return Ok(None);
    }
    Ok(Some((
        filename,
        lines.into_iter().map(|l| l + "\n").collect(),
        first_line,
    )))
}

/// The source of a function defined in `python -c "..."`: the program text
/// is `sys.orig_argv`'s argument after `-c`, and the function's lines are
/// the block starting at `co_firstlineno` (Python keeps no copy of it for
/// `inspect`). `None` if the function is not from there; the caller checks
/// that the block defines a function of the right name on that line.
fn command_line_source(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    filename: &str,
) -> PyResult<Option<(Vec<String>, u32)>> {
    if filename != "<string>" {
        return Ok(None);
    }
    let sys = py.import("sys")?;
    let Ok(argv) = sys.getattr("orig_argv") else {
        return Ok(None);
    };
    let argv: Vec<String> = argv.extract()?;
    // `-c CODE`, or `-c` last in a group of short options (`-Ic CODE`);
    // options after the program are the program's.
    let mut program = None;
    for (k, arg) in argv.iter().enumerate().skip(1) {
        let is_c = arg == "-c"
            || (arg.starts_with('-')
                && !arg.starts_with("--")
                && arg.ends_with('c')
                && arg[1..].chars().all(|c| c.is_ascii_alphabetic()));
        if is_c {
            program = argv.get(k + 1);
            break;
        }
        if !arg.starts_with('-') {
            break; // a script or module: not `-c`
        }
    }
    let Some(program) = program else {
        return Ok(None);
    };
    let first: usize = code.getattr("co_firstlineno")?.extract()?;
    let all: Vec<String> = pyo3::types::PyString::new(py, program)
        .call_method1("splitlines", (true,))?
        .extract()?;
    if first == 0 || first > all.len() {
        return Ok(None);
    }
    let block = match py
        .import("inspect")?
        .call_method1("getblock", (all[first - 1..].to_vec(),))
    {
        Ok(b) => b.extract::<Vec<String>>()?,
        Err(_) => return Ok(None),
    };
    Ok(Some((block, first as u32)))
}

/// The lines of `code`'s function read from its file without `inspect`:
/// from `co_firstlineno` (its first decorator's line) to the last line any
/// of its instructions (or those of code nested in it) covers. Cheaper than
/// `inspect.getsourcelines`, whose tokenizer costs about 2 ms the first
/// time in a process. `None` when the file's lines are not available; the
/// caller falls back on `inspect` when the block does not parse (a
/// multi-line statement whose last line holds no instruction).
fn block_from_code(
    py: Python<'_>,
    func: &Bound<'_, PyAny>,
    code: &Bound<'_, PyAny>,
    filename: &str,
) -> PyResult<Option<(Vec<String>, u32)>> {
    if filename.starts_with('<') && filename.ends_with('>') {
        return Ok(None);
    }
    let globals = func.getattr("__globals__").ok();
    let linecache = py.import("linecache")?;
    // As `inspect` does: drop the cached lines of a file changed on disk.
    linecache.call_method1("checkcache", (filename,))?;
    let all: Vec<String> = linecache
        .call_method1("getlines", (filename, globals))?
        .extract()?;
    let first: usize = code.getattr("co_firstlineno")?.extract()?;
    let last = last_line(code)?;
    if all.is_empty() || first == 0 || last < first || last > all.len() {
        return Ok(None);
    }
    let last = with_dead_tail(&all, first, last);
    Ok(Some((all[first - 1..last].to_vec(), first as u32)))
}

/// `last` moved past the lines that follow it and are indented deeper
/// than the definition's first line: the end of its body that the
/// bytecode covers no instruction of, because CPython dropped it as dead
/// code (statements after an `assert 0` or a `raise`). Without them the
/// text would end where the bytecode does, and a `return` that only dead
/// code held would be missing from the kernel read. (1-based lines.)
fn with_dead_tail(all: &[String], first: usize, last: usize) -> usize {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let outer = indent(&all[first - 1]);
    let mut end = last;
    for (k, line) in all.iter().enumerate().skip(last) {
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if indent(line) <= outer {
            break;
        }
        end = k + 1;
    }
    end
}

/// The last source line `code` or any code object among its constants
/// covers (`co_positions`' end lines; `co_lines` before Python 3.11).
fn last_line(code: &Bound<'_, PyAny>) -> PyResult<usize> {
    let mut last = 0usize;
    if let Ok(positions) = code.call_method0("co_positions") {
        for p in positions.try_iter()? {
            let (line, end, _, _): (Option<usize>, Option<usize>, Option<usize>, Option<usize>) =
                p?.extract()?;
            last = last.max(line.unwrap_or(0)).max(end.unwrap_or(0));
        }
    } else {
        for r in code.call_method0("co_lines")?.try_iter()? {
            let (_, _, line): (usize, usize, Option<usize>) = r?.extract()?;
            last = last.max(line.unwrap_or(0));
        }
    }
    let code_type = code.get_type();
    for c in code.getattr("co_consts")?.try_iter()? {
        let c = c?;
        if c.get_type().is(&code_type) {
            last = last.max(last_line(&c)?);
        }
    }
    Ok(last)
}

/// The first line of a parsed definition: its first decorator's, or its own.
fn first_line_of(node: &Bound<'_, PyAny>) -> PyResult<u32> {
    let mut line: u32 = node.getattr("lineno")?.extract()?;
    if let Ok(decorators) = node.getattr("decorator_list") {
        for d in decorators.try_iter()? {
            line = line.min(d?.getattr("lineno")?.extract()?);
        }
    }
    Ok(line)
}

/// `lines` without the indentation of their first non-blank line
/// (methods and nested functions are indented), and that indentation.
fn dedent(lines: &[String]) -> (String, usize) {
    let indent = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(0);
    let dedented = lines
        .iter()
        .map(|l| {
            if l.len() >= indent && l[..indent].trim().is_empty() {
                &l[indent..]
            } else if l.trim().is_empty() {
                // A blank line shorter than the indent (inside a
                // docstring) stays a line, so line numbers stay right.
                "\n"
            } else {
                l.trim_start()
            }
        })
        .collect();
    (dedented, indent)
}

/// A block of lines (`block_from_code`) parsed on its own, if it parses.
fn parse_block<'py>(
    py: Python<'py>,
    block: &(Vec<String>, u32),
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let (text, _) = dedent(&block.0);
    Ok(py.import("ast")?.call_method1("parse", (text,)).ok())
}

/// Reads and parses the source of `func`; without usable source (or with
/// `bytecode`), rebuilds it from its bytecode.
pub fn parse_function<'py>(
    py: Python<'py>,
    func: &Bound<'py, PyAny>,
    bytecode: bool,
) -> PyResult<Result<ParsedSource<'py>>> {
    if bytecode {
        return rebuilt(py, func, "the bytecode frontend was asked for", true);
    }
    let code = func.getattr("__code__")?;
    // (the code's name: `f.__name__` may have been changed since)
    let name: String = code.getattr("co_name")?.extract()?;
    let mut filename: String = code.getattr("co_filename")?.extract()?;
    // Source carried by a pickled function names the file it was read
    // from (the function's own code may say "<dynamic-code>").
    let mut from_command_line = false;
    let is_lambda = name == "<lambda>";
    // The block read from the code's lines, parsed once (a lambda's line is
    // parsed on its own below).
    let mut parsed_block = None;
    let (lines, start): (Vec<String>, u32) = match carried_source(func)? {
        Some((carried_name, lines, start)) => {
            filename = carried_name;
            (lines, start)
        }
        None => match block_from_code(py, func, &code, &filename)?
            .map(|block| parse_block(py, &block).map(|m| (block, m)))
            .transpose()?
        {
            Some((block, Some(module))) => {
                parsed_block = (!is_lambda).then_some(module);
                block
            }
            _ => match py
                .import("inspect")?
                .call_method1("getsourcelines", (func,))
            {
                Ok(r) => r.extract()?,
                Err(e) => match command_line_source(py, &code, &filename)? {
                    Some(found) => {
                        from_command_line = true;
                        found
                    }
                    None => return from_bytecode(py, func, e.value(py)),
                },
            },
        },
    };
    let text: String = lines.concat();
    let (dedented, indent) = dedent(&lines);
    let ast = py.import("ast")?;
    let info = SourceInfo {
        filename,
        function: name.clone(),
        first_line: start.max(1),
        lines: lines
            .iter()
            .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
            .collect(),
    };
    let line_offset = start.max(1) - 1;
    let parsed = match parsed_block {
        Some(m) => Ok(m),
        None => ast.call_method1(
            "parse",
            (if is_lambda {
                text.trim().to_string()
            } else {
                dedented
            },),
        ),
    };
    let module = match parsed {
        Ok(m) => m,
        Err(e) if is_lambda => {
            return from_bytecode(
                py,
                func,
                format!(
                    "the lambda's source line does not parse on its own ({})",
                    e.value(py)
                ),
            )
        }
        Err(e) => return from_bytecode(py, func, e.value(py)),
    };
    let mut found: Vec<Bound<'py, PyAny>> = vec![];
    for node in ast.call_method1("walk", (&module,))?.try_iter()? {
        let node = node?;
        let kind = node.get_type().name()?.to_string();
        let matches = if is_lambda {
            kind == "Lambda"
        } else {
            (kind == "FunctionDef" || kind == "AsyncFunctionDef")
                && node.getattr("name")?.extract::<String>()? == name
        };
        // A block read from `python -c` must define the function on its
        // first line (another function of that name elsewhere is not it).
        if matches && from_command_line && first_line_of(&node)? != 1 {
            continue;
        }
        if matches {
            found.push(node);
            if !is_lambda {
                break;
            }
        }
    }
    let node = match (found.len(), is_lambda) {
        (0, _) => return from_bytecode(py, func, "its definition was not found in the source"),
        (1, _) | (_, false) => found.swap_remove(0),
        (_, true) => {
            return from_bytecode(
                py,
                func,
                format!("line {start} of {} has more than one lambda", info.filename),
            )
        }
    };
    // Text found on the command line is used only if it compiles to the
    // function's own bytecode.
    if from_command_line && !super::bytecode::is_source_of(py, &node, func)? {
        return from_bytecode(
            py,
            func,
            "the text at its line of the command line is another function",
        );
    }
    // Text that is not this function's (the file changed since, or the
    // function came from a rewritten syntax tree under its own name and
    // file): its bytecode says what it is.
    if !is_lambda
        && !from_command_line
        && super::bytecode::source_matches(py, func, &node)? == Some(false)
    {
        return from_bytecode(
            py,
            func,
            format!(
                "the text in {} does not compile to its code (the file changed after it was defined, or it was compiled from a rewritten syntax tree)",
                info.filename
            ),
        );
    }
    let col_offset = if is_lambda {
        (lines[0].len() - lines[0].trim_start().len()) as u32
    } else {
        indent as u32
    };
    Ok(Ok(ParsedSource {
        node,
        info,
        line_offset,
        col_offset,
    }))
}
