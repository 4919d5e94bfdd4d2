//! (D) The whitepaper's cabal-decay toy: Yuma Rao et al., *BitTensor: A Peer-to-Peer
//! Intelligence Market* (arXiv:2003.03917, v2 2021), section "Collusion".
//!
//! **A research variant, not today's chain.** The 2020 design multiplied a peer's rank by a
//! *trust* term, a sigmoid of the share of stake connected to it, so that incentive is
//! super-linear in stake near one half. The modern chain has no such sigmoid (Yuma Consensus
//! clips weights at the κ-median instead); this module reproduces the paper's printed toy
//! only, as a check of the "inflation feeds stake" loop and of numeric determinism.
//!
//! The recipe, as the paper prints it in Python: two disjoint sub-graphs, honest `A` and
//! cabal `B`, with stakes `S_A = 0.51`, `S_B = 0.49`. Each step, with `T` the total stake,
//!
//! - trust `t_X = 1 / (1 + exp(−(S_X/T − 0.5)·10))` (temperature 10);
//! - rank `r_X = S_X` (each side only ranks itself), incentive `i_X = r_X·t_X`;
//! - inflation `τ = 0.1` of the total stake is minted in proportion to incentive:
//!   `S_X += τ·T·i_X / (i_A + i_B)`.
//!
//! The cabal's share `S_B/(S_A + S_B)` after each step is what the paper prints. The
//! operations below are in the paper's order, so the f64 results match its printed digits
//! exactly (given a correctly rounded `exp`, as glibc's is for these arguments).

use super::{Check, Size, Status, Study};
use crate::report::charts::{Figure, LineChart, Series};

/// Inflation per step, as a fraction of the total stake (`tau` in the paper).
pub const TAU: f64 = 0.1;
/// The trust sigmoid's temperature (`temp`).
pub const TEMPERATURE: f64 = 10.0;
/// The honest sub-graph's initial stake.
pub const STAKE_HONEST: f64 = 0.51;
/// The cabal's initial stake.
pub const STAKE_CABAL: f64 = 0.49;

/// The cabal's printed shares after steps 1 to 5 (the paper's blocks 0 to 4).
pub const PRINTED: [&str; 5] = [
    "0.4877323388820201",
    "0.4849535784321247",
    "0.4815511535094221",
    "0.477389901500398",
    "0.4723093486843246",
];

/// The trust sigmoid of the 2020 design: `1 / (1 + exp(−(share − 0.5)·temperature))`.
pub fn trust(share: f64) -> f64 {
    1.0 / (1.0 + (-(share - 0.5) * TEMPERATURE).exp())
}

/// The cabal's share of stake after each of `steps` steps (element `k` is after step `k + 1`).
pub fn cabal_shares(steps: usize) -> Vec<f64> {
    let (mut a, mut b) = (STAKE_HONEST, STAKE_CABAL);
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        let total = a + b;
        let (trust_a, trust_b) = (trust(a / total), trust(b / total));
        // Ranks are the stakes themselves: each sub-graph only weights its own members.
        let (incentive_a, incentive_b) = (a * trust_a, b * trust_b);
        let total_incentive = incentive_a + incentive_b;
        a += TAU * total * incentive_a / total_incentive;
        b += TAU * total * incentive_b / total_incentive;
        out.push(b / (a + b));
    }
    out
}

/// The first step (1-based) after which the share is below `level`, if any.
pub fn first_step_below(shares: &[f64], level: f64) -> Option<usize> {
    shares.iter().position(|s| *s < level).map(|k| k + 1)
}

