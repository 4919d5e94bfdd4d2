//! The Null epoch (spec §13.9): the opt-in alternative to Yuma Consensus a subnet may run
//! (`SubnetEpochConsensus = Null`) since Finney spec 474/475.
//!
//! No consensus, clipping, bonds or permits: the validator with the largest raw stake (the
//! *winner*) decides the miner incentive alone, with its stored weight row taken as is, and
//! validators are paid in proportion to stake. Every amount is apportioned exactly: each payout
//! is `⌊B·w_j/Σw⌋` or one more, and the payouts sum to the budget `B` ([`apportion`]).
//!
//! [`null_epoch_into`] reads the same [`EpochInput`] as the Yuma epoch and writes the same
//! [`EpochOutput`], so the caller pays it out the same way (§5.8 "runs unchanged").
//!
//! ```
//! use yumalab::yuma::EpochInput;
//! use yumalab::yuma::null::{NullBudgets, null_epoch};
//! // Vector r13_null_winner_and_stake_dividends: uid 0 (the larger stake) wins; both
//! // validators are inactive, which Null ignores.
//! let weights = vec![vec![(2, 3), (3, 1)], vec![(3, 65535)], vec![], vec![]];
//! let input = EpochInput {
//!     block: 10_000, tempo: 360, activity_cutoff: 5000, last_mechanism_step_block: 0,
//!     stake: &[3e8, 1e8, 0.0, 0.0], stake_threshold: 0,
//!     last_update: &[2, 2, 0, 0], registered_at: &[1, 1, 1, 1],
//!     permits: &[true, true, false, false], owner: None,
//!     weights: &weights, bonds: &[], first_commit_block: &[], previous_consensus: &[],
//!     emission: 1_000_000,
//! };
//! let out = null_epoch(&input, NullBudgets::standalone(input.emission)).unwrap();
//! assert_eq!(out.server_emission, [0, 0, 375_000, 125_000]);
//! assert_eq!(out.validator_emission, [375_000, 125_000, 0, 0]);
//! ```

use super::epoch::{EpochInput, EpochOutput, EpochShapeError, check_shape};
use super::fixed::{from_u16_proportion, normalize_i32f32, to_i32f32};

/// The budgets of one Null epoch, in rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NullBudgets {
    /// `M`: apportioned over the winner's weight row.
    pub miner: u64,
    /// Apportioned by stake over the stake holders, together with `root`. With no stake at
    /// all it goes to the miners' equal split instead.
    pub validator: u64,
    /// `pending_root` in the coinbase: apportioned by stake together with `validator`. With no
    /// stake at all nobody is paid it (the coinbase recycles it, §13.5).
    pub root: u64,
}

impl NullBudgets {
    /// A standalone epoch distributing `E`: `M = E − ⌊E/2⌋`, `V = ⌊E/2⌋` (§13.9).
    pub fn standalone(e: u64) -> NullBudgets {
        NullBudgets {
            miner: e - e / 2,
            validator: e / 2,
            root: 0,
        }
    }

    /// The coinbase's epoch (`epoch_with_mechanism_budgets`, §13.9): `M = pending_server`,
    /// `V = pending_validator + pending_root`.
    pub fn coinbase(pending_server: u64, pending_validator: u64, pending_root: u64) -> NullBudgets {
        NullBudgets {
            miner: pending_server,
            validator: pending_validator,
            root: pending_root,
        }
    }
}

/// Runs one Null epoch, allocating its output. See [`null_epoch_into`].
///
/// # Errors
/// [`EpochShapeError`] if the input's vectors disagree in length.
pub fn null_epoch(
    input: &EpochInput<'_>,
    budgets: NullBudgets,
) -> Result<EpochOutput, EpochShapeError> {
    let mut out = EpochOutput::default();
    null_epoch_into(input, budgets, &mut out)?;
    Ok(out)
}

