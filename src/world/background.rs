//! Background subnets: the rest of the network around a scenario's subnets, at almost no cost.
//!
//! A background subnet ([`Subnet::background`]) keeps everything the chain does for it every
//! block — its TAO share (with the gate), injection, chain buys, the alpha-out split into the
//! pending buckets, the epoch schedule and the price EMAs — but it has no neurons to run Yuma
//! Consensus on. At each of its epochs the pending buckets are paid straight to one aggregate
//! holder per role, as stake on the subnet:
//!
//! | bucket | paid to |
//! |---|---|
//! | `PendingServerEmission` (miner incentive) | `miners`, less the `MinerBurned` fraction, which is burned (held by nobody, as the chain burns an owner's own incentive) |
//! | `PendingValidatorEmission` | `validators` |
//! | `PendingRootAlphaDivs` | `root` (the root stakers' aggregate, kept as alpha) |
//! | `PendingOwnerCut` | the subnet's owner hotkey |
//!
//! **This is a rule of the world, not of the chain**: it stands for the live subnet's own
//! neurons, which the snapshot does not describe. Its consequences: `MinerBurned` stays at the
//! snapshot's value (no epoch sets it), so the subnet's share of emission keeps its weighting;
//! nothing is recycled for lack of recipients; root dividends do not go through Root Reborn
//! baskets (§13.6) but stay as alpha with the root aggregate. Alpha is conserved to the rao:
//! every rao of the buckets is staked or burned.

use yumalab_agents::units::NetUid;

use crate::chain::block::{EpochRecord, EpochTotals};
use crate::chain::state::{BackgroundHolders, Chain};

impl Chain {
    /// The epoch of a background subnet: pays its pending buckets to `holders` (module docs).
    pub(crate) fn background_epoch(
        &mut self,
        netuid: NetUid,
        holders: BackgroundHolders,
    ) -> EpochRecord {
        let s = self.subnets.get_mut(&netuid).expect("subnet");
        let pending = std::mem::take(&mut s.pending);
        // ⌊server · MinerBurned⌋ is burned; the fraction is in [0, 1], so burned ≤ server.
        let burned = ((pending.server as f64 * s.miner_burned.clamp(0.0, 1.0)).floor() as u64)
            .min(pending.server);
        let (owner_coldkey, owner_hotkey) = (s.owner_coldkey, s.owner_hotkey);
        for ((coldkey, hotkey), amount) in [
            (holders.miners, pending.server - burned),
            (holders.validators, pending.validator),
            (holders.root, pending.root),
            ((owner_coldkey, owner_hotkey), pending.owner),
        ] {
            if amount > 0 {
                s.stakes.entry(hotkey).or_default().deposit(coldkey, amount);
            }
        }
        s.alpha_burned += burned;
        self.ledger.alpha.entry(netuid).or_default().burned += burned;
        self.epoch_record(
            netuid,
            EpochTotals {
                emission: pending.server + pending.validator + pending.root,
                owner_cut: pending.owner,
                burned,
                recycled: 0,
            },
            Vec::new(),
        )
    }
}
