//! Study F: liquid alpha v1 (the 2024 liquid-alpha paper's per-miner bond rate, α on the old
//! bond) against a delayed weight copier, on a subnet with discovery events
//! (`scenarios/validation/discovery-events.yaml`), as `published-results.md`, Corrections
//! (2026-12), suggests for the claim study E cannot compare.
//!
//! **A research variant, not today's chain.** The papers ran their copier offline: they took a
//! sequence of real metagraphs (stakes and weights every 360 blocks), added one copier row that
//! copies the consensus of `c` tempos earlier while the honest weights are not delayed, and
//! computed dividends with their notebooks' `Yuma2` ([`super::liquid_alpha::paper_round`]).
//! This study does the same with yumalab's metagraphs: the scenario runs through the engine
//! (today's chain), a [`Recorder`] keeps the honest validators' stakes and weight rows every
//! epoch ([`Metagraph`]), and [`replay`] adds the copier and runs the papers' model with liquid
//! alpha off or v1. The engine's own copier in the scenario is not part of the replay.

use std::cell::RefCell;
use std::rc::Rc;

use yumalab_agents::{HotkeyId, derive_seed, stable_id};

use super::liquid_alpha::{
    ALPHA_HIGH, BondRate, FIGURE_ALPHA_LOW, FIXED_ALPHA_OLD, Instant, LiquidAlpha, paper_bonds,
    paper_consensus, paper_instant,
};
use super::{Check, Size, Status, Study, copying};
use crate::chain::block::EpochRecord;
use crate::chain::state::Chain;
use crate::engine::Observer;
use crate::report::charts::{Figure, LineChart, Series};
use crate::scenario::Scenario;

/// The scenario's file, relative to the repository.
pub const FILE: &str = "scenarios/validation/discovery-events.yaml";
/// The scenario (compiled in).
pub const TEXT: &str = include_str!("../../scenarios/validation/discovery-events.yaml");
/// The copier's delays swept, in epochs (the papers' conceal periods `c`; 0 copies the
/// current consensus).
pub const DELAYS: [usize; 7] = [0, 1, 2, 3, 5, 8, 12];
/// Epochs left out of `G` at the start of every replay: the bonds build from zero, and until
/// `c` epochs have passed the copier copies the first consensus.
pub const WARMUP_EPOCHS: usize = 12;
/// `G` against the copier's delay: `(delay, one G per replicate)` for each of [`DELAYS`].
pub type Curve = Vec<(usize, Vec<f64>)>;

/// The α grid of the July 2024 table: 0.1, 0.2, …, 0.9.
pub fn alpha_grid() -> Vec<f64> {
    (1..=9).map(|k| f64::from(k) / 10.0).collect()
}

/// A recorded metagraph: per epoch, the honest validators' stakes and weight rows over the
/// miners, and which miners were registered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metagraph {
    /// The subnet's epoch index of each row.
    pub epochs: Vec<u64>,
    /// Per epoch, per honest validator: its stake input to the epoch, rao.
    pub stakes: Vec<Vec<f64>>,
    /// Per epoch, per honest validator, per miner: the stored weight (u16 units).
    pub weights: Vec<Vec<Vec<f64>>>,
    /// Per epoch, per miner: registered at the epoch.
    pub registered: Vec<Vec<bool>>,
}

impl Metagraph {
    /// The epochs in which some honest validator has a weight on some miner; the replay starts
    /// at the first of them.
    pub fn first_weighted(&self) -> Option<usize> {
        self.weights
            .iter()
            .position(|rows| rows.iter().flatten().any(|w| *w > 0.0))
    }

    /// Epochs at which a miner registered (the discovery events): `(epoch row, miner)`.
    pub fn arrivals(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for t in 1..self.registered.len() {
            for (j, now) in self.registered[t].iter().enumerate() {
                if *now && !self.registered[t - 1].get(j).copied().unwrap_or(false) {
                    out.push((t, j));
                }
            }
        }
        out
    }
}

/// Records a [`Metagraph`] from the engine: `validators` and `miners` by hotkey, in order.
pub struct Recorder {
    validators: Vec<HotkeyId>,
    miners: Vec<HotkeyId>,
    out: Rc<RefCell<Metagraph>>,
}

