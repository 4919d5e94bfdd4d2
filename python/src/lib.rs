//! `yumalab._native`: the Rust half of the Python package. The Python half (`yumalab/`)
//! turns scenarios given as paths, YAML or dicts into text, wraps tables as polars
//! DataFrames and raises the package's exceptions; this half parses, runs and sweeps with the
//! same code as the `yumalab` binary, and runs `kind: python` mechanisms
//! ([`mechanism::PyMechanism`]) and agents ([`agent::PyAgent`]).
//!
//! Tables cross over through the Arrow C stream interface (`__arrow_c_stream__`), with the
//! schemas of the Parquet files ([`yumalab::report::tables::RunTables::in_memory`]).
//! Simulations run with the interpreter released (`Python::detach`); a Python mechanism or
//! agent attaches to it for each call. A Rust panic becomes `yumalab.InternalError`.

mod agent;
mod arrow;
mod mechanism;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use yumalab::report::document::{Provenance, run_metadata, windows_table, write_run};
use yumalab::report::sweep::RunResult;
use yumalab::report::tables::{Rows, RunTables, TablesObserver, lock_tables as lock};
use yumalab::run::RunError;
use yumalab::scenario::{Problem as RsProblem, Problems, Scenario, set_path};
use yumalab::sweep::{expand, scenario_for_with, shard};
use yumalab::yaml::{Node, parse_scalar, parse_tree};

use crate::agent::resolve_agents;
use crate::arrow::ArrowTable;
use crate::mechanism::{Failures, resolve};

/// One problem of a scenario: where (file, 1-based line and column; line 0 when it is not in
/// the file, e.g. an override) and what (the field path and the message).
#[pyclass(frozen, get_all, module = "yumalab")]
#[derive(Clone)]
pub struct Problem {
    /// The file (as named, or `<string>` / `<dict>`).
    pub file: String,
    /// 1-based line, 0 when not in the file.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// The field path, e.g. `subnets[0].yuma.kappa`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

#[pymethods]
impl Problem {
    fn __str__(&self) -> String {
        self.to_rust().to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "Problem(file={:?}, line={}, column={}, path={:?}, message={:?})",
            self.file, self.line, self.column, self.path, self.message
        )
    }
}

impl Problem {
    fn from_rust(p: &RsProblem) -> Problem {
        Problem {
            file: p.file.clone(),
            line: p.line,
            column: p.column,
            path: p.path.clone(),
            message: p.message.clone(),
        }
    }

    fn to_rust(&self) -> RsProblem {
        RsProblem {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            path: self.path.clone(),
            message: self.message.clone(),
        }
    }
}

