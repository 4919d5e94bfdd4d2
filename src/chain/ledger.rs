//! Where every minted rao went, and the conservation invariant (spec §5; brief: "every token
//! minted is somewhere or recorded as recycled").
//!
//! TAO: `genesis + minted − recycled − burned = Σ free balances + Σ subnet TAO reserves + root
//! stake + fees paid to block authors`, and the chain's `TotalIssuance = genesis + external +
//! minted − recycled` (burning does not lower issuance, recycling does).
//!
//! Alpha, per subnet: `minted − recycled = alpha reserve + alpha outstanding`, and
//! `alpha outstanding = Σ stake + pending buckets + protocol-held + burned`.

use std::collections::BTreeMap;
use std::fmt;

use yumalab_agents::units::NetUid;

/// The TAO side of the ledger, in rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaoLedger {
    /// TAO that existed at genesis (balances and initial pool reserves).
    pub genesis: u64,
    /// TAO issued before the simulation and held outside it (counts towards
    /// `TotalIssuance`, hence halvings, but belongs to no simulated account).
    pub external: u64,
    /// Block emission minted.
    pub minted: u64,
    /// Recycled (returned to the unissued supply; lowers `TotalIssuance`).
    pub recycled: u64,
    /// Burned (sent to the burn account; `TotalIssuance` unchanged).
    pub burned: u64,
    /// Swap fees paid to block authors (held by them; counted as existing TAO).
    pub author_fees: u64,
}

/// One subnet's alpha ledger, in alpha rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlphaLedger {
    /// Minted: initial pool reserve, injections, per-block alpha emission.
    pub minted: u64,
    /// Recycled: registration alpha, root alpha when root does not sell, distribution dust.
    pub recycled: u64,
    /// Burned: miner incentive withheld from the owner's own hotkeys.
    pub burned: u64,
}

/// The whole ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// TAO.
    pub tao: TaoLedger,
    /// Alpha per subnet.
    pub alpha: BTreeMap<NetUid, AlphaLedger>,
}

/// A broken conservation invariant: which one, and both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConservationError {
    /// The block at which it was found.
    pub block: u64,
    /// What was compared.
    pub what: String,
    /// What the ledger says should exist.
    pub expected: u128,
    /// What the state holds.
    pub found: u128,
}

impl fmt::Display for ConservationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "conservation broken at block {}: {}: ledger says {} rao, state holds {} rao (difference {})",
            self.block,
            self.what,
            self.expected,
            self.found,
            self.found as i128 - self.expected as i128
        )
    }
}

impl std::error::Error for ConservationError {}

/// An amount of money beyond what can exist: more rao of a token than its 21 000 000 supply
/// ([`crate::chain::emission::TOTAL_SUPPLY`]), and so possibly more than a `u64` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplyError {
    /// What overflowed, e.g. ``TotalIssuance with the genesis balance of coldkey `a/0` ``.
    pub what: String,
    /// The amount it would have reached, rao.
    pub amount: u128,
    /// The bound, rao.
    pub bound: u64,
}

impl fmt::Display for SupplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} would be {} rao, more than the supply of {} rao (21 000 000 tokens)",
            self.what, self.amount, self.bound
        )
    }
}

impl std::error::Error for SupplyError {}
