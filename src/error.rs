//! The one error type of the public API: malformed and invalid modules carry
//! their byte offset (and function), traps carry their kind and a backtrace.

use std::fmt;

/// Every failure weft reports: decoding, validation, linking, instantiation,
/// traps and API misuse.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The bytes are not a WebAssembly binary (spec: "malformed").
    Malformed { offset: usize, message: String },
    /// The binary decodes but does not validate (spec: "invalid").
    Invalid { func: Option<u32>, offset: usize, message: String },
    /// An import could not be resolved or has the wrong type (spec: "unlinkable").
    Link { message: String },
    /// Execution trapped (also during instantiation: start function, segments).
    Trap(Trap),
    /// Anything else: API misuse, host errors, resource limits, I/O.
    Other { message: String },
    /// The guest asked to exit (WASI `proc_exit`) with this status.
    Exit(i32),
}

impl Error {
    pub fn malformed(offset: usize, message: impl Into<String>) -> Self {
        Error::Malformed { offset, message: message.into() }
    }
    pub fn invalid(func: Option<u32>, offset: usize, message: impl Into<String>) -> Self {
        Error::Invalid { func, offset, message: message.into() }
    }
    pub fn link(message: impl Into<String>) -> Self {
        Error::Link { message: message.into() }
    }
    pub fn other(message: impl Into<String>) -> Self {
        Error::Other { message: message.into() }
    }
    /// The trap, when this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }
    /// The bare message, without position: what the spec's assertions compare.
    pub fn message(&self) -> String {
        match self {
            Error::Malformed { message, .. }
            | Error::Invalid { message, .. }
            | Error::Link { message }
            | Error::Other { message } => message.clone(),
            Error::Trap(t) => t.code.to_string(),
            Error::Exit(code) => format!("exited with code {code}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { offset, message } => {
                write!(f, "malformed module at byte offset {offset:#x}: {message}")
            }
            Error::Invalid { func: Some(func), offset, message } => {
                write!(f, "invalid module: function {func} at byte offset {offset:#x}: {message}")
            }
            Error::Invalid { func: None, offset, message } => {
                write!(f, "invalid module at byte offset {offset:#x}: {message}")
            }
            Error::Link { message } => write!(f, "link error: {message}"),
            Error::Trap(t) => t.fmt(f),
            Error::Other { message } => f.write_str(message),
            Error::Exit(code) => write!(f, "exited with code {code}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Error::Trap(t)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why execution stopped abnormally. `Display` gives the spec's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TrapCode {
    Unreachable = 1,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    BadConversionToInteger,
    StackOverflow,
    UndefinedElement,
    OutOfFuel,
    Interrupted,
    /// A host function returned an error; the message is in the `Trap`.
    HostError,
    /// A call to a symbol that the dynamic linker could not resolve.
    UnresolvedSymbol,
}

impl TrapCode {
    pub(crate) fn from_u8(v: u8) -> TrapCode {
        use TrapCode::*;
        const ALL: [TrapCode; 14] = [
            Unreachable,
            MemoryOutOfBounds,
            TableOutOfBounds,
            IndirectCallToNull,
            BadSignature,
            IntegerOverflow,
            IntegerDivisionByZero,
            BadConversionToInteger,
            StackOverflow,
            UndefinedElement,
            OutOfFuel,
            Interrupted,
            HostError,
            UnresolvedSymbol,
        ];
        ALL[(v as usize).wrapping_sub(1).min(ALL.len() - 1)]
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivisionByZero => "integer divide by zero",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::Interrupted => "interrupted",
            TrapCode::HostError => "host function error",
            TrapCode::UnresolvedSymbol => "call to unresolved symbol",
        })
    }
}

/// One wasm frame of a trap's backtrace, innermost first.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameInfo {
    pub func_index: u32,
    pub func_name: Option<String>,
    pub module_name: Option<String>,
}

/// A trap: its kind, an optional detail message, and the wasm backtrace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trap {
    pub code: TrapCode,
    pub message: Option<String>,
    /// The innermost frames (at most [`Trap::MAX_FRAMES`]).
    pub backtrace: Vec<FrameInfo>,
    /// Frames beyond those, not recorded (deep recursion).
    pub frames_omitted: usize,
}

impl Trap {
    /// Frames recorded in a backtrace; deeper ones are only counted.
    pub const MAX_FRAMES: usize = 64;

    pub fn new(code: TrapCode) -> Self {
        Trap { code, message: None, backtrace: Vec::new(), frames_omitted: 0 }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.code)?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if !self.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, fr) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i:>2}: ")?;
                if let Some(m) = &fr.module_name {
                    write!(f, "{m}!")?;
                }
                match &fr.func_name {
                    Some(n) => write!(f, "{n}")?,
                    None => write!(f, "<wasm function {}>", fr.func_index)?,
                }
            }
            if self.frames_omitted > 0 {
                write!(f, "\n      ... {} more frames", self.frames_omitted)?;
            }
        }
        Ok(())
    }
}