impl Observer for Recorder {
    fn on_epoch(&mut self, chain: &Chain, record: &EpochRecord) {
        let Some(subnet) = chain.subnets.get(&record.netuid) else {
            return;
        };
        let miner_uids: Vec<Option<u16>> = self.miners.iter().map(|h| subnet.uid_of(*h)).collect();
        let mut stakes = Vec::with_capacity(self.validators.len());
        let mut rows = Vec::with_capacity(self.validators.len());
        for h in &self.validators {
            let uid = subnet.uid_of(*h);
            stakes.push(
                record
                    .neurons
                    .iter()
                    .find(|n| n.hotkey == *h)
                    .map_or(0.0, |n| n.stake),
            );
            let stored = uid.and_then(|u| subnet.weights.get(usize::from(u)));
            rows.push(
                miner_uids
                    .iter()
                    .map(|mu| match (mu, stored) {
                        (Some(m), Some(row)) => row
                            .iter()
                            .find(|(col, _)| col == m)
                            .map_or(0.0, |(_, w)| f64::from(*w)),
                        _ => 0.0,
                    })
                    .collect(),
            );
        }
        let mut m = self.out.borrow_mut();
        m.epochs.push(record.epoch_index);
        m.stakes.push(stakes);
        m.weights.push(rows);
        m.registered
            .push(miner_uids.iter().map(Option::is_some).collect());
    }
}

/// Runs `scenario` with `seed` and records the metagraph of its `honest` validators and its
/// miners (every member whose kind ends in `-miner`, in population order).
///
/// # Errors
/// The scenario does not run, or has no honest validators or no miners.
pub fn record(scenario: &Scenario, seed: u64) -> Result<Metagraph, String> {
    let out = Rc::new(RefCell::new(Metagraph::default()));
    let sink = out.clone();
    crate::run::simulate_with(scenario, seed, |members| {
        let validators: Vec<HotkeyId> = members
            .iter()
            .filter(|m| m.group == "honest")
            .map(|m| m.identity.hotkeys[0])
            .collect();
        let miners: Vec<HotkeyId> = members
            .iter()
            .filter(|m| m.kind.ends_with("-miner"))
            .flat_map(|m| m.identity.hotkeys.iter().copied())
            .collect();
        if validators.is_empty() || miners.is_empty() {
            return Err(format!(
                "{}: study F needs an `honest` group and miners",
                scenario.name
            ));
        }
        Ok(vec![Box::new(Recorder {
            validators,
            miners,
            out: sink,
        }) as Box<dyn Observer>])
    })?;
    Ok(out.take())
}

/// What a replay produced: per epoch (from the first weighted one), every validator's
/// dividends and stake, the copier last.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replay {
    /// Per round: dividends `D_i` (honest validators in order, then the copier).
    pub dividends: Vec<Vec<f64>>,
    /// Per round: stakes (the copier's is the median honest stake).
    pub stakes: Vec<Vec<f64>>,
}

impl Replay {
    /// The copier's index.
    pub fn copier(&self) -> usize {
        self.dividends
            .first()
            .map_or(0, |d| d.len().saturating_sub(1))
    }

    /// The copier's relative dividend rate `G` over the rounds from `warmup` on: its summed
    /// dividends per summed stake over the median honest validator's
    /// ([`crate::metrics::relative_dividend_rate`]). NaN when there is nothing to sum.
    pub fn g(&self, warmup: usize) -> f64 {
        let n = self.dividends.first().map_or(0, Vec::len);
        if n == 0 || self.dividends.len() <= warmup {
            return f64::NAN;
        }
        let (mut d, mut s) = (vec![0.0; n], vec![0.0; n]);
        for (dv, sv) in self.dividends.iter().zip(&self.stakes).skip(warmup) {
            for i in 0..n {
                d[i] += dv[i];
                s[i] += sv[i];
            }
        }
        crate::metrics::relative_dividend_rate(&d, &s, self.copier())
    }

    /// The copier's relative dividend rate in each round.
    pub fn g_per_round(&self) -> Vec<f64> {
        let who = self.copier();
        self.dividends
            .iter()
            .zip(&self.stakes)
            .map(|(d, s)| crate::metrics::relative_dividend_rate(d, s, who))
            .collect()
    }
}

