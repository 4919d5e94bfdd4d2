//! Yuma Consensus: the epoch that turns stakes and weights into incentive, dividends and
//! bonds, faithful to the chain's production path (spec `chain-model.md` §3).
//!
//! - [`epoch`]: [`run_epoch`] / [`run_epoch_into`], the whole epoch as a pure function;
//! - [`bonds`]: the step where variants differ ([`bonds::yuma2`], [`bonds::yuma3`]);
//! - [`median`]: the κ stake-weighted median with the chain's tie rule;
//! - [`mechanism`]: sub-subnets, splitting emission across mechanisms and combining outputs;
//! - [`fixed`]: where the chain's fixed point is emulated;
//! - [`null`]: the Null epoch (§13.9), the opt-in alternative to Yuma Consensus;
//! - [`sparse`]: the sparse path, whose cost follows the number of submitted weights;
//! - [`kernels`], [`simd`]: the loops the epoch spends its time in, and their run-time choice
//!   of instruction set (the same bytes on every machine).
//!
//! ```
//! use yumalab::yuma::{EpochInput, YumaParams, run_epoch};
//! // Two validators (uids 0, 1) agree on miner uid 2.
//! let weights = vec![vec![(2, 65535)], vec![(2, 65535)], vec![]];
//! let input = EpochInput {
//!     block: 10, tempo: 360, activity_cutoff: 5000, last_mechanism_step_block: 0,
//!     stake: &[3e9, 1e9, 0.0], stake_threshold: 0,
//!     last_update: &[5, 5, 0], registered_at: &[0, 0, 0],
//!     permits: &[true, true, false], owner: None,
//!     weights: &weights, bonds: &[], first_commit_block: &[], previous_consensus: &[],
//!     emission: 1_000_000_000,
//! };
//! let out = run_epoch(&input, &YumaParams::default()).unwrap();
//! assert_eq!(out.incentive[2], 1.0);
//! assert_eq!(out.server_emission[2], 500_000_000);
//! ```

pub mod bonds;
pub mod epoch;
pub mod fixed;
pub mod kernels;
pub mod mechanism;
pub mod median;
pub mod null;
pub mod params;
pub mod simd;
pub mod sparse;

pub use epoch::{
    EpochInput, EpochOutput, EpochShapeError, SparseRow, Workspace, run_epoch, run_epoch_into,
};
pub use params::{LiquidAlpha, LiquidAlphaConsensus, YumaParams, liquid_alpha_consensus};
pub use simd::Isa;
pub use sparse::EpochPath;
