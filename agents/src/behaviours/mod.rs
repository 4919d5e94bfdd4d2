//! Built-in behaviours, one file each. Every behaviour documents its parameters; parameter
//! structs deserialize from scenario files (unknown fields rejected).
//!
//! Miners: [`honest_miner`], [`copying_miner`], [`sybil_miner`], [`colluding_miner`].
//! Validators: [`honest_validator`], [`lazy_validator`], [`weight_copier`],
//! [`colluding_validator`], and the benchmark's [`fixed_weights`]. Scripted (for reproducing
//! published cases): [`scripted_validator`], [`scripted_miner`].
//! Delegators: [`speculator`], [`root_staker`]. Subnet owners: [`owner`]. Any of them may enter and leave:
//! [`dynamic`].

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::units::{ColdkeyId, HotkeyId, NetUid};

/// Who an agent is on chain: its coldkey, the hotkeys it operates (one for most behaviours,
/// k for a sybil operator) and the subnet it works on (delegators: the subnet they start on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The agent's wallet.
    pub coldkey: ColdkeyId,
    /// The hotkeys it operates.
    pub hotkeys: Vec<HotkeyId>,
    /// Its subnet.
    pub netuid: NetUid,
}

/// The random stream of an agent, from a seed the engine derives from (run seed, stable
/// agent id) with [`crate::derive_seed`]. ChaCha8, named, so streams do not change between
/// `rand` releases.
pub fn stream(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

pub mod colluding_miner;
pub mod colluding_validator;
pub mod copying_miner;
pub mod dynamic;
pub mod fixed_weights;
pub mod honest_miner;
pub mod honest_validator;
pub mod lazy_validator;
pub mod owner;
pub mod root_staker;
pub mod scripted_miner;
pub mod scripted_validator;
pub mod speculator;
pub mod sybil_miner;
pub mod weight_copier;
