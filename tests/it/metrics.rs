//! `yumalab::metrics`: every golden value of spec `metrics.md` (from the BTL test suite),
//! checked to the precision its printed digits imply, and the invariants of the
//! concentration metrics as properties.

use std::f64::consts::E;

use proptest::prelude::*;
use yumalab::metrics::{
    CONVENTIONS, Concentration, NAKAMOTO_BFT, NAKAMOTO_MAJORITY, collapse, entropy, gini, hhi,
    hhi_10000, max_share, nakamoto, normalized_entropy, relative_dividend_rate, renyi_entropy,
    theil, top_k_share, windowed,
};

/// Asserts that `value` rounds to `printed`: within half a unit of its last printed digit
/// (spaces in `printed` are digit grouping).
#[track_caller]
fn assert_printed(value: f64, printed: &str) {
    let digits: String = printed.chars().filter(|c| *c != ' ').collect();
    let want: f64 = digits.parse().expect("a number");
    let decimals = digits.split_once('.').map_or(0, |(_, frac)| frac.len());
    let tolerance = 0.5 * 10f64.powi(-(decimals as i32));
    assert!(
        (value - want).abs() <= tolerance,
        "got {value}, want {printed} (± {tolerance})"
    );
}

#[test]
fn gini_golden_values() {
    assert_printed(gini(&[1.0, 2.0, 3.0, 4.0, 5.0]), "0.26667");
    assert_printed(
        gini(&[368.0, 156.0, 20.0, 7.0, 10.0, 49.0, 22.0, 1.0]),
        "0.67792",
    );
    // Zeros included as given.
    assert_printed(gini(&[1.0, 1.0, 3.0, 0.0, 0.0]), "0.56");
    // Negative values shifted up by the minimum.
    assert_printed(gini(&[11.0, 2.0, -1.0]), "0.53333");
}

#[test]
fn entropy_golden_values() {
    let xs = [1.0, 2.0, 3.0];
    assert_printed(entropy(&xs, 2.0), "1.459");
    assert_printed(renyi_entropy(&xs, 1.0, 2.0), "1.459");
    assert_printed(renyi_entropy(&xs, f64::INFINITY, 2.0), "1.0");
    let ys = [216.0, 432.0, 288.0, 64.0];
    assert_printed(renyi_entropy(&ys, 0.0, 2.0), "2.0");
    assert_printed(renyi_entropy(&ys, 2.0, 2.0), "1.642");
    // Maximum Shannon entropy for 3 entities: 3 equal holders.
    assert_printed(entropy(&[1.0, 1.0, 1.0], 2.0), "1.585");
    assert_printed(normalized_entropy(&xs, 1.0), "0.921");
    let c = Concentration::of(&xs);
    assert_printed(c.entropy_bits, "1.459");
    assert_printed(c.min_entropy_bits, "1.0");
    assert_printed(c.normalized_entropy, "0.921");
}

#[test]
fn nakamoto_golden_values() {
    // The top holder has exactly half: the ≥ rule stops at 1.
    assert_eq!(nakamoto(&[1.0, 2.0, 3.0], NAKAMOTO_MAJORITY), 1);
    assert_eq!(
        nakamoto(&[1.0, 2.0, 3.0, 1.0, 1.0, 1.0], NAKAMOTO_MAJORITY),
        2
    );
    assert_eq!(Concentration::of(&[1.0, 2.0, 3.0]).nakamoto_50, 1);
    assert_eq!(
        Concentration::of(&[1.0, 2.0, 3.0, 1.0, 1.0, 1.0]).nakamoto_50,
        2
    );
}

#[test]
fn hhi_golden_values() {
    assert_printed(hhi_10000(&[1.0; 10]), "1000");
    assert_printed(hhi_10000(&[40.0, 30.0, 15.0, 15.0]), "2950");
    assert_printed(hhi_10000(&[50.0, 50.0]), "5000");
    assert_printed(hhi_10000(&[7.0]), "10 000");
    assert_printed(hhi(&[40.0, 30.0, 15.0, 15.0]), "0.295");
}

