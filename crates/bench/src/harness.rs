//! [`Harness`]: the registered benchmarks, the command line, and the run from start to `ok`.

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::bench::B;
use crate::error::Error;
use crate::flags::{Options, default_procs};
use crate::format::{benchmark_name, header};
use crate::launch::{BenchFn, run_n};
use crate::matcher::Matcher;
use crate::profile::{CpuProfile, MemProfile};
use crate::{alloc, environment, perf};

/// A monotonic clock in nanoseconds: the seam tests use to run benchmarks on fake time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since an arbitrary fixed start; never decreasing.
    fn now_ns(&self) -> u64;
}

/// The real clock: [`Instant`], counted from the clock's creation.
#[derive(Debug)]
pub struct MonotonicClock {
    base: Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock {
            base: Instant::now(),
        }
    }
}

impl Clock for MonotonicClock {
    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }
}

/// What every [`B`] of one run shares.
pub(crate) struct Ctx {
    pub(crate) opts: Options,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) out: RefCell<Box<dyn Write>>,
    pub(crate) err: RefCell<Box<dyn Write>>,
    pub(crate) matcher: RefCell<Matcher>,
    pub(crate) max_len: Cell<usize>,
    pub(crate) ext_len: usize,
    /// The `-cpu` value of the line being measured: `run_parallel`'s thread count.
    pub(crate) procs: Cell<usize>,
    pub(crate) counters: Vec<perf::Counter>,
    pub(crate) failed: Cell<bool>,
    /// No `-bench` given: run every benchmark once, report nothing.
    pub(crate) smoke: bool,
    header: String,
    header_printed: Cell<bool>,
    /// Stdout was closed (`| head`): stop running, exit 0.
    pub(crate) broken_pipe: Cell<bool>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl Ctx {
    /// Writes to stdout and flushes, so a name shows while its benchmark runs.
    pub(crate) fn print(&self, s: &str) {
        let mut out = self.out.borrow_mut();
        if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                self.broken_pipe.set(true);
            }
        }
    }

    /// Go's `labelsOnce`: the configuration lines before the first result.
    pub(crate) fn print_header(&self) {
        if !self.header_printed.replace(true) {
            self.print(&self.header);
        }
    }
}

/// A registered benchmark.
struct Entry {
    name: String,
    f: Box<BenchFn<'static>>,
}

/// The benchmark program: registered benchmarks run as `go test -bench` runs them.
///
/// [`main!`](crate::main) builds one; build it by hand to name benchmarks freely or to drive it
/// in-process:
///
/// ```
/// let run = sextant_bench::Harness::new("example")
///     .bench("BenchmarkAdd", |b| b.iter(|| sextant_bench::black_box(1) + 1))
///     .run_captured(&["-bench=.", "-benchtime=10x"]);
/// assert_eq!(run.code, 0);
/// assert!(run.stdout.contains("BenchmarkAdd"));
/// ```
pub struct Harness {
    pkg: String,
    benches: Vec<Entry>,
    clock: Arc<dyn Clock>,
    debug_build: bool,
    environment_checks: bool,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.benches.iter().map(|e| e.name.as_str()).collect();
        f.debug_struct("Harness")
            .field("pkg", &self.pkg)
            .field("benches", &names)
            .finish()
    }
}

impl Harness {
    /// A harness for the package `pkg` (the `pkg:` line), with no benchmarks yet.
    pub fn new(pkg: &str) -> Harness {
        Harness {
            pkg: pkg.to_string(),
            benches: Vec::new(),
            clock: Arc::new(MonotonicClock::default()),
            debug_build: false,
            environment_checks: false,
        }
    }

    /// Registers a benchmark; `name` should start with `Benchmark`, as Go's do and benchstat
    /// expects.
    pub fn bench(mut self, name: &str, f: impl FnMut(&mut B) + 'static) -> Harness {
        self.benches.push(Entry {
            name: name.to_string(),
            f: Box::new(f),
        });
        self
    }