/// Raises `yumalab.errors.NAME(*args)`.
fn raise(py: Python<'_>, name: &str, args: String) -> PyErr {
    match py
        .import("yumalab.errors")
        .and_then(|m| m.getattr(name))
        .and_then(|cls| cls.call1((args,)))
    {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

fn scenario_error(py: Python<'_>, problems: &Problems) -> PyErr {
    let list: Vec<Problem> = problems.0.iter().map(Problem::from_rust).collect();
    match py
        .import("yumalab.errors")
        .and_then(|m| m.getattr("ScenarioError"))
        .and_then(|cls| cls.call1((problems.to_string(), list)))
    {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

fn read_file(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// Runs `f` with the interpreter released; a panic becomes `InternalError`.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(v) => Ok(v),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "a panic".into());
            Err(raise(
                py,
                "InternalError",
                format!("yumalab panicked (a bug; please report it with the scenario): {what}"),
            ))
        }
    }
}

fn parse(py: Python<'_>, text: &str, file: &str, set: &[(String, String)]) -> PyResult<Scenario> {
    Scenario::parse_with(text, file, set, &read_file).map_err(|e| scenario_error(py, &e))
}

/// Checks a scenario; every problem, in file order (empty when it is valid).
#[pyfunction]
#[pyo3(signature = (text, file, set))]
fn validate(text: &str, file: &str, set: Vec<(String, String)>) -> Vec<Problem> {
    match Scenario::parse_with(text, file, &set, &read_file) {
        Ok(_) => Vec::new(),
        Err(Problems(p)) => p.iter().map(Problem::from_rust).collect(),
    }
}

/// The scenario file's JSON Schema, as JSON text.
#[pyfunction]
fn schema() -> String {
    yumalab::scenario::schema::json_schema().to_string()
}

/// The Parquet tables' Arrow schemas: name -> empty table with that schema.
#[pyfunction]
fn table_schemas(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for (name, schema) in yumalab::report::tables::schemas() {
        d.set_item(name, ArrowTable::new(schema, Vec::new()))?;
    }
    Ok(d)
}

/// What a finished run hands back across the detach boundary.
struct Finished {
    summary: Vec<(String, f64)>,
    tables: Vec<(&'static str, ArrowTable)>,
    warnings: Vec<String>,
}

/// Runs one scenario; returns `{summary: [(name, value)], tables: {name: ArrowTable},
/// warnings: [str]}`. With `out`, writes the same files as `yumalab run -o OUT`.
#[pyfunction]
#[pyo3(signature = (text, file, set, out, resolver))]
fn run<'py>(
    py: Python<'py>,
    text: &str,
    file: &str,
    set: Vec<(String, String)>,
    out: Option<PathBuf>,
    resolver: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut scenario = parse(py, text, file, &set)?;
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Failures::default();
    resolve(py, &mut scenario, &resolver, &stop, &failures)?;
    resolve_agents(py, &mut scenario, &resolver, &stop, &failures)?;
    let metadata = run_metadata(&scenario, file, text, &set, scenario.seed);
    let result = detached(py, || {
        run_detached(&scenario, &metadata, out.as_deref(), &stop)
    })?;
    if let Some((error, message)) = failures.take() {
        return Err(raise(py, error, message));
    }
    let finished = result.map_err(|e| raise(py, "InternalError", e))?;
    let d = PyDict::new(py);
    d.set_item("summary", finished.summary)?;
    let tables = PyDict::new(py);
    for (name, t) in finished.tables {
        tables.set_item(name, t)?;
    }
    d.set_item("tables", tables)?;
    d.set_item("warnings", finished.warnings)?;
    Ok(d)
}

fn run_detached(
    scenario: &Scenario,
    metadata: &[(String, String)],
    out: Option<&std::path::Path>,
    stop: &AtomicBool,
) -> Result<Finished, String> {
    let memory = std::sync::Arc::new(std::sync::Mutex::new(None));
    let files = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (m, f) = (memory.clone(), files.clone());
    let outcome = yumalab::run::simulate_or_stop(scenario, scenario.seed, stop, |members| {
        *lock(&m) = Some(RunTables::in_memory(Rows::for_scenario(members, scenario)));
        let mut observers: Vec<Box<dyn yumalab::engine::Observer>> =
            vec![Box::new(TablesObserver(m))];
        if let Some(dir) = out {
            let t = RunTables::create(dir, Rows::for_scenario(members, scenario), metadata)
                .map_err(|e| e.to_string())?;
            *lock(&f) = Some(t);
            observers.push(Box::new(TablesObserver(f)));
        }
        Ok(observers)
    })
    .map_err(|e| match e {
        RunError::Stopped(s) => format!("the run stopped early: {s}"),
        RunError::Failed(e) => e,
    })?;
    let in_memory = lock(&memory)
        .take()
        .ok_or("the tables were never created")?;
    let mut tables: Vec<(&'static str, ArrowTable)> = in_memory
        .finish_in_memory(&outcome.simulation, &outcome.members)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(name, schema, batches)| (name, ArrowTable::new(schema, batches)))
        .collect();
    let windows = windows_table(&outcome.results.windows).map_err(|e| e.to_string())?;
    tables.push(("windows", ArrowTable::new(windows.schema(), vec![windows])));
    let mut warnings = Vec::new();
    if let Some(dir) = out {
        let written = lock(&files).take().ok_or("the tables were never created")?;
        written
            .finish(&outcome.simulation, &outcome.members)
            .map_err(|e| e.to_string())?;
        warnings = write_run(dir, &outcome.results, &Provenance::from_pairs(metadata))
            .map_err(|e| e.to_string())?;
    }
    Ok(Finished {
        summary: outcome.results.summary,
        tables,
        warnings,
    })
}

/// Runs a scenario's `sweep:`; returns the summary table (one row per run, as
/// `summary.parquet`). `progress(done, total)` is called as runs finish.
#[pyfunction]
#[pyo3(signature = (text, file, set, jobs, shard_of, resolver, progress))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    text: &str,
    file: &str,
    set: Vec<(String, String)>,
    jobs: Option<usize>,
    shard_of: Option<(usize, usize)>,
    resolver: Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<ArrowTable> {
    let mut tree: Node = parse_tree(text).map_err(|e| {
        let problem = RsProblem {
            file: file.into(),
            line: 0,
            column: 0,
            path: String::new(),
            message: e.to_string(),
        };
        scenario_error(py, &Problems(vec![problem]))
    })?;
    for (path, value) in &set {
        set_path(&mut tree, path, Node::detached(parse_scalar(value))).map_err(|e| {
            let problem = RsProblem {
                file: file.into(),
                line: 0,
                column: 0,
                path: path.clone(),
                message: e,
            };
            scenario_error(py, &Problems(vec![problem]))
        })?;
    }
    let base =
        Scenario::from_tree_with(&tree, file, &read_file).map_err(|e| scenario_error(py, &e))?;
    let Some(spec) = base.sweep.clone() else {
        let problem = RsProblem {
            file: file.into(),
            line: 0,
            column: 0,
            path: "sweep".into(),
            message: "the scenario has no `sweep:` section".into(),
        };
        return Err(scenario_error(py, &Problems(vec![problem])));
    };
    let runs = expand(base.seed, &spec);
    let mut problems = Vec::new();
    for r in runs.iter().filter(|r| r.replicate == 0) {
        if let Err(Problems(p)) = scenario_for_with(&tree, file, r, &read_file) {
            problems.extend(p);
        }
    }
    if !problems.is_empty() {
        problems.dedup();
        return Err(scenario_error(py, &Problems(problems)));
    }
    if let Some((i, n)) = shard_of
        && (n == 0 || i >= n)
    {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "shard: need 0 <= i < n, got {i}/{n}"
        )));
    }
    let runs = match shard_of {
        Some((i, n)) => shard(runs, i, n),
        None => runs,
    };
    // Every run gets its own resolved scenario (Python objects are made here, attached).
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Failures::default();
    let mut scenarios = Vec::with_capacity(runs.len());
    for r in &runs {
        let mut s =
            scenario_for_with(&tree, file, r, &read_file).map_err(|e| scenario_error(py, &e))?;
        resolve(py, &mut s, &resolver, &stop, &failures)?;
        resolve_agents(py, &mut s, &resolver, &stop, &failures)?;
        scenarios.push(s);
    }
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let total = runs.len();
    let done = AtomicUsize::new(0);
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let progress = progress.map(Bound::unbind);
    let results = detached(py, || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| e.to_string())?;
        let results: Vec<Option<RunResult>> = pool.install(|| {
            runs.par_iter()
                .zip(scenarios.par_iter())
                .map(|(spec, scenario)| {
                    if stop.load(Ordering::Relaxed) {
                        return None;
                    }
                    // This worker thread gets a Python thread state for the whole run (attach,
                    // then release the lock): each call of Python code in the run then only
                    // takes the lock, instead of creating and destroying a thread state.
                    let simulated = Python::attach(|py| {
                        py.detach(|| {
                            yumalab::run::simulate_or_stop(scenario, spec.seed, &stop, |_| {
                                Ok(Vec::new())
                            })
                            .map(|outcome| outcome.results.summary)
                        })
                    });
                    match simulated {
                        Ok(summary) => {
                            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                            if let Some(p) = &progress {
                                Python::attach(|py| {
                                    let _ = p.bind(py).call1((n, total));
                                });
                            }
                            Some(RunResult {
                                spec: spec.clone(),
                                metrics: summary,
                            })
                        }
                        Err(e) => {
                            if let RunError::Failed(e) = e {
                                let mut f = failed.lock().unwrap_or_else(|p| p.into_inner());
                                f.get_or_insert(format!("run {}: {e}", spec.index));
                            }
                            stop.store(true, Ordering::Relaxed);
                            None
                        }
                    }
                })
                .collect()
        });
        Ok::<_, String>(results)
    })?;
    if let Some((error, message)) = failures.take() {
        return Err(raise(py, error, message));
    }
    let results = results.map_err(|e| raise(py, "InternalError", e))?;
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(raise(py, "InternalError", e));
    }
    let results: Vec<RunResult> = results.into_iter().flatten().collect();
    let batch = yumalab::report::sweep::table(&results)
        .map_err(|e| raise(py, "InternalError", e.to_string()))?;
    Ok(ArrowTable::new(batch.schema(), vec![batch]))
}

