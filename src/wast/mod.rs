//! The `.wast` script runner behind `weft wast` and the spec-suite target:
//! scripts are parsed with the `wast` crate and every directive is checked
//! against weft through the public API only. Test tooling, not runtime.

pub mod spectest;
mod value;

use crate::{Config, Engine, Error, Extern, Instance, Linker, Module, Store, TrapCode, Val};
use hashbrown::HashMap;
use std::any::Any;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use wast::core::Module as WatModule;
use wast::lexer::Lexer;
use wast::parser::ParseBuffer;
use wast::token::{Id, Span};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// Native stack for the thread that runs a script: generous, because a
/// debug build of the decoder, validator or lowering may recurse on deeply
/// nested input, and overflowing it aborts the process instead of failing
/// one directive. Only touched pages are committed.
const SCRIPT_STACK: usize = 256 << 20;

/// The outcome of one script.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Directives that behaved as the script asserts.
    pub passed: usize,
    /// Directives that did not (including unsupported ones and panics).
    pub failed: usize,
    /// One line per failed directive: `file:line:col: directive: expected
    /// ..., got ...`.
    pub failures: Vec<String>,
    /// `assert_invalid`/`assert_malformed`/`assert_unlinkable` directives
    /// that were rejected, as asserted, but with a message that does not
    /// start with the spec's text. They count as passed.
    pub message_mismatches: Vec<String>,
    /// Rejections whose message did start with the spec's text.
    pub messages_matched: usize,
}

impl Report {
    /// Adds another report's counts and messages to this one.
    pub fn merge(&mut self, other: Report) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.failures.extend(other.failures);
        self.message_mismatches.extend(other.message_mismatches);
        self.messages_matched += other.messages_matched;
    }

    fn fail(&mut self, message: String) {
        self.failed += 1;
        self.failures.push(message);
    }
}

/// Runs the script in `text` on engines made from `config` (its backend,
/// features, limits); `path` only labels the messages.
pub fn run_script(text: &str, path: &str, config: &Config) -> Report {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(format!("wast {path}"))
            .stack_size(SCRIPT_STACK)
            .spawn_scoped(scope, || run_script_here(text, path, config));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|payload| {
                let mut report = Report::default();
                report.fail(format!("{path}: PANIC outside any directive: {}", panic_text(&*payload)));
                report
            }),
            // No thread to be had: run on this one.
            Err(_) => run_script_here(text, path, config),
        }
    })
}

/// Reads and runs the script at `path` (see [`run_script`]).
pub fn run_file(path: impl AsRef<Path>, config: &Config) -> std::io::Result<Report> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)?;
    Ok(run_script(&text, &path.display().to_string(), config))
}

fn run_script_here(text: &str, path: &str, config: &Config) -> Report {
    let mut report = Report::default();
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(mut e) => {
            e.set_text(text);
            report.fail(format!("{path}: script does not lex: {e}"));
            return report;
        }
    };
    let directives = match wast::parser::parse::<Wast<'_>>(&buf) {
        Ok(w) => w.directives,
        Err(mut e) => {
            e.set_text(text);
            report.fail(format!("{path}: script does not parse: {e}"));
            return report;
        }
    };
    let mut runner = match Runner::new(text, path, config) {
        Ok(r) => r,
        Err(e) => {
            report.fail(format!("{path}: cannot set up the spectest module: {e}"));
            return report;
        }
    };
    install_panic_hook();
    for directive in directives {
        runner.run(directive);
    }
    IN_SCRIPT.with(|f| f.set(false));
    runner.report
}

/// Everything one script has created so far.
struct Runner<'t> {
    text: &'t str,
    path: &'t str,
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// The most recently instantiated module: the target of unnamed
    /// `invoke`, `get` and `register`.
    current: Option<Instance>,
    /// Instances by their `$name`.
    named: HashMap<String, Instance>,
    /// `module definition`s by `$name`, and the latest one.
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    report: Report,
}

/// What a directive produced when it fails: the reason.
type Outcome = Result<(), String>;