    /// Replaces the clock (tests use a fake one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Harness {
        self.clock = clock;
        self
    }

    /// Says whether the benchmark binary was built without optimizations, for the warning;
    /// [`main!`](crate::main) passes `cfg!(debug_assertions)` of the user's crate.
    pub fn debug_build(mut self, debug: bool) -> Harness {
        self.debug_build = debug;
        self
    }

    /// Turns on the checks of the machine (load, frequency governor) before measuring;
    /// [`main!`](crate::main) turns them on.
    pub fn environment_checks(mut self, on: bool) -> Harness {
        self.environment_checks = on;
        self
    }

    /// Runs with the process's arguments, printing to stdout and stderr, and exits with the
    /// status: 0 when every benchmark passed, 1 when one failed, 2 for a usage error.
    pub fn main(mut self) -> ! {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let code = self.run(&args, Box::new(io::stdout()), Box::new(io::stderr()));
        std::process::exit(code)
    }

    /// Runs with `args` and returns the exit status and what went to stdout and stderr.
    pub fn run_captured<S: AsRef<str>>(&mut self, args: &[S]) -> Captured {
        let (out, err) = (SharedBuf::default(), SharedBuf::default());
        let code = self.run(args, Box::new(out.clone()), Box::new(err.clone()));
        Captured {
            code,
            stdout: out.text(),
            stderr: err.text(),
        }
    }

    /// Runs with `args` (without the program name), writing results to `out` and warnings
    /// and errors to `err`; returns the exit status (0 passed, 1 a benchmark failed, 2 usage).
    pub fn run<S: AsRef<str>>(
        &mut self,
        args: &[S],
        out: Box<dyn Write>,
        mut err: Box<dyn Write>,
    ) -> i32 {
        let opts = match Options::parse(args) {
            Ok(o) => o,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                if let Some(hint) = hint(&e) {
                    let _ = writeln!(err, "hint: {hint}");
                }
                return 2;
            }
        };
        let started = Instant::now();
        let smoke = opts.bench.is_none();
        let matcher = match Matcher::new(opts.bench.as_deref()) {
            Ok(m) => m,
            Err(e) => {
                let _ = writeln!(err, "error: invalid value for flag -bench: {e}");
                return 2;
            }
        };
        let mut notes = if smoke {
            Vec::new()
        } else {
            self.machine_warnings(&opts)
        };
        let counters = open_counters(&opts, &mut notes);
        for n in &notes {
            let _ = writeln!(err, "{n}");
        }
        let maxprocs = opts.cpu.iter().copied().max().unwrap_or(1);
        let procs = opts.cpu.first().copied().unwrap_or_else(default_procs);
        // Go's `before`: the sampling rate first, then the CPU profile, so that both cover
        // every benchmark run.
        let mem_profile = match MemProfile::start(&opts) {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                if let Some(hint) = hint(&e) {
                    let _ = writeln!(err, "hint: {hint}");
                }
                return 2;
            }
        };
        let profile = match CpuProfile::start(&opts) {
            Ok(p) => p,
            Err(e) => {
                mem_profile.abandon();
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        };
        let watchdog = Watchdog::start(opts.timeout);
        let ctx = Rc::new(Ctx {
            opts,
            clock: self.clock.clone(),
            out: RefCell::new(out),
            err: RefCell::new(err),
            matcher: RefCell::new(matcher),
            max_len: Cell::new(0),
            ext_len: benchmark_name("", maxprocs).len(),
            procs: Cell::new(procs),
            counters,
            failed: Cell::new(false),
            smoke,
            header: header(&self.pkg),
            header_printed: Cell::new(false),
            broken_pipe: Cell::new(false),
        });
        self.run_all(&ctx);
        drop(watchdog);
        // Go's `after`: stop and write the profiles, whatever the benchmarks did.
        let cpu_written = profile.map_or(Ok(()), CpuProfile::stop);
        let mem_written = mem_profile.finish();
        let mut profile_failed = false;
        for e in [cpu_written, mem_written]
            .into_iter()
            .filter_map(Result::err)
        {
            let _ = writeln!(ctx.err.borrow_mut(), "error: {e}");
            profile_failed = true;
        }
        if profile_failed {
            return 2;
        }
        let secs = started.elapsed().as_secs_f64();
        let pkg = &self.pkg;
        if ctx.broken_pipe.get() {
            return 0;
        }
        if ctx.failed.get() {
            ctx.print(&format!("FAIL\nFAIL\t{pkg}\t{secs:.3}s\n"));
            return 1;
        }
        ctx.print(&format!("PASS\nok  \t{pkg}\t{secs:.3}s\n"));
        0
    }

    /// Go's `runBenchmarks`: sizes the name column, then runs the matching benchmarks as
    /// sub-benchmarks of a root that is never measured.
    fn run_all(&mut self, ctx: &Rc<Ctx>) {
        let maxprocs = ctx.opts.cpu.iter().copied().max().unwrap_or(1);
        for e in &self.benches {
            if ctx.matcher.borrow_mut().full_name("", 0, &e.name).1 {
                let len = benchmark_name(&e.name, maxprocs).len() + ctx.ext_len + 1;
                ctx.max_len.set(ctx.max_len.get().max(len));
            }
        }
        let mut root = B::new(ctx.clone(), String::new(), 0);
        let benches = &mut self.benches;
        let mut all = |b: &mut B| {
            for e in benches.iter_mut() {
                b.run(&e.name, &mut e.f);
            }
        };
        run_n(&mut root, &mut all, 1);
    }

    fn machine_warnings(&self, opts: &Options) -> Vec<String> {
        let mut notes = Vec::new();
        if self.debug_build {
            notes.push(environment::DEBUG_BUILD.to_string());
        }
        if opts.bench_mem && !alloc::installed() {
            notes.push(environment::NO_COUNTING_ALLOC.to_string());
        }
        if self.environment_checks {
            notes.extend(environment::check_machine());
        }
        notes
    }
}

