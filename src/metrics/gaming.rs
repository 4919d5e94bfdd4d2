//! Gaming metrics: does a strategy earn more than honest play, and when does it pay for
//! itself?
//!
//! - [`relative_dividend_rate`]: the `G` metric of the weight-copying paper (spec
//!   `published-results.md` §3), read with [`copying_regime`];
//! - [`emission_vs_contribution`]: what an actor is paid against what it contributes;
//! - [`break_even_tempos`]: how many tempos an up-front cost takes to earn back.
//!
//! Where a ratio has no meaningful value these return IEEE results rather than a made-up
//! number: `NaN` for 0/0, `+∞` for a positive amount over 0. Inputs that cannot come from a
//! correct run (negative, non-finite, mismatched lengths) panic.

/// Panics unless `x` is finite and non-negative.
fn check_amount(name: &str, x: f64) {
    assert!(
        x.is_finite() && x >= 0.0,
        "invalid `{name}`: must be finite and >= 0, got `{x}`"
    );
}

/// Relative dividend rate `G_j = (D_j/S_j) / median_i(D_i/S_i)` of validator `who`
/// (Opentensor, "Weight Copying in Bittensor", 2024).
///
/// `D` is each validator's dividend over the period and `S` its stake. The median runs over
/// the **other** validators with positive stake, `i ≠ who` (the paper's code,
/// `static/weight_copy/utils.py`, takes the median over the honest validators without the
/// copier); with an even count it is the mean of the two middle rates. Entries with zero
/// stake (miners, unstaked uids) are ignored.
///
/// Reading, with validator take τ (the paper used τ = 18 %; see [`copying_regime`]): `G > 1`
/// copying beats honest validation; `1 − τ < G ≤ 1` the copier loses delegators but still
/// beats nominating; `G ≤ 1 − τ` copying is pointless.
///
/// Returns `NaN` when `G` is undefined: `who` has no stake, no other validator has stake, or
/// both rates are 0. Returns `+∞` when the median rate is 0 and `who`'s is not.
///
/// For a window, pass dividends summed over it ([`super::concentration::windowed`]) with the
/// stakes of the window; the paper averaged per-epoch rates, which differs when stakes move.
///
/// # Panics
///
/// If the slices differ in length, `who` is out of range, or a value is negative or not
/// finite.
pub fn relative_dividend_rate(dividends: &[f64], stakes: &[f64], who: usize) -> f64 {
    assert_eq!(
        dividends.len(),
        stakes.len(),
        "`dividends` and `stakes` must have one entry per uid"
    );
    assert!(
        who < stakes.len(),
        "invalid `who`: must be < {}, got `{who}`",
        stakes.len()
    );
    for (i, (&d, &s)) in dividends.iter().zip(stakes).enumerate() {
        check_amount(&format!("dividends[{i}]"), d);
        check_amount(&format!("stakes[{i}]"), s);
    }
    if stakes[who] <= 0.0 {
        return f64::NAN;
    }
    let mut rates: Vec<f64> = dividends
        .iter()
        .zip(stakes)
        .enumerate()
        .filter(|&(i, (_, &s))| i != who && s > 0.0)
        .map(|(_, (&d, &s))| d / s)
        .collect();
    if rates.is_empty() {
        return f64::NAN;
    }
    rates.sort_by(f64::total_cmp);
    let mid = rates.len() / 2;
    let median = if rates.len() % 2 == 1 {
        rates[mid]
    } else {
        (rates[mid - 1] + rates[mid]) / 2.0
    };
    (dividends[who] / stakes[who]) / median
}

/// Where a relative dividend rate `G` falls, for a validator take `take` (τ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CopyingRegime {
    /// `G > 1`: copying earns more per stake than honest validation.
    Profitable,
    /// `1 − τ < G ≤ 1`: the copier earns less than honest validators (and loses delegators)
    /// but still more than it would as a nominator paying take τ.
    BeatsNominating,
    /// `G ≤ 1 − τ`: nominating an honest validator pays at least as much; copying is
    /// pointless.
    Pointless,
}

/// Classifies a relative dividend rate `g` ([`relative_dividend_rate`]) under validator take
/// `take` in `[0, 1]`, as the weight-copying paper does. Returns `None` for a `NaN` `g`.
///
/// # Panics
///
/// If `take` is not in `[0, 1]`.
pub fn copying_regime(g: f64, take: f64) -> Option<CopyingRegime> {
    assert!(
        (0.0..=1.0).contains(&take),
        "invalid `take`: must be in [0, 1], got `{take}`"
    );
    if g.is_nan() {
        None
    } else if g > 1.0 {
        Some(CopyingRegime::Profitable)
    } else if g > 1.0 - take {
        Some(CopyingRegime::BeatsNominating)
    } else {
        Some(CopyingRegime::Pointless)
    }
}

/// Ratio of an actor's share of emission to its share of the contribution (e.g. of useful
/// work, or of honest weight): `emission_share / contribution_share`.
///
/// Reading: 1 is paid in proportion, above 1 over-paid (extracting), below 1 under-paid.
/// Handling of 0: no contribution and no emission gives `NaN` (nothing to compare: leave it
/// out of averages); emission without contribution gives `+∞` (pure extraction); no
/// emission for a positive contribution gives 0.
///
/// # Panics
///
/// If either share is negative or not finite.
pub fn emission_vs_contribution(emission_share: f64, contribution_share: f64) -> f64 {
    check_amount("emission_share", emission_share);
    check_amount("contribution_share", contribution_share);
    emission_share / contribution_share
}

