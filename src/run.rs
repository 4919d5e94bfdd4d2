//! Running one scenario to the end and summarising it: what `yumalab run` and each run of a
//! sweep do. No I/O; the caller prints or writes.

use std::cell::RefCell;
use std::rc::Rc;

use crate::engine::{Observer, Simulation};
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
    let (mut builder, members) = scenario.build(seed)?;
    for o in observers(&members)? {
        builder.observer(o);
    }
    let analysis = Rc::new(RefCell::new(analysis_for(scenario)));
    builder.observer(Box::new(AnalysisObserver::new(
        Rows::for_scenario(&members, scenario),
        analysis.clone(),
    )));
    let mut sim = builder.build().map_err(|e| e.to_string())?;
    sim.run();
    sim.chain()
        .check_conservation()
        .map_err(|e| e.to_string())?;
    let results = finish_analysis(analysis.take(), &sim, &members);
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