/// The median of `xs` (the mean of the middle two for an even count); 0 for none.
fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A metagraph with the copier added at one delay, with everything that does not depend on
/// the bond rate computed ([`prepare`]); [`Prepared::run`] finishes it for a rate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prepared {
    /// Per round: consensus, incentive and `ΔB` of the honest rows and the copier's.
    pub rounds: Vec<Instant>,
    /// Per round: stakes (the copier's last).
    pub stakes: Vec<Vec<f64>>,
    /// Per round: which miners were registered.
    pub registered: Vec<Vec<bool>>,
}

/// Adds the copier to `mg` as the 2024 papers added theirs to their metagraphs: from the first
/// weighted epoch on, the honest rows and stakes as recorded; the copier holds the median
/// honest stake and submits the honest consensus (the papers' [`paper_consensus`] of the
/// recorded rows) of `delay` rounds earlier, the first round's while there is none.
pub fn prepare(mg: &Metagraph, delay: usize) -> Prepared {
    let Some(start) = mg.first_weighted() else {
        return Prepared::default();
    };
    let honest_consensus: Vec<Vec<f64>> = (start..mg.weights.len())
        .map(|t| paper_consensus(&mg.weights[t], &mg.stakes[t]).2)
        .collect();
    let mut out = Prepared::default();
    for (k, t) in (start..mg.weights.len()).enumerate() {
        let mut weights = mg.weights[t].clone();
        weights.push(honest_consensus[k.saturating_sub(delay)].clone());
        let mut stakes = mg.stakes[t].clone();
        stakes.push(median(&mg.stakes[t]));
        out.rounds.push(paper_instant(&weights, &stakes));
        out.stakes.push(stakes);
        out.registered.push(mg.registered[t].clone());
    }
    out
}

impl Prepared {
    /// Runs the bonds by `rate` (round 0 sets `B = ΔB`), with liquid alpha's quantiles over
    /// the registered miners only.
    pub fn run(&self, rate: &BondRate) -> Replay {
        let mut out = Replay::default();
        let mut bonds: Option<Vec<Vec<f64>>> = None;
        for ((instant, stakes), registered) in
            self.rounds.iter().zip(&self.stakes).zip(&self.registered)
        {
            let round = paper_bonds(instant, bonds.as_deref(), rate, Some(registered));
            out.dividends.push(round.dividends);
            out.stakes.push(stakes.clone());
            bonds = Some(round.bonds);
        }
        out
    }
}

/// Replays `mg` through the papers' model with a copier added at `delay` ([`prepare`]) and
/// bonds moving by `rate` ([`Prepared::run`]).
pub fn replay(mg: &Metagraph, delay: usize, rate: &BondRate) -> Replay {
    prepare(mg, delay).run(rate)
}

/// Liquid alpha off: α = 0.9 on the old bond (new-bond rate 0.1, the July table's base).
pub const OFF: BondRate = BondRate::Fixed(FIXED_ALPHA_OLD);

/// Liquid alpha v1 as the liquid-alpha paper's Figures 2–3 ran it (α_L = 0.1, α_H = 0.9).
pub fn v1() -> BondRate {
    BondRate::Liquid(LiquidAlpha::figures())
}

/// `G` at each delay of [`DELAYS`], one value per metagraph (replicate), for each of
/// `rates`: one curve per rate, in order.
pub fn g_curves(mgs: &[Metagraph], rates: &[BondRate]) -> Vec<Curve> {
    let mut curves: Vec<Curve> = rates
        .iter()
        .map(|_| DELAYS.iter().map(|&c| (c, Vec::new())).collect())
        .collect();
    for (k, &c) in DELAYS.iter().enumerate() {
        for mg in mgs {
            let prepared = prepare(mg, c);
            for (curve, rate) in curves.iter_mut().zip(rates) {
                curve[k].1.push(prepared.run(rate).g(WARMUP_EPOCHS));
            }
        }
    }
    curves
}