/// The Null epoch (§13.9), into `out`:
///
/// 1. stake `S_i` = the raw stake weight of §3.3 (threshold applied, owner exempt), before
///    normalisation, counted in whole rao;
/// 2. the **winner** is the uid with the largest raw `S_i` (ties: the lowest uid); activity
///    and permits are ignored;
/// 3. the miner budget `M` is apportioned exactly ([`apportion`]) over the winner's stored
///    row: raw u16 values, no max-upscale, no clipping, outdated entries dropped
///    (`LastUpdate_winner ≤ BlockAtRegistration_j`, §3.6 step 3; its self-weight is kept). An
///    empty or all-zero row splits `M` equally over **every** uid, validators included;
/// 4. the validator budget (`validator + root`) is apportioned by `S` over the stake holders
///    (permits not required: [UNSURE], §13.15);
/// 5. if every `S_i` is 0, `M + validator` goes equally over every uid as miner emission,
///    validators get 0, and `root` is left unpaid;
/// 6. nothing else changes: stored bonds and permits are returned untouched, the consensus
///    output is the previous epoch's (`input.previous_consensus`, 0 beyond it), validator trust
///    is 0. `emission[uid]` = server + validator payout; incentive and dividends are the
///    normalised payouts; `active` follows §3.2 for display.
///
/// `input.emission` is not read: the budgets say what is paid.
///
/// # Errors
/// [`EpochShapeError`] if the input's vectors disagree in length; `out` is then unspecified.
pub fn null_epoch_into(
    input: &EpochInput<'_>,
    budgets: NullBudgets,
    out: &mut EpochOutput,
) -> Result<(), EpochShapeError> {
    let n = check_shape(input)?;
    out.reset(n);
    let owner = input.owner.map(usize::from).filter(|o| *o < n);

    // 1. Raw stake (the §3.3 threshold, owner exempt), in whole rao for the apportionment.
    let threshold = input.stake_threshold as f64;
    for (i, (s, raw)) in out.stake.iter_mut().zip(input.stake).enumerate() {
        let raw = if raw.is_finite() { raw.max(0.0) } else { 0.0 };
        *s = if Some(i) != owner && raw.floor() < threshold {
            0.0
        } else {
            raw
        };
    }
    let stake_rao: Vec<u64> = out.stake.iter().map(|s| *s as u64).collect();
    let winner = null_winner(&out.stake);
    normalize_i32f32(&mut out.stake);
    out.active_stake.clone_from(&out.stake);
    for i in 0..n {
        out.active[i] = input.last_update[i].saturating_add(input.activity_cutoff) >= input.block;
    }

    let mut shares = vec![0u64; n];
    if stake_rao.iter().all(|s| *s == 0) {
        // 5. Nobody holds stake: miners and validators' budgets, equally over every uid.
        shares.fill(1);
        apportion(
            budgets.miner.saturating_add(budgets.validator),
            &shares,
            &mut out.server_emission,
        );
    } else {
        // 3. The winner's row, raw, without outdated entries.
        if let Some(w) = winner {
            let lu = input.last_update[w];
            for &(j, v) in input.weights.get(w).map_or(&[][..], |r| r.as_slice()) {
                let j = usize::from(j);
                if j < n && lu > input.registered_at[j] {
                    shares[j] += u64::from(v);
                }
            }
        }
        if shares.iter().all(|x| *x == 0) {
            shares.fill(1);
        }
        apportion(budgets.miner, &shares, &mut out.server_emission);
        // 4. Validators by stake.
        apportion(
            budgets.validator.saturating_add(budgets.root),
            &stake_rao,
            &mut out.validator_emission,
        );
    }
    for k in 0..n {
        out.emission[k] = out.server_emission[k] + out.validator_emission[k];
        out.incentive[k] = out.server_emission[k] as f64;
        out.dividends[k] = out.validator_emission[k] as f64;
        out.consensus[k] = input
            .previous_consensus
            .get(k)
            .map_or(0.0, |&u| to_i32f32(from_u16_proportion(u)));
    }
    normalize_i32f32(&mut out.incentive);
    normalize_i32f32(&mut out.dividends);

    // 6. Permits and bonds are preserved.
    out.permits.copy_from_slice(input.permits);
    for (row, stored) in out.bonds.iter_mut().zip(input.bonds) {
        row.clone_from(stored);
    }
    Ok(())
}