/// Runs study D. It is a closed-form loop of 100 steps: `size` changes nothing.
pub fn study(size: Size) -> Study {
    let _ = size;
    const STEPS: usize = 100;
    let shares = cabal_shares(STEPS);
    let mut checks = Vec::new();
    for (k, printed) in PRINTED.iter().enumerate() {
        let ours = format!("{}", shares[k]);
        let status = if ours == *printed {
            Status::Pass
        } else {
            Status::Fail
        };
        checks.push(Check {
            result: format!("cabal share after step {}", k + 1),
            published: (*printed).to_owned(),
            ours,
            tolerance: "exact (every printed digit)".into(),
            status,
        });
    }
    for (level, published) in [(0.25, 19), (0.10, 29)] {
        let step = first_step_below(&shares, level);
        checks.push(Check {
            result: format!("first step with the cabal below {:.0} %", level * 100.0),
            published: published.to_string(),
            ours: step.map_or_else(|| format!("none in {STEPS}"), |s| s.to_string()),
            tolerance: "exact".into(),
            status: if step == Some(published) {
                Status::Pass
            } else {
                Status::Fail
            },
        });
    }
    let last = shares[STEPS - 1];
    let two_digits = format!("{last:.1e}");
    checks.push(Check {
        result: format!("cabal share after {STEPS} steps"),
        published: "1.2e-4".into(),
        ours: format!("{last:.4e}"),
        tolerance: "2 significant digits".into(),
        status: if two_digits == "1.2e-4" {
            Status::Pass
        } else {
            Status::Fail
        },
    });

    let mut cabal = vec![(0.0, STAKE_CABAL)];
    cabal.extend(shares.iter().enumerate().map(|(k, s)| ((k + 1) as f64, *s)));
    let honest = cabal.iter().map(|(x, s)| (*x, 1.0 - s)).collect();
    let chart = LineChart {
        title: "Whitepaper toy: a 49 % cabal under the 2020 trust sigmoid".into(),
        x_label: "step (τ = 0.1 inflation each)".into(),
        y_label: "share of stake".into(),
        series: vec![
            Series {
                name: "cabal B".into(),
                points: cabal,
                band: Vec::new(),
            },
            Series {
                name: "honest A".into(),
                points: honest,
                band: Vec::new(),
            },
        ],
        y_range: Some((0.0, 1.0)),
        markers: false,
        hlines: vec![("one half".into(), 0.5)],
    };

    Study {
        id: "D",
        title: "Whitepaper cabal decay (2020 trust sigmoid; not today's chain)".into(),
        source: "Yuma Rao et al., *BitTensor: A Peer-to-Peer Intelligence Market*, \
                 arXiv:2003.03917 (v2, 2021), section \"Collusion\""
            .into(),
        setup: SETUP.into(),
        checks,
        figures: vec![("d-cabal-share".into(), Figure::Line(chart))],
    }
}

const SETUP: &str = "\
Authors: Yuma Rao, J. Steeves, A. Shaabana, D. Attevelt, M. McAteer.

**A research variant, not today's chain.** The 2020 design multiplied each peer's rank by a \
*trust* term, a sigmoid of the share of stake connected to it; the modern chain has no trust \
sigmoid (Yuma Consensus clips weights at the κ-median instead). This study re-runs the \
paper's printed toy only.

Two disjoint sub-graphs: honest A with stake 0.51 and cabal B with 0.49. Each step, with T the \
total stake: trust t_X = 1/(1 + exp(−(S_X/T − 0.5)·10)) (temperature 10); each side ranks only \
itself, so rank r_X = S_X and incentive i_X = S_X·t_X; inflation τ = 0.1 of the total stake is \
minted in proportion to incentive, S_X += τ·T·i_X/(i_A + i_B), and fed back into stake. The \
cabal's share S_B/(S_A + S_B) after each step is compared with the paper's printout to every \
digit: the loop performs the paper's floating-point operations in the paper's order \
(`yumalab::validation::whitepaper::cabal_shares`).

Because incentive is super-linear in stake near one half, the minority's share shrinks every \
step, slowly at first and then exponentially.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_five_shares_match_the_printed_digits() {
        let shares = cabal_shares(5);
        for (s, printed) in shares.iter().zip(PRINTED) {
            assert_eq!(format!("{s}"), printed);
        }
    }

    #[test]
    fn the_cabal_crosses_25_and_10_percent_at_steps_19_and_29_and_ends_near_1_2e_4() {
        let shares = cabal_shares(100);
        assert_eq!(first_step_below(&shares, 0.25), Some(19));
        assert_eq!(first_step_below(&shares, 0.10), Some(29));
        assert!(shares[17] >= 0.25 && shares[27] >= 0.10);
        assert!((shares[99] - 1.2063e-4).abs() < 1e-8, "{}", shares[99]);
    }

    #[test]
    fn trust_is_one_half_at_one_half_and_monotone() {
        assert_eq!(trust(0.5), 0.5);
        assert!(trust(0.49) < 0.5 && trust(0.51) > 0.5);
        assert!((trust(0.51) + trust(0.49) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn the_study_passes_every_check_and_plots_101_points() {
        let s = study(Size::Quick);
        assert_eq!(s.id, "D");
        assert_eq!(s.checks.len(), 8);
        for c in &s.checks {
            assert_eq!(c.status, Status::Pass, "{c:?}");
        }
        let Figure::Line(chart) = &s.figures[0].1 else {
            panic!("a line chart")
        };
        assert_eq!(chart.series[0].points.len(), 101);
        assert_eq!(chart.series[0].points[0], (0.0, 0.49));
    }
}