fn hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::SamplerNotInstalled => Some(
            "sextant_bench::main! installs it unless told `custom_allocator;`; a program with \
             its own global allocator wraps it as \
             `CountingAlloc::new(sextant::heap::Sampler::new(MyAlloc))` (cargo feature \
             `memprofile` of sextant-bench on, and sextant a dependency); or drop the flag",
        ),
        Error::FeatureDisabled { .. } => Some(
            "turn the feature on (it is on by default) in the sextant-bench dependency, or drop \
             the flag",
        ),
        Error::UnknownFlag(_) => Some(
            "flags: -bench -benchtime -count -benchmem -cpu -run -timeout -rounds -metrics -v \
             -cpuprofile -memprofile -memprofilerate -outputdir",
        ),
        _ => None,
    }
}

/// Opens the `-metrics` counters; each one the machine cannot count becomes a note instead.
fn open_counters(opts: &Options, notes: &mut Vec<String>) -> Vec<perf::Counter> {
    let mut counters = Vec::new();
    for &event in &opts.metrics {
        match perf::Counter::open(event) {
            Ok(c) => counters.push(c),
            Err(why) => notes.push(format!(
                "warning: -metrics={why}; {} is left out of the results",
                event.unit()
            )),
        }
    }
    counters
}

/// Ends the process when `-timeout` passes, as `go test` does (exit 2).
struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
}

impl Watchdog {
    fn start(timeout: Duration) -> Watchdog {
        if timeout.is_zero() {
            return Watchdog { stop: None };
        }
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                eprintln!("panic: benchmarks timed out after {timeout:?}");
                std::process::exit(2);
            }
        });
        Watchdog { stop: Some(tx) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.take();
    }
}

/// What an in-process run printed, and its exit status.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The exit status [`Harness::run`] returned.
    pub code: i32,
    /// The results: Go's benchmark format.
    pub stdout: String,
    /// Warnings and errors.
    pub stderr: String,
}

/// A writer whose bytes stay readable after the harness is done with it.
#[derive(Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl SharedBuf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
