//! The one error type of the compiler core.
//!
//! Every pass returns `Result<_, CompileError>`. An error carries what went
//! wrong (`ErrorKind`, which decides the Python exception class at the single
//! mapping point in `crate::python::errors`), a message, and where possible the
//! source span of the construct that caused it. `CompileError::render` adds the
//! file, line and source text once the function's `SourceInfo` is known.

use std::fmt;

/// A position in the kernel's source file: 1-based line, 0-based columns in
/// characters of that line. `end_col == col` means "the whole line from col".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl Span {
    pub fn new(line: u32, col: u32, end_line: u32, end_col: u32) -> Self {
        Span {
            line,
            col,
            end_line,
            end_col,
        }
    }

    /// A span that only names a line (used by hand-built test IR).
    pub fn line(line: u32) -> Self {
        Span::new(line, 0, line, 0)
    }

    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

/// What kind of problem an error is; each maps to one Python exception class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Python syntax or a construct the compiler does not support
    /// (`NotImplementedError` subclass `UnsupportedError`).
    Unsupported,
    /// A name that is neither local, global, builtin nor closure variable
    /// (`NameError`-like, a `TypeError` subclass `UnknownNameError`).
    UnknownName,
    /// Types that do not fit (`TypeError` subclass `TypingError`).
    Typing,
    /// A malformed or inconsistent signature string (`TypeError` subclass
    /// `SignatureError`).
    Signature,
    /// A value out of range or an option that makes no sense (`ValueError`
    /// subclass `OptionError`).
    Value,
    /// A gufunc layout string that is malformed or does not match the kernel
    /// (`ValueError` subclass `LayoutError`).
    Layout,
    /// The source of the function cannot be obtained or parsed.
    Source,
    /// LLVM or the JIT failed: a bug in jitufunc, never the user's fault.
    Internal,
}

impl ErrorKind {
    /// Every kind (the order of the Python edge's class table).
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Unsupported,
        ErrorKind::UnknownName,
        ErrorKind::Typing,
        ErrorKind::Signature,
        ErrorKind::Value,
        ErrorKind::Layout,
        ErrorKind::Source,
        ErrorKind::Internal,
    ];
}

/// Where the kernel's source came from, to render errors with context.
#[derive(Clone, Debug, Default)]
pub struct SourceInfo {
    pub filename: String,
    pub function: String,
    /// File line number of `lines[0]`.
    pub first_line: u32,
    pub lines: Vec<String>,
}