/// `G` at each delay of [`DELAYS`], one value per metagraph (replicate).
pub fn g_curve(mgs: &[Metagraph], rate: &BondRate) -> Curve {
    g_curves(mgs, std::slice::from_ref(rate))
        .pop()
        .unwrap_or_default()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn range(xs: &[f64]) -> (f64, f64) {
    xs.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        })
}

/// The smallest delay ≥ 1 whose mean `G` is below 1, with that `G`.
pub fn needed_delay(curve: &[(usize, Vec<f64>)]) -> Option<(usize, f64)> {
    curve
        .iter()
        .filter(|(c, _)| *c > 0)
        .map(|(c, g)| (*c, mean(g)))
        .find(|(_, g)| *g < 1.0)
}

/// The July 2024 table's method: liquid alpha v1 at every `(α_L, α_H)` of the grid with
/// `α_L ≤ α_H` (the off setting α_L = α_H = 0.9 included), and the pair whose needed delay is
/// shortest (ties: the lower mean `G` at that delay, then the grid order). Returns the pair
/// and its curve.
pub fn best_of_grid(mgs: &[Metagraph]) -> ((f64, f64), Curve) {
    let grid = alpha_grid();
    let pairs: Vec<(f64, f64)> = grid
        .iter()
        .flat_map(|&lo| {
            grid.iter()
                .filter(move |hi| **hi >= lo)
                .map(move |&hi| (lo, hi))
        })
        .collect();
    let rates: Vec<BondRate> = pairs
        .iter()
        .map(|&(lo, hi)| BondRate::Liquid(LiquidAlpha::v1(lo, hi)))
        .collect();
    // The best so far: its index in `pairs`, its curve and its key (needed delay, G there).
    let mut best: Option<(usize, Curve, (usize, f64))> = None;
    for (k, curve) in g_curves(mgs, &rates).into_iter().enumerate() {
        let key = needed_delay(&curve).unwrap_or((usize::MAX, f64::INFINITY));
        let better = best
            .as_ref()
            .is_none_or(|(_, _, b)| key.0 < b.0 || (key.0 == b.0 && key.1 < b.1));
        if better {
            best = Some((k, curve, key));
        }
    }
    best.map_or(
        ((FIXED_ALPHA_OLD, FIXED_ALPHA_OLD), Vec::new()),
        |(k, c, _)| (pairs[k], c),
    )
}

/// The override that removes the discovery events: newcomers never join.
pub const NO_ARRIVALS: (&str, &str) = ("population[newcomers].entry.rate", "0");

/// Records `replicates` metagraphs of the scenario `text` (`file` for messages) with
/// `overrides` (as `--set` takes them), `days` long, seeded as `yumalab sweep` seeds
/// replicates.
///
/// # Errors
/// The scenario does not read or a run fails.
pub fn metagraphs(
    text: &str,
    file: &str,
    overrides: &[(&str, &str)],
    replicates: u32,
    days: f64,
) -> Result<Vec<Metagraph>, String> {
    let mut sets: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    sets.push(("duration.days".into(), days.to_string()));
    let scenario = Scenario::parse(text, file, &sets).map_err(|e| e.to_string())?;
    (0..replicates)
        .map(|r| {
            let seed = derive_seed(scenario.seed, stable_id(&format!("replicate/{r}")));
            record(&scenario, seed)
        })
        .collect()
}

fn shown(m: Option<(usize, f64)>) -> String {
    m.map_or_else(
        || format!("none up to {}", DELAYS[DELAYS.len() - 1]),
        |(c, g)| format!("{c} (G = {g:.4})"),
    )
}

/// Fits the y axis of the last figure of `figures` (a line chart) to its data and reference
/// lines, with a 5 % margin: `G` lives near 1, and an axis from 0 would flatten it.
fn fit_y(figures: &mut [(String, Figure)]) {
    let Some((_, Figure::Line(chart))) = figures.last_mut() else {
        return;
    };
    let ys = chart
        .series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.1)
                .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
        })
        .chain(chart.hlines.iter().map(|h| h.1))
        .filter(|y| y.is_finite());
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    if lo < hi {
        let pad = 0.05 * (hi - lo);
        chart.y_range = Some((lo - pad, hi + pad));
    }
}