#[test]
fn bft_threshold_is_one_third() {
    assert_eq!(NAKAMOTO_BFT, 1.0 / 3.0);
    // Three equal holders: one of them has exactly a third.
    assert_eq!(nakamoto(&[5.0, 5.0, 5.0], NAKAMOTO_BFT), 1);
    assert_eq!(Concentration::of(&[5.0, 5.0, 5.0]).nakamoto_33, 1);
}

#[test]
fn zeros_raise_gini_unless_dropped() {
    let xs = [1.0, 1.0, 3.0, 0.0, 0.0];
    let all = Concentration::of(&xs);
    let nonzero = Concentration::of_nonzero(&xs);
    assert_printed(all.gini, "0.56");
    assert_eq!(nonzero.gini, gini(&[1.0, 1.0, 3.0]));
    assert_eq!(nonzero.holders, 3);
    assert!(all.theil > nonzero.theil);
    assert_eq!(all.hhi, nonzero.hhi);
    assert_eq!(all.entropy_bits, nonzero.entropy_bits);
}

#[test]
fn collapsing_to_coldkeys_reveals_concentration() {
    // Five uids of equal stake, four of them run by coldkey 7.
    let uids = [(7u32, 10.0), (1, 10.0), (7, 10.0), (7, 10.0), (7, 10.0)];
    let per_uid: Vec<f64> = uids.iter().map(|u| u.1).collect();
    let per_coldkey = collapse(&uids);
    assert_eq!(per_coldkey, vec![10.0, 40.0]);
    assert_eq!(gini(&per_uid), 0.0);
    assert_eq!(nakamoto(&per_uid, NAKAMOTO_MAJORITY), 3);
    assert_eq!(nakamoto(&per_coldkey, NAKAMOTO_MAJORITY), 1);
    assert_eq!(max_share(&per_coldkey), 0.8);
}

#[test]
fn window_metrics_smooth_per_epoch_swings() {
    // Emission alternates between two miners; over two epochs they are equal.
    let series = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0]];
    for epoch in &series {
        assert_eq!(hhi(epoch), 1.0);
    }
    for window in windowed(&series, 2) {
        assert_eq!(hhi(&window), 0.5);
        assert_eq!(gini(&window), 0.0);
    }
}

#[test]
fn relative_dividend_rate_reads_like_the_paper() {
    // Four honest validators earn 1 per stake; a copier with 5 % of stake earns 0.9.
    let stakes = [30.0, 25.0, 20.0, 20.0, 5.0, 0.0];
    let dividends = [30.0, 25.0, 20.0, 20.0, 4.5, 0.0];
    let g = relative_dividend_rate(&dividends, &stakes, 4);
    assert!((g - 0.9).abs() < 1e-12, "{g}");
}

#[test]
fn conventions_fit_one_line() {
    assert!(!CONVENTIONS.contains('\n'));
    for word in [
        "nakamoto", ">=", "1/3", "zeros", "entity", "hhi", "bits", "nats",
    ] {
        assert!(CONVENTIONS.contains(word), "{word}");
    }
}

/// Holdings as the simulator produces them: zeros, whole rao-like amounts and fractions.
fn holdings() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            Just(0.0),
            (0u64..1_000_000).prop_map(|x| x as f64),
            0.0..1e3f64,
        ],
        1..48,
    )
}

/// Holdings with a positive total.
fn positive_holdings() -> impl Strategy<Value = Vec<f64>> {
    holdings().prop_filter("a positive total", |xs| xs.iter().any(|&x| x > 0.0))
}