/// Replays a replay file (`text`, named `file`) through Yuma and writes its tables into
/// `dir` (as `yumalab replay -o DIR`); returns the files written.
#[pyfunction]
fn replay(py: Python<'_>, text: &str, file: &str, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
    use yumalab::replay::{Format, Replay};
    let format = Format::from_path(std::path::Path::new(file));
    let replay = Replay::parse(text, file, format).map_err(|e| {
        let message = e.to_string();
        match py
            .import("yumalab.errors")
            .and_then(|m| m.getattr("ScenarioError"))
            .and_then(|cls| cls.call1((message, Vec::<Problem>::new())))
        {
            Ok(err) => PyErr::from_value(err),
            Err(err) => err,
        }
    })?;
    let written = detached(py, || {
        let result = replay
            .run()
            .map_err(|e| format!("{file}: replaying: {e}"))?;
        yumalab::report::replay::write_parquet(&result, &dir).map_err(|e| e.to_string())
    })?;
    written.map_err(|e| raise(py, "InternalError", e))
}

/// Steps a chain snapshot (`text`, named `file`) `blocks` blocks and writes
/// `coinbase.parquet` into `dir` (as `yumalab coinbase -o DIR`); returns the file.
#[pyfunction]
fn coinbase(
    py: Python<'_>,
    text: &str,
    file: &str,
    blocks: u64,
    dir: PathBuf,
) -> PyResult<PathBuf> {
    use yumalab::world::{self, Holder, Snapshot};
    let format = yumalab::replay::Format::from_path(std::path::Path::new(file));
    let snapshot = Snapshot::parse(text, file, format).map_err(|e| scenario_error(py, &e))?;
    let written = detached(py, || {
        let mut w = world::build(&snapshot, Holder::Validator)
            .map_err(|e| format!("{file}: building the chain: {e}"))?;
        let records = world::coinbase(&mut w, blocks).map_err(|e| format!("{file}: {e}"))?;
        yumalab::report::coinbase::write_parquet(&records, &dir).map_err(|e| e.to_string())
    })?;
    written.map_err(|e| raise(py, "InternalError", e))
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Problem>()?;
    m.add_class::<ArrowTable>()?;
    m.add_class::<mechanism::Observation>()?;
    m.add_class::<agent::View>()?;
    m.add_class::<agent::SubnetView>()?;
    m.add_class::<agent::NeuronView>()?;
    m.add_class::<agent::Action>()?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(table_schemas, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(replay, m)?)?;
    m.add_function(wrap_pyfunction!(coinbase, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
