//! Running one scenario to the end and summarising it: what `yumalab run` and each run of a
//! sweep do. No I/O; the caller prints or writes.

use std::cell::RefCell;
use std::rc::Rc;

use crate::chain::block::EpochRecord;
use crate::chain::state::Chain;
use crate::engine::{Observer, Simulation};
use crate::report::summary::{EmissionTally, GroupSummary, summarize};
use crate::scenario::Scenario;

/// What a finished run produced.
pub struct Outcome {
    /// Per-group results, in population order.
    pub groups: Vec<GroupSummary>,
    /// Epochs that ran (all subnets).
    pub epochs: u64,
    /// The final state.
    pub simulation: Simulation,
    /// Who each agent is.
    pub members: Vec<crate::population::Member>,
}

struct Shared(Rc<RefCell<EmissionTally>>);

impl Observer for Shared {
    fn on_epoch(&mut self, chain: &Chain, record: &EpochRecord) {
        self.0.borrow_mut().on_epoch(chain, record);
    }
}

/// Builds `scenario` with `seed`, runs it to the end, checks conservation and summarises.
///
/// # Errors
/// A message if the scenario does not build or conservation is broken (both are bugs once
/// the scenario has validated).
pub fn simulate(scenario: &Scenario, seed: u64) -> Result<Outcome, String> {
    simulate_with(scenario, seed, |_| Ok(Vec::new()))
}

/// [`simulate`] with extra observers (table writers, progress), made once the agents are
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
    let tally = Rc::new(RefCell::new(EmissionTally::default()));
    builder.observer(Box::new(Shared(tally.clone())));
    let mut sim = builder.build().map_err(|e| e.to_string())?;
    sim.run();
    sim.chain()
        .check_conservation()
        .map_err(|e| e.to_string())?;
    let tally = tally.borrow();
    Ok(Outcome {
        groups: summarize(&sim, &members, &tally),
        epochs: tally.epochs,
        simulation: sim,
        members,
    })
}

/// [`simulate`] with the run's [`crate::report::analysis`] computed live (no tables): every
/// metric of the run's summary. What each run of a sweep does.
///
/// # Errors
/// As [`simulate`].
pub fn simulate_analysed(
    scenario: &Scenario,
    seed: u64,
) -> Result<(Outcome, crate::report::analysis::Results), String> {
    use crate::report::analysis::Analysis;
    use crate::report::tables::{AnalysisObserver, Rows, finish_analysis};
    let analysis = Rc::new(RefCell::new(Analysis::new()));
    let shared = analysis.clone();
    let outcome = simulate_with(scenario, seed, move |members| {
        Ok(vec![Box::new(AnalysisObserver::new(
            Rows::for_scenario(members, scenario),
            shared,
        )) as Box<dyn Observer>])
    })?;
    let results = finish_analysis(analysis.take(), &outcome.simulation, &outcome.members);
    Ok((outcome, results))
}
