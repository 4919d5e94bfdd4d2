//! Metrics over simulation outputs, as pure functions (no I/O): how concentrated stake,
//! emission and incentive are, and whether a strategy games the mechanism (spec
//! `metrics.md`, `published-results.md` §3).
//!
//! - [`concentration`]: Gini, Nakamoto, HHI, Shannon/Rényi entropy, Theil, top-k shares, all
//!   at once in [`Concentration`]; [`collapse`] to entity level and [`windowed`] sums;
//! - [`gaming`]: the relative dividend rate `G` of weight copying, emission against
//!   contribution, break-even time.
//!
//! ```
//! use yumalab::metrics::{Concentration, collapse, nakamoto, NAKAMOTO_MAJORITY};
//! // Stake of five uids; coldkey 7 runs four of them.
//! let uids = [(7u32, 10.0), (1, 10.0), (7, 10.0), (7, 10.0), (7, 10.0)];
//! let stake: Vec<f64> = uids.iter().map(|u| u.1).collect();
//! assert_eq!(nakamoto(&stake, NAKAMOTO_MAJORITY), 3);
//! let per_coldkey = Concentration::of(&collapse(&uids));
//! assert_eq!(per_coldkey.nakamoto_50, 1);
//! assert_eq!(per_coldkey.top1_share, 0.8);
//! ```
//!
//! # Pinned conventions
//!
//! The literature leaves these choices open and they move the numbers (metrics.md,
//! "Pitfalls the simulator must pin down"); this crate fixes them as follows, and
//! [`CONVENTIONS`] states them in one line for report metadata.
//!
//! 1. **Threshold edge.** [`nakamoto`] counts holders largest first and stops when the
//!    cumulative share is **≥** the threshold (the BTL implementation), so `{1, 2, 3}` at
//!    50 % gives 1, not the 2 of the prose "more than 50 %". The BFT threshold
//!    [`NAKAMOTO_BFT`] is exactly one third, not 0.33.
//! 2. **Zeros.** Every function takes the vector as given: zero holders count in `n`, which
//!    raises Gini, Theil and lowers normalized entropy (HHI, entropy, Nakamoto and top-k
//!    shares do not move). [`Concentration::of_nonzero`] drops them, and
//!    [`Concentration::zeros`] records which was done. Negative values are refused, except
//!    by [`gini`], which shifts them up by the minimum as BTL does.
//! 3. **Entity level.** The metrics see whatever holders they are given: uid (hotkey) level
//!    unless the caller collapses uids to coldkeys or operators with [`collapse`] (one
//!    coldkey running many hotkeys otherwise looks like many holders). Record the level.
//! 4. **HHI scale and entropy base.** [`hhi`] and [`Concentration::hhi`] are on the 0..1
//!    scale; [`hhi_10000`] gives the 0..10 000 scale of the DoJ bands. Entropies in
//!    [`Concentration`] are in bits (base 2); [`theil`] is in nats (`ln n − H_nats`).
//!    Hartley entropy (α = 0) counts non-zero holders; min-entropy is α = ∞.
//! 5. **Windows.** Values are per epoch unless computed on [`windowed`] sums of consecutive
//!    epochs; record the window length.

pub mod concentration;
pub mod gaming;

pub use concentration::{
    Concentration, NAKAMOTO_BFT, NAKAMOTO_MAJORITY, ZeroHolders, collapse, effective_number,
    entropy, gini, hhi, hhi_10000, max_share, nakamoto, normalized_entropy, renyi_entropy, theil,
    top_k_share, windowed,
};
pub use gaming::{
    CopyingRegime, break_even_tempos, copying_regime, emission_vs_contribution,
    relative_dividend_rate,
};

/// The pinned conventions above in one line, for report metadata.
pub const CONVENTIONS: &str = "nakamoto: smallest k whose cumulative share >= threshold \
(BTL; BFT threshold = 1/3); zeros: counted in n unless of_nonzero; gini: negatives shifted by \
the minimum; entity: as given (uid unless collapsed); hhi: 0..1 (hhi_10000 = x10000); \
entropy: bits, theil: nats, hartley: non-zero holders, min-entropy: alpha = inf; \
window: per epoch unless windowed";