/// Every metric of `xs`, for comparing two orderings bit for bit.
fn all_metrics(xs: &[f64]) -> (Concentration, Concentration, Vec<u64>) {
    let mut bits = vec![
        gini(xs),
        hhi(xs),
        hhi_10000(xs),
        theil(xs),
        entropy(xs, 2.0),
        entropy(xs, E),
        max_share(xs),
        top_k_share(xs, 3),
        nakamoto(xs, 0.66) as f64,
    ];
    for alpha in [0.0, 0.5, 1.0, 2.0, f64::INFINITY] {
        bits.push(renyi_entropy(xs, alpha, 2.0));
        bits.push(normalized_entropy(xs, alpha));
    }
    (
        Concentration::of(xs),
        Concentration::of_nonzero(xs),
        bits.into_iter().map(f64::to_bits).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn gini_lies_between_equality_and_one_holder(xs in holdings()) {
        let n = xs.len() as f64;
        let g = gini(&xs);
        prop_assert!(g >= -1e-12, "{g}");
        prop_assert!(g <= (n - 1.0) / n + 1e-12, "{g} > (n − 1)/n for n = {n}");
    }

    #[test]
    fn every_metric_ignores_the_order(
        (xs, shuffled) in holdings().prop_flat_map(|xs| (Just(xs.clone()), Just(xs).prop_shuffle()))
    ) {
        // Bit for bit: each metric sums a sorted copy.
        prop_assert_eq!(all_metrics(&xs), all_metrics(&shuffled));
    }

    #[test]
    fn relative_dividend_rate_ignores_the_order_of_the_others(
        rows in prop::collection::vec((0u32..1000, 0u32..1000), 2..24),
        rotate in 0usize..24,
    ) {
        let (d, s): (Vec<f64>, Vec<f64>) =
            rows.iter().map(|&(d, s)| (f64::from(d), f64::from(s) + 1.0)).unzip();
        let g = relative_dividend_rate(&d, &s, 0);
        // Reverse the others and rotate everyone: `who` moves with its row.
        let mut order: Vec<usize> = std::iter::once(0).chain((1..d.len()).rev()).collect();
        order.rotate_left(rotate % d.len());
        let who = order.iter().position(|&i| i == 0).unwrap();
        let d2: Vec<f64> = order.iter().map(|&i| d[i]).collect();
        let s2: Vec<f64> = order.iter().map(|&i| s[i]).collect();
        let g2 = relative_dividend_rate(&d2, &s2, who);
        prop_assert!(g.to_bits() == g2.to_bits(), "{g} vs {g2}");
    }

    #[test]
    fn hhi_lies_between_one_over_n_and_one(xs in positive_holdings()) {
        let n = xs.len() as f64;
        let h = hhi(&xs);
        prop_assert!(h >= 1.0 / n - 1e-12, "{h} < 1/{n}");
        prop_assert!(h <= 1.0 + 1e-12, "{h} > 1");
        prop_assert!((hhi_10000(&xs) - 10_000.0 * h).abs() <= 1e-9);
    }

    #[test]
    fn theil_is_ln_n_minus_shannon_in_nats(xs in holdings()) {
        let n = xs.len() as f64;
        let want = if xs.iter().any(|&x| x > 0.0) { n.ln() - entropy(&xs, E) } else { 0.0 };
        let t = theil(&xs);
        prop_assert!((t - want).abs() <= 1e-9 * n.ln().max(1.0), "{t} vs {want}");
        prop_assert!(t >= -1e-12 && t <= n.ln() + 1e-12, "{t} outside [0, ln {n}]");
    }

    #[test]
    fn collapse_preserves_the_total(
        values in prop::collection::vec((0u8..6, 0.0..1e6f64), 0..64)
    ) {
        let collapsed = collapse(&values);
        let before: f64 = values.iter().map(|v| v.1).sum();
        let after: f64 = collapsed.iter().sum();
        prop_assert!((before - after).abs() <= 1e-9 * before.max(1.0), "{before} vs {after}");
        let keys: std::collections::BTreeSet<u8> = values.iter().map(|v| v.0).collect();
        prop_assert_eq!(collapsed.len(), keys.len());
    }

    #[test]
    fn nakamoto_is_the_smallest_coalition(xs in positive_holdings(), tau_milli in 1u32..=1000) {
        let tau = f64::from(tau_milli) / 1000.0;
        let k = nakamoto(&xs, tau);
        let total: f64 = xs.iter().sum();
        let mut desc = xs.clone();
        desc.sort_by(|a, b| b.total_cmp(a));
        let top = |k: usize| desc.iter().take(k).sum::<f64>();
        prop_assert!(k >= 1 && k <= xs.len());
        // Reached at k (up to summation order), not at k − 1.
        prop_assert!(top(k) >= tau * total * (1.0 - 1e-12));
        prop_assert!(top(k - 1) < tau * total * (1.0 + 1e-12));
    }
}
