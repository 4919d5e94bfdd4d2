//! Running one scenario to the end and summarising it: what `yumalab run` and each run of a
//! sweep do. No I/O; the caller prints or writes.

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use crate::engine::{Halt, Observer, Simulation, Stopped};
use crate::report::analysis::{Analysis, Results};
use crate::report::summary::{GroupSummary, summarize};
use crate::report::tables::{AnalysisObserver, Rows, finish_analysis};
use crate::scenario::Scenario;

/// What a finished run produced.
pub struct Outcome {
    /// Per-group results, in population order.
    pub groups: Vec<GroupSummary>,
    /// Epochs that ran (all subnets).
    pub epochs: u64,
    /// Every metric of the run ([`crate::report::analysis`]).
    pub results: Results,
    /// The final state.
    pub simulation: Simulation,
    /// Who each agent is.
    pub members: Vec<crate::population::Member>,
}

/// Builds `scenario` with `seed`, runs it to the end, checks conservation and analyses it.
///
/// # Errors
/// A message if the scenario does not build or conservation is broken (both are bugs once
/// the scenario has validated).
pub fn simulate(scenario: &Scenario, seed: u64) -> Result<Outcome, String> {
    simulate_with(scenario, seed, |_| Ok(Vec::new()))
}

/// [`simulate`] with extra observers (table writers, recorders), made once the agents are
/// known by `observers(members)`.
///
/// # Errors
/// As [`simulate`], or the error `observers` returns.
pub fn simulate_with(
    scenario: &Scenario,
    seed: u64,
    observers: impl FnOnce(&[crate::population::Member]) -> Result<Vec<Box<dyn Observer>>, String>,
) -> Result<Outcome, String> {
    simulate_or_stop(scenario, seed, &AtomicBool::new(false), observers).map_err(|e| e.to_string())
}

/// Why a run did not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// It failed: the scenario did not build, an observer could not be made, or
    /// conservation broke (once a scenario has validated, each of these is a bug or an
    /// environment problem the message names).
    Failed(String),
    /// The caller's stop flag was set (a signal, or another run of a sweep failing).
    Stopped(Stopped),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Failed(e) => f.write_str(e),
            RunError::Stopped(s) => write!(f, "interrupted: {s}"),
        }
    }
}

impl std::error::Error for RunError {}

/// [`simulate_with`] that stops early once `stop` is set (read before every block, see
/// [`Simulation::run_or_stop`]).
///
/// # Errors
/// [`RunError::Failed`] as [`simulate`]; [`RunError::Stopped`] if `stop` was set before the
/// end (observers are dropped with the simulation, so table writers can clean up).
pub fn simulate_or_stop(
    scenario: &Scenario,
    seed: u64,
    stop: &AtomicBool,
    observers: impl FnOnce(&[crate::population::Member]) -> Result<Vec<Box<dyn Observer>>, String>,
) -> Result<Outcome, RunError> {
    simulate_checked(scenario, seed, stop, false, observers)
}

/// [`simulate_or_stop`] that, with `every_block`, checks conservation and the supply after
/// every block (release builds too; [`Simulation::run_checked`]).
///
/// # Errors
/// As [`simulate_or_stop`]; a block that breaks the books is [`RunError::Failed`], naming it.
pub fn simulate_checked(
    scenario: &Scenario,
    seed: u64,
    stop: &AtomicBool,
    every_block: bool,
    observers: impl FnOnce(&[crate::population::Member]) -> Result<Vec<Box<dyn Observer>>, String>,
) -> Result<Outcome, RunError> {
    simulate_on(scenario, seed, stop, every_block, 1, |builder, members| {
        for o in observers(members)? {
            builder.observer(o);
        }
        Ok(())
    })
}

/// [`simulate_checked`] with the agents due in a block acting on `threads` threads
/// ([`Simulation::set_threads`]; 1: on the calling thread), and observers that may watch
/// epochs beside them ([`crate::engine::SimulationBuilder::shared_observer`]). The outcome
/// and every observer's records are the same for every thread count.
///
/// # Errors
/// As [`simulate_checked`], or if the threads cannot be started.
pub fn simulate_threaded(
    scenario: &Scenario,
    seed: u64,
    stop: &AtomicBool,
    every_block: bool,
    threads: usize,
    observers: impl FnOnce(
        &[crate::population::Member],
    ) -> Result<Vec<Box<dyn Observer + Send>>, String>,
) -> Result<Outcome, RunError> {
    simulate_on(
        scenario,
        seed,
        stop,
        every_block,
        threads,
        |builder, members| {
            for o in observers(members)? {
                builder.shared_observer(o);
            }
            Ok(())
        },
    )
}

/// Builds, runs and analyses `scenario`; `add` gives the builder the caller's observers.
fn simulate_on(
    scenario: &Scenario,
    seed: u64,
    stop: &AtomicBool,
    every_block: bool,
    threads: usize,
    add: impl FnOnce(
        &mut crate::engine::SimulationBuilder,
        &[crate::population::Member],
    ) -> Result<(), String>,
) -> Result<Outcome, RunError> {
    if let Some(why) = scenario.needs_python(&scenario.name) {
        return Err(RunError::Failed(why));
    }
    let (mut builder, members) = scenario.build(seed).map_err(RunError::Failed)?;
    add(&mut builder, &members).map_err(RunError::Failed)?;
    let units = crate::report::units::Units::of(scenario, seed);
    let analysis = Arc::new(Mutex::new(analysis_for(scenario).with_units(units)));
    builder.shared_observer(Box::new(AnalysisObserver::new(
        Rows::for_scenario(&members, scenario),
        analysis.clone(),
    )));
    let mut sim = builder
        .build()
        .map_err(|e| RunError::Failed(e.to_string()))?;
    sim.set_threads(threads).map_err(RunError::Failed)?;
    sim.run_checked(stop, every_block).map_err(|h| match h {
        Halt::Stopped(s) => RunError::Stopped(s),
        broken @ Halt::Broken(_) => RunError::Failed(broken.to_string()),
    })?;
    sim.chain()
        .check_conservation()
        .map_err(|e| RunError::Failed(e.to_string()))?;
    let analysis = std::mem::take(&mut *crate::team::lock(&analysis));
    let results = finish_analysis(analysis, &sim, &members);
    Ok(Outcome {
        groups: summarize(&sim, &members, &results),
        epochs: results.get("run.epochs").unwrap_or(0.0) as u64,
        results,
        simulation: sim,
        members,
    })
}

/// The analysis a run of `scenario` feeds: in a snapshot world, blocks count from its genesis
/// block and only the scenario's own subnets are analysed ([`Analysis::in_world`]).
pub fn analysis_for(scenario: &Scenario) -> Analysis {
    match &scenario.network {
        crate::scenario::Network::Isolated => Analysis::new(),
        crate::scenario::Network::Snapshot(_) => Analysis::in_world(
            scenario.network.genesis_block(),
            scenario.subnets.iter().map(|s| s.netuid.0),
        ),
    }
}