impl<'t> Runner<'t> {
    fn new(text: &'t str, path: &'t str, config: &Config) -> Result<Self, Error> {
        let engine = Engine::new(config);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::<()>::new(&engine);
        spectest::define(&mut linker, &mut store)?;
        Ok(Runner {
            text,
            path,
            engine,
            store,
            linker,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            report: Report::default(),
        })
    }

    fn location(&self, span: Span) -> String {
        let (line, col) = span.linecol_in(self.text);
        format!("{}:{}:{}", self.path, line + 1, col + 1)
    }

    /// Runs one directive and books its outcome; a panic inside weft fails
    /// the directive, not the script.
    fn run(&mut self, directive: WastDirective<'_>) {
        let span = directive.span();
        let kind = directive_name(&directive);
        LAST_PANIC.with(|p| p.borrow_mut().take());
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.directive(directive)));
        let outcome = outcome.unwrap_or_else(|payload| {
            let detail = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| panic_text(&*payload));
            Err(format!("PANIC: {detail}"))
        });
        match outcome {
            Ok(()) => self.report.passed += 1,
            Err(reason) => {
                let at = self.location(span);
                let reason = one_line(&reason);
                self.report.fail(format!("{at}: {kind}: {reason}"));
            }
        }
    }

    fn directive(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                // Until this instantiation succeeds there is no current module.
                self.current = None;
                let module = self.compile(&mut module)?;
                let instance = self.instantiate(&module).map_err(|e| format!("{e}"))?;
                self.set_current(instance, name);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let module = self.compile(&mut module)?;
                if let Some(name) = name {
                    self.definitions.insert(name, module.clone());
                }
                self.last_definition = Some(module);
                Ok(())
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let module = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                }
                .ok_or("no such module definition")?;
                self.current = None;
                let inst = self.instantiate(&module).map_err(|e| format!("{e}"))?;
                self.set_current(inst, instance.map(|id| id.name().to_string()));
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map_err(|e| format!("register failed: {e}"))?;
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)?.map_err(|e| format!("unexpected error: {e}"))?;
                Ok(())
            }
            WastDirective::AssertReturn { exec, results, .. } => self.assert_return(exec, &results),
            WastDirective::AssertTrap { exec, message, .. } => self.assert_trap(exec, message),
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call)? {
                Ok(vals) => Err(format!(
                    "expected trap \"{message}\", returned {}",
                    value::fmt_vals(&self.store, &vals)
                )),
                Err(e) if trap_matches(message, &e) => Ok(()),
                Err(e) => Err(format!("expected trap \"{message}\", got: {e}")),
            },
            WastDirective::AssertInvalid { module, message, .. } => {
                self.assert_rejected(module, message, Rejection::Invalid)
            }
            WastDirective::AssertMalformed { module, message, .. } => {
                self.assert_rejected(module, message, Rejection::Malformed)
            }
            WastDirective::AssertUnlinkable { span, mut module, message } => {
                let module = self.compile_wat(&mut module)?;
                match self.instantiate(&module) {
                    Ok(_) => Err(format!("expected link error \"{message}\", instantiated")),
                    Err(e @ Error::Link { .. }) => {
                        self.book_message(span, "assert_unlinkable", message, &e);
                        Ok(())
                    }
                    Err(e) => Err(format!("expected link error \"{message}\", got: {e}")),
                }
            }
            WastDirective::AssertException { .. } => Err(unsupported("exception handling")),
            WastDirective::AssertSuspension { .. } => Err(unsupported("stack switching")),
            WastDirective::Thread(_) | WastDirective::Wait { .. } => Err(unsupported("threads")),
            WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
                Err(unsupported("custom annotations"))
            }
        }
    }

    fn set_current(&mut self, instance: Instance, name: Option<String>) {
        if let Some(name) = name {
            self.named.insert(name, instance);
        }
        self.current = Some(instance);
    }

    /// The instance a directive names, or the current one.
    fn instance(&self, id: Option<Id<'_>>) -> Result<Instance, String> {
        match id {
            Some(id) => {
                self.named.get(id.name()).copied().ok_or_else(|| format!("no module named ${}", id.name()))
            }
            None => self.current.ok_or_else(|| "no current module".to_string()),
        }
    }

    fn compile(&mut self, module: &mut QuoteWat<'_>) -> Result<Module, String> {
        if is_component(module) {
            return Err(unsupported("the component model"));
        }
        let bytes = module.encode().map_err(|e| format!("text does not encode: {}", e.message()))?;
        Module::new(&self.engine, &bytes).map_err(|e| format!("module does not compile: {e}"))
    }

    fn compile_wat(&mut self, module: &mut Wat<'_>) -> Result<Module, String> {
        if matches!(module, Wat::Component(_)) {
            return Err(unsupported("the component model"));
        }
        let bytes = module.encode().map_err(|e| format!("text does not encode: {}", e.message()))?;
        Module::new(&self.engine, &bytes).map_err(|e| format!("module does not compile: {e}"))
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, Error> {
        self.linker.instantiate(&mut self.store, module)
    }

    /// Calls an export; the outer error means the call could not be made
    /// at all (no such instance or export, bad arguments).
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Result<Vec<Val>, Error>, String> {
        let instance = self.instance(invoke.module)?;
        let func = match instance.get_export(&self.store, invoke.name) {
            Some(Extern::Func(f)) => f,
            Some(_) => return Err(format!("export \"{}\" is not a function", invoke.name)),
            None => return Err(format!("no export \"{}\"", invoke.name)),
        };
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            args.push(value::arg_to_val(&mut self.store, arg)?);
        }
        let n_results = func.ty(&self.store).results().len();
        let mut results: Vec<Val> = (0..n_results).map(|_| Val::I32(0)).collect();
        Ok(func.call(&mut self.store, &args, &mut results).map(|()| results))
    }

    /// Runs what an `assert_return`/`assert_trap` executes.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Result<Vec<Val>, Error>, String> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                match instance.get_export(&self.store, global) {
                    Some(Extern::Global(g)) => Ok(Ok(vec![g.get(&self.store)])),
                    Some(_) => Err(format!("export \"{global}\" is not a global")),
                    None => Err(format!("no export \"{global}\"")),
                }
            }
            WastExecute::Wat(mut wat) => {
                let module = self.compile_wat(&mut wat)?;
                Ok(self.instantiate(&module).map(|_| Vec::new()))
            }
        }
    }

    fn assert_return(&mut self, exec: WastExecute<'_>, expected: &[WastRet<'_>]) -> Outcome {
        let what = exec_name(&exec);
        let actual = self.execute(exec)?.map_err(|e| format!("{what}: unexpected error: {e}"))?;
        let ok = actual.len() == expected.len()
            && expected.iter().zip(&actual).all(|(e, a)| value::ret_matches(&self.store, e, a));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{what}: expected {}, got {}",
                value::fmt_rets(expected),
                value::fmt_vals(&self.store, &actual)
            ))
        }
    }

    fn assert_trap(&mut self, exec: WastExecute<'_>, message: &str) -> Outcome {
        let what = exec_name(&exec);
        match self.execute(exec)? {
            Ok(vals) => Err(format!(
                "{what}: expected trap \"{message}\", returned {}",
                value::fmt_vals(&self.store, &vals)
            )),
            Err(e) if trap_matches(message, &e) => Ok(()),
            Err(e) => Err(format!("{what}: expected trap \"{message}\", got: {e}")),
        }
    }

    /// `assert_invalid` / `assert_malformed`: the module must be rejected
    /// before instantiation. Text that the `wast` crate itself cannot encode
    /// is rejected too (the spec's malformed text modules are mostly that).
    fn assert_rejected(&mut self, mut module: QuoteWat<'_>, message: &str, want: Rejection) -> Outcome {
        if is_component(&module) {
            return Err(unsupported("the component model"));
        }
        let bytes = match module.encode() {
            Ok(bytes) => bytes,
            Err(e) => {
                if want == Rejection::Invalid {
                    let at = self.location(module.span());
                    self.report.message_mismatches.push(format!(
                        "{at}: assert_invalid: expected \"{message}\", the text encoder rejected it: {}",
                        e.message()
                    ));
                }
                return Ok(());
            }
        };
        match Module::new(&self.engine, &bytes) {
            Ok(_) => Err(format!("expected {} module (\"{message}\"), but it compiled", want.word())),
            Err(e @ (Error::Malformed { .. } | Error::Invalid { .. })) => {
                let kind_ok = matches!(
                    (&e, want),
                    (Error::Malformed { .. }, Rejection::Malformed)
                        | (Error::Invalid { .. }, Rejection::Invalid)
                );
                let directive = want.directive();
                if kind_ok {
                    self.book_message(module.span(), directive, message, &e);
                } else {
                    let at = self.location(module.span());
                    self.report.message_mismatches.push(format!(
                        "{at}: {directive}: expected a {} module (\"{message}\"), got {e}",
                        want.word()
                    ));
                }
                Ok(())
            }
            Err(e) => Err(format!("expected {} module (\"{message}\"), got: {e}", want.word())),
        }
    }

    /// Counts a rejection whose message did or did not start with the
    /// spec's expected text.
    fn book_message(&mut self, span: Span, directive: &str, expected: &str, err: &Error) {
        let actual = err.message();
        if actual.starts_with(expected) {
            self.report.messages_matched += 1;
        } else {
            let at = self.location(span);
            self.report
                .message_mismatches
                .push(format!("{at}: {directive}: expected \"{expected}\", got \"{actual}\""));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rejection {
    Invalid,
    Malformed,
}

impl Rejection {
    fn directive(self) -> &'static str {
        match self {
            Rejection::Invalid => "assert_invalid",
            Rejection::Malformed => "assert_malformed",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Rejection::Invalid => "invalid",
            Rejection::Malformed => "malformed",
        }
    }
}

fn unsupported(what: &str) -> String {
    format!("unsupported directive: weft does not implement {what}")
}

/// A failure reason on one line: a trap's backtrace (which can be
/// thousands of frames deep) shrinks to its innermost frame.
fn one_line(reason: &str) -> String {
    let Some((head, trace)) = reason.split_once("\nwasm backtrace:") else {
        return reason.replace('\n', " ");
    };
    let mut frames = trace.lines().filter(|l| !l.trim().is_empty());
    let n = frames.clone().count();
    match frames.next() {
        Some(innermost) => {
            // Frames print as "   0: name"; keep the name.
            let name = innermost.split_once(": ").map_or(innermost, |(_, n)| n).trim();
            format!("{} (in {name}, {n} frames deep)", head.replace('\n', " "))
        }
        None => head.replace('\n', " "),
    }
}

fn is_component(module: &QuoteWat<'_>) -> bool {
    matches!(module, QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))
}