/// Mean `G` per delay, for tables.
fn cell(curve: &[(usize, Vec<f64>)], k: usize) -> String {
    curve.get(k).map_or_else(String::new, |(_, g)| {
        let (lo, hi) = range(g);
        if g.len() > 1 {
            format!("{:.4} ({lo:.4}..{hi:.4})", mean(g))
        } else {
            format!("{:.4}", mean(g))
        }
    })
}

/// Whether needed delay `a` is shorter than `b` ("none" is longest).
fn shorter(a: Option<(usize, f64)>, b: Option<(usize, f64)>) -> bool {
    match (a, b) {
        (Some((x, _)), Some((y, _))) => x < y,
        (Some(_), None) => true,
        _ => false,
    }
}

fn pass_if(ok: bool) -> Status {
    if ok { Status::Pass } else { Status::Fail }
}

/// The study (id `F`). `Quick`: one replicate of 4 days (80 epochs) per scenario; `Full`: 8
/// replicates of 8 days (160 epochs).
pub fn study(size: Size) -> Study {
    let (replicates, days) = match size {
        Size::Quick => (1, 4.0),
        Size::Full => (8, 8.0),
    };
    let mut study = Study {
        id: "F",
        title: "Liquid alpha v1 against a delayed copier on a subnet with discovery events (the \
                2024 papers' model; a research variant, not today's chain)"
            .into(),
        source: "Opentensor, \"Amplifying the Weight-copying Penalty in Bittensor\" (liquid \
                 alpha, 12 Jul 2024), its Table 1, run by the method of \"Weight Copying in \
                 Bittensor\" (29 May 2024), as `published-results.md`, Corrections (2026-12), \
                 restates them"
            .into(),
        setup: String::new(),
        checks: Vec::new(),
        figures: Vec::new(),
    };
    let recorded = metagraphs(TEXT, FILE, &[], replicates, days).and_then(|d| {
        let quiet = metagraphs(TEXT, FILE, &[NO_ARRIVALS], replicates, days)?;
        let plain = metagraphs(copying::TEXT, copying::FILE, &[], replicates, days)?;
        Ok((d, quiet, plain))
    });
    let (disc, quiet, plain) = match recorded {
        Ok(x) => x,
        Err(e) => {
            study.checks.push(Check {
                result: "recording the metagraphs".into(),
                published: String::new(),
                ours: e.clone(),
                tolerance: String::new(),
                status: Status::Fail,
            });
            study.setup = format!("The scenarios did not run: {e}");
            return study;
        }
    };
    let arrivals: Vec<usize> = disc.iter().map(|m| m.arrivals().len()).collect();
    let pair = |mgs: &[Metagraph]| {
        let mut c = g_curves(mgs, &[OFF, v1()]);
        let on = c.pop().unwrap_or_default();
        (c.pop().unwrap_or_default(), on)
    };
    let (off, on) = pair(&disc);
    let ((best_lo, best_hi), grid_curve) = best_of_grid(&disc);
    let (quiet_off, quiet_on) = pair(&quiet);
    let (plain_off, plain_on) = pair(&plain);

    let g0 = &off[0].1;
    let (lo0, hi0) = range(g0);
    study.checks.push(Check {
        result: "discovery-events: copier's G with no delay (c = 0), liquid alpha off".into(),
        published: "G > 1: copying the consensus beats honest validation (May 2024)".into(),
        ours: format!("{:.4} (replicates {lo0:.4}..{hi0:.4})", mean(g0)),
        tolerance: "every replicate > 1".into(),
        status: pass_if(lo0 > 1.0),
    });
    let (n_off, n_on, n_grid) = (
        needed_delay(&off),
        needed_delay(&on),
        needed_delay(&grid_curve),
    );
    let claim = "liquid alpha shortens the conceal period a copier needs for G < 1 (July 2024 \
                 table, e.g. SN 19: 15 → 7 tempos)";
    study.checks.push(Check {
        result: format!(
            "discovery-events: smallest delay with G < 1, liquid alpha v1 (α_L = \
             {FIGURE_ALPHA_LOW}, α_H = {ALPHA_HIGH}, as the paper's figures ran) against off"
        ),
        published: claim.into(),
        ours: format!("{} with v1; {} off", shown(n_on), shown(n_off)),
        tolerance: "shorter than off".into(),
        status: pass_if(shorter(n_on, n_off)),
    });
    study.checks.push(Check {
        result: "discovery-events: smallest delay with G < 1, liquid alpha v1 at the best (α_L, \
                 α_H) of the July table's grid (0.1 … 0.9, α_L ≤ α_H)"
            .into(),
        published: claim.into(),
        ours: format!(
            "{} at (α_L, α_H) = ({best_lo:.1}, {best_hi:.1}); {} off",
            shown(n_grid),
            shown(n_off)
        ),
        tolerance: "shorter than off (the grid contains off, so never longer)".into(),
        status: pass_if(shorter(n_grid, n_off)),
    });
    let (q_off, q_on) = (needed_delay(&quiet_off), needed_delay(&quiet_on));
    study.checks.push(Check {
        result: "the same subnet without discovery events (newcomers never join): smallest \
                 delay with G < 1, v1 against off"
            .into(),
        published: "v1 acts on a miner whose consensus rises (study C), so it should not \
                    shorten the delay without one (Corrections 2026-12)"
            .into(),
        ours: format!("{} with v1; {} off", shown(q_on), shown(q_off)),
        tolerance: "not shorter than off".into(),
        status: pass_if(!shorter(q_on, q_off)),
    });
    let (p_off, p_on) = (needed_delay(&plain_off), needed_delay(&plain_on));
    let raised: Vec<String> = plain_off
        .iter()
        .zip(&plain_on)
        .map(|((c, a), (_, b))| format!("c = {c}: {:.4} → {:.4}", mean(a), mean(b)))
        .collect();
    study.checks.push(Check {
        result: format!(
            "`{}` (study E's subnet, no discovery events): the copier's G with v1 (α_L = \
             {FIGURE_ALPHA_LOW}) against off, and the smallest delay with G < 1",
            copying::FILE
        ),
        published: "v1 raises the copier's G there (Corrections 2026-12)".into(),
        ours: format!(
            "{}; smallest delay {} with v1, {} off",
            raised.join("; "),
            shown(p_on),
            shown(p_off)
        ),
        tolerance: "G higher with v1 at the smallest delay with G < 1 off, so that delay no \
                    longer suffices"
            .into(),
        status: pass_if(p_off.is_some_and(|(c, g)| {
            plain_on
                .iter()
                .find(|(d, _)| *d == c)
                .is_some_and(|(_, v)| mean(v) > g && mean(v) >= 1.0)
        })),
    });

    let series = |name: String, c: &[(usize, Vec<f64>)]| Series {
        name,
        points: c.iter().map(|(d, g)| (*d as f64, mean(g))).collect(),
        band: if replicates > 1 {
            c.iter()
                .map(|(d, g)| {
                    let (lo, hi) = range(g);
                    (*d as f64, lo, hi)
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    study.figures.push((
        "f-g-vs-delay".into(),
        Figure::Line(LineChart {
            title: "Copier's G against its delay: the papers' model on yumalab metagraphs".into(),
            x_label: "copier's delay c (epochs of 360 blocks)".into(),
            y_label: "G (copier's dividends per stake / median honest validator's)".into(),
            series: vec![
                series("discovery events, liquid alpha off".into(), &off),
                series(
                    format!("discovery events, v1 ({FIGURE_ALPHA_LOW}, {ALPHA_HIGH})"),
                    &on,
                ),
                series(
                    format!(
                        "discovery events, v1 best of grid ({best_lo:.1}, {best_hi:.1}){}",
                        if (best_lo, best_hi) == (FIGURE_ALPHA_LOW, ALPHA_HIGH) {
                            ": the line above"
                        } else {
                            ""
                        }
                    ),
                    &grid_curve,
                ),
                series("no newcomers, liquid alpha off".into(), &quiet_off),
                series(
                    format!("no newcomers, v1 ({FIGURE_ALPHA_LOW}, {ALPHA_HIGH})"),
                    &quiet_on,
                ),
            ],
            y_range: None,
            markers: true,
            hlines: vec![("G = 1: copying pays".into(), 1.0)],
        }),
    ));
    fit_y(&mut study.figures);
    // One replicate's G per epoch, delay 3: the discovery events show as dips.
    if let Some(mg) = disc.first() {
        let per = |name: String, rate: &BondRate| Series {
            name,
            points: replay(mg, 3, rate)
                .g_per_round()
                .iter()
                .enumerate()
                .skip(WARMUP_EPOCHS)
                .filter(|(_, g)| g.is_finite())
                .map(|(t, g)| (t as f64, *g))
                .collect(),
            band: Vec::new(),
        };
        let start = mg.first_weighted().unwrap_or(0);
        let at: Vec<String> = mg
            .arrivals()
            .iter()
            .map(|(t, _)| t.saturating_sub(start).to_string())
            .collect();
        study.figures.push((
            "f-g-per-epoch".into(),
            Figure::Line(LineChart {
                title: "Discovery events: the copier's G in each epoch (delay 3, replicate 0)"
                    .into(),
                x_label: format!(
                    "epoch of the replay (newcomers registered before epochs {})",
                    at.join(", ")
                ),
                y_label: "G in the epoch".into(),
                series: vec![
                    per("liquid alpha off".into(), &OFF),
                    per(format!("v1 ({FIGURE_ALPHA_LOW}, {ALPHA_HIGH})"), &v1()),
                ],
                y_range: None,
                markers: false,
                hlines: vec![("G = 1".into(), 1.0)],
            }),
        ));
        fit_y(&mut study.figures);
    }

    let mut table = String::from(
        "| delay c | discovery events: off | v1 (0.1, 0.9) | v1 best of grid | no newcomers: \
         off | v1 (0.1, 0.9) | copying-vs-reveal: off | v1 (0.1, 0.9) |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for (k, c) in DELAYS.iter().enumerate() {
        table.push_str(&format!(
            "| {c} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&off, k),
            cell(&on, k),
            cell(&grid_curve, k),
            cell(&quiet_off, k),
            cell(&quiet_on, k),
            cell(&plain_off, k),
            cell(&plain_on, k),
        ));
    }
    study.setup = setup(replicates, days, &arrivals, &table);
    study
}

fn setup(replicates: u32, days: f64, arrivals: &[usize], table: &str) -> String {
    let arrived = arrivals
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "**Why.** Study E cannot compare with the liquid-alpha paper's claim that liquid alpha \
         shortens the commit-reveal interval a copier needs: that claim concerns liquid alpha \
         v1 (a per-miner rate from the consensus quantiles, α on the old bond) on specific \
         2024 subnets, in the papers' own model, not Yuma3's per-pair sigmoid on a synthetic \
         subnet. Study C shows where v1 acts: while a miner's consensus rises from the bottom, \
         the validators that weight it bond at the fast rate of a low-consensus miner; a \
         copier that arrives once it is on top bonds at the slow rate of a high-consensus one. \
         This study runs v1 where that happens, and where it does not.\n\n\
         **Scenarios.** `{FILE}` is built like study E's subnet (six honest validators with \
         evaluation noise 0.15, a consensus copier, all with equal stake, Yuma3 with β = 1): \
         twelve incumbents whose quality walks in [0.4, 0.8], and eight newcomers that \
         register at random times (each with probability 0.04 per tempo) and whose quality \
         jumps from 0.05 to above every incumbent's within two or three tempos (newcomers \
         that arrived, per replicate: {arrived}). The controls are the same subnet with \
         `{}={}` (newcomers never join) and study E's `{}`. Each runs through the engine \
         (today's chain) for {days} days × {replicates} replicate(s), seeded as `yumalab sweep` \
         seeds replicates.\n\n\
         **The papers' method.** As the May 2024 paper did with real metagraphs: the honest \
         validators' stakes and weight rows are recorded every epoch; one copier row is added \
         with the median honest stake, copying the honest consensus of c epochs earlier while \
         the honest weights are not delayed (c = 0 copies the current one); dividends come \
         from the notebooks' `Yuma2` (study C's model: no renormalisation, B = ΔB in the first \
         round). Liquid alpha off is α = 0.9 on the old bond (new-bond rate 0.1, the July \
         table's base rate); v1 takes its quantiles over the registered miners only. G is the \
         copier's dividends per stake over the median honest validator's, summed over the \
         epochs after the first {WARMUP_EPOCHS} (the papers used the last epoch only, which \
         here would depend on where the last discovery event fell). The best-of-grid row \
         repeats the July table's method: every (α_L, α_H) on 0.1 … 0.9 with α_L ≤ α_H, the \
         pair with the shortest needed delay chosen (ties: the lower G); the grid contains \
         off, so it is never worse. The engine's own copier is not part of the replay.\n\n\
         **Reading.** With discovery events v1 shortens the delay a copier needs for G < 1, \
         as the paper claims (the checks below); without them it does not, and on study E's \
         subnet it raises G at the delays that decide it, as the corrections found. Whether \
         liquid alpha v1 helps against copying therefore depends on the subnet: on how often \
         a miner rises from the bottom of the consensus to the top. None of this is today's \
         chain, whose liquid alpha is Yuma3's per-pair rate (study E).\n\n\
         Measured G (mean over replicates, min..max in brackets):\n\n{table}",
        NO_ARRIVALS.0,
        NO_ARRIVALS.1,
        copying::FILE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two honest validators (stakes 3 : 1) and two miners, the second registering at
    /// round 2; both validators weight what is registered equally.
    fn toy() -> Metagraph {
        let mut mg = Metagraph::default();
        for t in 0..6_u64 {
            let late = t >= 2;
            let row = vec![1.0, if late { 1.0 } else { 0.0 }];
            mg.epochs.push(t + 1);
            mg.stakes.push(vec![3.0, 1.0]);
            mg.weights.push(vec![row.clone(), row]);
            mg.registered.push(vec![true, late]);
        }
        mg
    }

    #[test]
    fn the_metagraph_knows_its_first_weighted_epoch_and_its_arrivals() {
        let mut mg = toy();
        assert_eq!(mg.first_weighted(), Some(0));
        assert_eq!(mg.arrivals(), vec![(2, 1)]);
        mg.weights[0] = vec![vec![0.0, 0.0]; 2];
        assert_eq!(mg.first_weighted(), Some(1));
        assert_eq!(Metagraph::default().first_weighted(), None);
    }

    #[test]
    fn the_copier_holds_the_median_stake_and_copies_the_consensus_of_c_rounds_earlier() {
        let mg = toy();
        let r = replay(&mg, 0, &OFF);
        assert_eq!(r.dividends.len(), 6);
        assert_eq!(r.copier(), 2);
        assert_eq!(r.stakes[0], vec![3.0, 1.0, 2.0]);
        // No delay and no noise: the copier submits the consensus itself, which every honest
        // row equals; everyone earns at the same rate.
        assert!((r.g(0) - 1.0).abs() < 1e-9, "{}", r.g(0));
        // A delay of 2: it misses the newcomer for rounds 2 and 3 and pays for it.
        let late = replay(&mg, 2, &OFF);
        let g = late.g_per_round();
        assert!(
            (g[1] - 1.0).abs() < 1e-9 && g[2] < 1.0 && g[3] < g[2],
            "{g:?}"
        );
        assert!(late.g(0) < 1.0);
        // The bond it finally forms grows at 10 % a round with liquid alpha off.
        assert!(g[5] > g[4] && g[5] < 1.0, "{g:?}");
    }

    #[test]
    fn empty_or_short_replays_give_nan_not_panics() {
        let r = replay(&Metagraph::default(), 3, &v1());
        assert!(r.dividends.is_empty());
        assert!(r.g(0).is_nan());
        assert!(replay(&toy(), 1, &v1()).g(10).is_nan());
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
    }

    #[test]
    fn needed_delay_ignores_zero_and_takes_the_first_mean_below_one() {
        let curve = vec![
            (0, vec![0.9, 0.9]),
            (1, vec![1.1, 1.0]),
            (2, vec![0.95, 1.04]),
            (3, vec![0.98, 0.99]),
        ];
        assert_eq!(needed_delay(&curve), Some((2, 0.995)));
        assert_eq!(needed_delay(&curve[..2]), None);
    }
}