impl SourceInfo {
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = line.checked_sub(self.first_line)? as usize;
        self.lines.get(index).map(|s| s.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct CompileError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Option<Span>,
    /// Filled in by `with_source` once the error leaves the function's passes.
    pub location: Option<String>,
    /// The kernel's file, also filled in by `with_source` (the line is
    /// `span.line`).
    pub filename: Option<String>,
    /// Where the function whose error this is was called from, in the
    /// caller, until the caller's `with_source` adds it to `location`
    /// (`called from ...`, as a traceback continues).
    pub call_site: Option<Span>,
}

pub type Result<T, E = CompileError> = std::result::Result<T, E>;

impl CompileError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CompileError {
            kind,
            message: message.into(),
            span: None,
            location: None,
            filename: None,
            call_site: None,
        }
    }

    pub fn at(kind: ErrorKind, span: Span, message: impl Into<String>) -> Self {
        let mut e = CompileError::new(kind, message);
        if span.is_known() {
            e.span = Some(span);
        }
        e
    }

    pub fn unsupported(span: Span, message: impl Into<String>) -> Self {
        CompileError::at(ErrorKind::Unsupported, span, message)
    }

    pub fn typing(span: Span, message: impl Into<String>) -> Self {
        CompileError::at(ErrorKind::Typing, span, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        CompileError::new(ErrorKind::Internal, message)
    }

    /// Attaches file, line and the source text (with a caret underline) if
    /// the error has a span and no location yet.
    pub fn with_source(mut self, source: &SourceInfo) -> Self {
        if let Some(loc) = self.location.clone() {
            let Some(span) = self.call_site.take() else {
                return self;
            };
            let mut caller = CompileError::new(self.kind, "");
            caller.span = Some(span);
            let caller = caller.with_source(source);
            let Some(at) = caller.location else {
                return self;
            };
            if self.filename.as_deref().is_some_and(is_library_file) {
                // An error inside jitufunc's own Python implementation of a
                // method or function (`l.insert(i, v)`) is the caller's.
                let inside = loc.lines().next().unwrap_or_default().to_string();
                self.location = Some(format!(
                    "{at}\n  (raised inside jitufunc's implementation: {inside})"
                ));
                self.span = Some(span);
                self.filename = caller.filename;
            } else {
                self.location = Some(format!("{loc}\n  called from {at}"));
            }
            return self;
        }
        self.filename = Some(source.filename.clone());
        let Some(span) = self.span else {
            self.location = Some(format!(
                "File \"{}\", in {}",
                source.filename, source.function
            ));
            return self;
        };
        let mut loc = format!(
            "File \"{}\", line {}, in {}",
            source.filename, span.line, source.function
        );
        if let Some(text) = source.line_text(span.line) {
            let trimmed = text.trim_start();
            let indent = text.chars().count() - trimmed.chars().count();
            loc.push_str("\n    ");
            loc.push_str(trimmed.trim_end());
            let start = (span.col as usize).saturating_sub(indent);
            let end = if span.end_line == span.line && span.end_col > span.col {
                (span.end_col as usize).saturating_sub(indent)
            } else {
                trimmed.trim_end().chars().count()
            };
            if end > start {
                loc.push_str("\n    ");
                loc.push_str(&" ".repeat(start));
                loc.push_str(&"^".repeat(end - start));
            }
        }
        self.location = Some(loc);
        self
    }
}

/// Whether `filename` is one of jitufunc's own modules implementing methods
/// and functions in Python (`jitufunc/_container_methods.py`).
pub fn is_library_file(filename: &str) -> bool {
    let path = std::path::Path::new(filename);
    path.parent()
        .and_then(|p| p.file_name())
        .is_some_and(|d| d == "jitufunc")
        && path
            .file_name()
            .and_then(|f| f.to_str())
            .is_some_and(|f| f.starts_with('_') && f.ends_with(".py"))
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (&self.location, self.span) {
            (Some(loc), _) => write!(f, "\n  {loc}"),
            (None, Some(span)) => write!(f, " (line {})", span.line),
            (None, None) => Ok(()),
        }
    }
}

impl CompileError {
    /// The line in the kernel's file the error is about, if known.
    pub fn lineno(&self) -> Option<u32> {
        self.span.map(|s| s.line)
    }
}

impl std::error::Error for CompileError {}

impl From<inkwell::builder::BuilderError> for CompileError {
    fn from(e: inkwell::builder::BuilderError) -> Self {
        CompileError::internal(format!("LLVM builder error: {e}"))
    }
}

/// Shorthand for returning an error of a kind at a span.
#[macro_export]
macro_rules! bail {
    ($kind:ident, $span:expr, $($fmt:tt)+) => {
        return Err($crate::error::CompileError::at(
            $crate::error::ErrorKind::$kind,
            $span,
            format!($($fmt)+),
        ))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let src = SourceInfo {
            filename: "k.py".into(),
            function: "f".into(),
            first_line: 10,
            lines: vec!["def f(x):".into(), "    return x @ y".into()],
        };
        let e =
            CompileError::unsupported(Span::new(11, 11, 11, 16), "operator @").with_source(&src);
        let text = e.to_string();
        assert!(text.contains("line 11, in f"), "{text}");
        assert!(text.contains("return x @ y"), "{text}");
        assert!(text.contains("\n           ^^^^^"), "{text:?}");
    }
}
