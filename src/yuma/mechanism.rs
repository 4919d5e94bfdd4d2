//! Mechanisms (sub-subnets, spec §3.12): one subnet's emission split across several
//! independent weight/bond sets that share stake, permits and registrations.

use super::epoch::EpochOutput;

/// Splits `alpha` rao across `count` mechanisms. `split` holds u16 parts summing to 65 535
/// (`MechanismEmissionSplit`); `None` means an even split. Each part is `⌊alpha·part/65535⌋`
/// (or `⌊alpha/count⌋`), and the rounding remainder goes to mechanism 0.
///
/// `count = 0` returns an empty vector. A `split` whose length is not `count` is treated as
/// unset, as the chain's getter does for a stale split.
pub fn split_emission(alpha: u64, count: usize, split: Option<&[u16]>) -> Vec<u64> {
    if count == 0 {
        return Vec::new();
    }
    let mut parts: Vec<u64> = match split.filter(|s| s.len() == count) {
        Some(s) => s
            .iter()
            .map(|p| ((u128::from(alpha) * u128::from(*p)) / 65_535) as u64)
            .collect(),
        None => vec![alpha / count as u64; count],
    };
    let assigned: u64 = parts.iter().sum();
    parts[0] += alpha.saturating_sub(assigned);
    parts
}

/// The subnet-level view of several mechanisms' epochs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Combined {
    /// Σ server emission per uid.
    pub server_emission: Vec<u64>,
    /// Σ validator emission per uid.
    pub validator_emission: Vec<u64>,
    /// Σ combined emission per uid.
    pub emission: Vec<u64>,
    /// Emission-weighted incentive.
    pub incentive: Vec<f64>,
    /// Emission-weighted dividends.
    pub dividends: Vec<f64>,
    /// Emission-weighted consensus.
    pub consensus: Vec<f64>,
    /// Emission-weighted validator trust.
    pub validator_trust: Vec<f64>,
    /// New permits, OR-ed.
    pub permits: Vec<bool>,
    /// Activity, OR-ed.
    pub active: Vec<bool>,
}

/// Combines per-mechanism outputs: amounts are summed, fractions are averaged weighted by
/// each mechanism's emission (evenly if all are zero), booleans are OR-ed.
pub fn combine(parts: &[(u64, &EpochOutput)]) -> Combined {
    let n = parts.first().map_or(0, |(_, o)| o.stake.len());
    let mut c = Combined {
        server_emission: vec![0; n],
        validator_emission: vec![0; n],
        emission: vec![0; n],
        incentive: vec![0.0; n],
        dividends: vec![0.0; n],
        consensus: vec![0.0; n],
        validator_trust: vec![0.0; n],
        permits: vec![false; n],
        active: vec![false; n],
    };
    let total: u64 = parts.iter().map(|(e, _)| *e).sum();
    for (e, o) in parts {
        let w = if total > 0 {
            *e as f64 / total as f64
        } else {
            1.0 / parts.len() as f64
        };
        for k in 0..n.min(o.stake.len()) {
            c.server_emission[k] += o.server_emission[k];
            c.validator_emission[k] += o.validator_emission[k];
            c.emission[k] += o.emission[k];
            c.incentive[k] += w * o.incentive[k];
            c.dividends[k] += w * o.dividends[k];
            c.consensus[k] += w * o.consensus[k];
            c.validator_trust[k] += w * o.validator_trust[k];
            c.permits[k] |= o.permits[k];
            c.active[k] |= o.active[k];
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_split_sends_the_remainder_to_mechanism_zero() {
        assert_eq!(split_emission(25, 5, None), vec![5, 5, 5, 5, 5]);
        assert_eq!(split_emission(10, 4, None), vec![4, 2, 2, 2]);
    }

    #[test]
    fn explicit_split_floors_each_part() {
        let split = [3450, 6899, 10348, 17247, 27594];
        assert_eq!(split_emission(19, 5, Some(&split)), vec![1, 2, 3, 5, 8]);
    }

    #[test]
    fn split_conserves_every_rao() {
        for alpha in [0u64, 1, 7, 999_999_999, u64::MAX / 3] {
            for count in 1..=16 {
                assert_eq!(
                    split_emission(alpha, count, None).iter().sum::<u64>(),
                    alpha
                );
            }
        }
    }
}