/// Number of tempos after which an `upfront` cost (registration burn, stake lock-up) plus a
/// running `cost_per_tempo` is paid back by `income_per_tempo`: the smallest `t ≥ 0` with
/// `(income − cost)·t ≥ upfront` that stays so for ever after, i.e. `upfront / (income −
/// cost)`.
///
/// The result is fractional; take its ceiling for whole tempos. `Some(0.0)` when there is
/// nothing up front and the margin is not negative; `None` when it never pays back (margin
/// ≤ 0 with a positive up-front cost, or a negative margin).
///
/// # Panics
///
/// If an argument is negative or not finite.
pub fn break_even_tempos(cost_per_tempo: f64, income_per_tempo: f64, upfront: f64) -> Option<f64> {
    check_amount("cost_per_tempo", cost_per_tempo);
    check_amount("income_per_tempo", income_per_tempo);
    check_amount("upfront", upfront);
    let margin = income_per_tempo - cost_per_tempo;
    if margin < 0.0 {
        None
    } else if upfront == 0.0 {
        Some(0.0)
    } else if margin == 0.0 {
        None
    } else {
        Some(upfront / margin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_is_the_rate_over_the_median_of_the_others() {
        // Rates per stake: uid 0 1.5, uid 1 1, uid 2 2, uid 3 3; uid 4 has no stake.
        let d = [3.0, 1.0, 4.0, 9.0, 7.0];
        let s = [2.0, 1.0, 2.0, 3.0, 0.0];
        // uid 0 against 1, 2, 3: median 2.
        assert_eq!(relative_dividend_rate(&d, &s, 0), 1.5 / 2.0);
        // uid 1 against 1.5, 2, 3: median 2.
        assert_eq!(relative_dividend_rate(&d, &s, 1), 1.0 / 2.0);
        // uid 3 against 1.5, 1, 2: median 1.5.
        assert_eq!(relative_dividend_rate(&d, &s, 3), 3.0 / 1.5);
        // Even count: uid 0 against 1 and 2, median 1.5.
        let s2 = [2.0, 1.0, 2.0, 0.0, 0.0];
        assert_eq!(relative_dividend_rate(&d, &s2, 0), 1.0);
    }

    #[test]
    fn g_is_undefined_without_stake() {
        assert!(relative_dividend_rate(&[1.0, 1.0], &[0.0, 1.0], 0).is_nan());
        assert!(relative_dividend_rate(&[1.0, 1.0], &[1.0, 0.0], 0).is_nan());
        assert!(relative_dividend_rate(&[0.0, 0.0], &[1.0, 1.0], 0).is_nan());
        assert_eq!(
            relative_dividend_rate(&[1.0, 0.0], &[1.0, 1.0], 0),
            f64::INFINITY
        );
    }

    #[test]
    #[should_panic(expected = "invalid `who`")]
    fn g_refuses_an_unknown_validator() {
        relative_dividend_rate(&[1.0], &[1.0], 1);
    }

    #[test]
    #[should_panic(expected = "invalid `stakes[1]`")]
    fn g_refuses_negative_stake() {
        relative_dividend_rate(&[1.0, 1.0], &[1.0, -1.0], 0);
    }

    #[test]
    fn regimes_follow_the_paper() {
        let take = 0.18;
        assert_eq!(copying_regime(1.01, take), Some(CopyingRegime::Profitable));
        assert_eq!(
            copying_regime(1.0, take),
            Some(CopyingRegime::BeatsNominating)
        );
        assert_eq!(
            copying_regime(0.9, take),
            Some(CopyingRegime::BeatsNominating)
        );
        assert_eq!(
            copying_regime(0.83, take),
            Some(CopyingRegime::BeatsNominating)
        );
        assert_eq!(copying_regime(0.81, take), Some(CopyingRegime::Pointless));
        assert_eq!(copying_regime(0.5, 0.5), Some(CopyingRegime::Pointless));
        assert_eq!(copying_regime(f64::NAN, take), None);
        assert_eq!(
            copying_regime(f64::INFINITY, take),
            Some(CopyingRegime::Profitable)
        );
    }

    #[test]
    fn emission_vs_contribution_handles_zero() {
        assert_eq!(emission_vs_contribution(0.2, 0.1), 2.0);
        assert_eq!(emission_vs_contribution(0.0, 0.1), 0.0);
        assert_eq!(emission_vs_contribution(0.1, 0.0), f64::INFINITY);
        assert!(emission_vs_contribution(0.0, 0.0).is_nan());
    }

    #[test]
    fn break_even_table() {
        assert_eq!(break_even_tempos(1.0, 3.0, 10.0), Some(5.0));
        assert_eq!(break_even_tempos(1.0, 3.0, 0.0), Some(0.0));
        assert_eq!(break_even_tempos(2.0, 2.0, 0.0), Some(0.0));
        assert_eq!(break_even_tempos(2.0, 2.0, 1.0), None);
        assert_eq!(break_even_tempos(3.0, 1.0, 0.0), None);
        assert_eq!(break_even_tempos(3.0, 1.0, 5.0), None);
    }

    #[test]
    #[should_panic(expected = "invalid `upfront`")]
    fn break_even_refuses_nan() {
        break_even_tempos(1.0, 2.0, f64::NAN);
    }
}