/// Whether `err` is the trap the script expects. The spec's wording is a
/// prefix of ours or the other way round ("uninitialized element 7"); the
/// spec's "undefined element" (a `call_indirect` index past the table's end)
/// is our table bounds trap.
fn trap_matches(expected: &str, err: &Error) -> bool {
    let Some(trap) = err.as_trap() else {
        return false;
    };
    let actual = trap.code.to_string();
    if actual.starts_with(expected) || expected.starts_with(actual.as_str()) {
        return true;
    }
    expected == "undefined element" && trap.code == TrapCode::TableOutOfBounds
}

fn directive_name(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

fn exec_name(exec: &WastExecute<'_>) -> String {
    match exec {
        WastExecute::Invoke(i) => match i.module {
            Some(m) => format!("(invoke ${} \"{}\")", m.name(), i.name),
            None => format!("(invoke \"{}\")", i.name),
        },
        WastExecute::Get { module: Some(m), global, .. } => {
            format!("(get ${} \"{global}\")", m.name())
        }
        WastExecute::Get { module: None, global, .. } => format!("(get \"{global}\")"),
        WastExecute::Wat(Wat::Module(WatModule { id: Some(id), .. })) => {
            format!("(module ${})", id.name())
        }
        WastExecute::Wat(_) => "(module)".into(),
    }
}

thread_local! {
    /// Set on script threads: panics there are recorded, not printed.
    static IN_SCRIPT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The last recorded panic's message and location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Chains a panic hook that, on script threads, records the message and
/// location for the failure report instead of printing a backtrace for
/// each failing directive; other threads keep the previous hook.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_SCRIPT.with(|f| f.get()) {
                let at = info.location().map(|l| format!(" at {l}")).unwrap_or_default();
                let msg = panic_text(info.payload());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
    IN_SCRIPT.with(|f| f.set(true));
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}