/// The Null winner (§13.9 step 2): the uid with the largest raw stake, compared before
/// normalisation; ties go to the lowest uid. `None` when there are no uids.
pub fn null_winner(stake: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &s) in stake.iter().enumerate() {
        if best.is_none_or(|b| s > stake[b]) {
            best = Some(i);
        }
    }
    best
}

/// Exact apportionment (§13.9): writes `out[j] = ⌊budget·w_j/Σw⌋`, then gives the remaining
/// rao, one each, to the entries with a non-zero remainder in uid order, so the payouts sum
/// to exactly `budget`, each is its floor or one more, and an entry of weight 0 gets 0.
/// (The chain places remainders deterministically; uid order is the likely rule, [UNSURE].)
/// If every weight is 0, `out` is all 0.
///
/// Exact in integers for any `budget` and weights (`budget·w_j < 2¹²⁸`).
///
/// # Panics
/// If `out` is shorter than `weights`.
pub fn apportion(budget: u64, weights: &[u64], out: &mut [u64]) {
    let out = &mut out[..weights.len()];
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        out.fill(0);
        return;
    }
    let b = u128::from(budget);
    let mut paid = 0u128;
    for (o, &w) in out.iter_mut().zip(weights) {
        let q = b * u128::from(w) / total;
        *o = q as u64; // ≤ budget
        paid += q;
    }
    // Σ of the remainders' fractions, an integer smaller than the number of non-zero ones.
    let mut left = b - paid;
    for (o, &w) in out.iter_mut().zip(weights) {
        if left == 0 {
            break;
        }
        if (b * u128::from(w)) % total != 0 {
            *o += 1;
            left -= 1;
        }
    }
    debug_assert_eq!(left, 0, "apportionment left rao unplaced");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_places_remainders_in_uid_order_on_fractional_shares() {
        let mut out = [0; 4];
        // 10·(1, 1, 1, 0)/3 = 3.33 each: one rao left, to uid 0.
        apportion(10, &[1, 1, 1, 0], &mut out);
        assert_eq!(out, [4, 3, 3, 0]);
        // (2, 2, 1)·5/5 is exact: nothing to place.
        let mut out = [0; 3];
        apportion(5, &[2, 2, 1], &mut out);
        assert_eq!(out, [2, 2, 1]);
        // An exact share is never topped up: 4·(2, 1, 1)/4 = (2, 1, 1); 5·(2, 1, 1)/4 =
        // (2.5, 1.25, 1.25) → (3, 1, 1).
        apportion(5, &[2, 1, 1], &mut out);
        assert_eq!(out, [3, 1, 1]);
        apportion(7, &[0, 0, 0], &mut out);
        assert_eq!(out, [0, 0, 0]);
    }

    #[test]
    fn apportion_is_exact_at_the_extremes() {
        let mut out = [0; 3];
        apportion(u64::MAX, &[u64::MAX, 1, u64::MAX], &mut out);
        assert_eq!(
            out.iter().map(|&x| u128::from(x)).sum::<u128>(),
            u128::from(u64::MAX)
        );
        assert!(out[1] <= 1);
    }

    #[test]
    fn the_winner_is_the_first_largest_stake() {
        assert_eq!(null_winner(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(null_winner(&[0.0, 0.0]), Some(0));
        assert_eq!(null_winner(&[]), None);
    }

    #[test]
    fn standalone_budgets_give_miners_the_odd_rao() {
        assert_eq!(NullBudgets::standalone(3), NullBudgets::coinbase(2, 1, 0));
        assert_eq!(NullBudgets::standalone(0), NullBudgets::default());
    }
}
