//! Worlds: a chain that starts from the state of a live network instead of an empty genesis.
//!
//! - [`snapshot`]: the snapshot file (the network after one block) and its validation;
//! - [`build`]: a validated [`Snapshot`] → a [`World`] (a [`Chain`] and who holds what in it);
//! - [`World::step_block`] and [`coinbase`]: step it with no agents, keeping each block's
//!   [`CoinbaseRecord`] (what `yumalab coinbase` prints).
//!
//! # How a snapshot becomes a chain
//! The chain is at block `snapshot.block` (the next block stepped is `block + 1`), with the
//! regime's [`ChainParams`] and `tao_weight`, `owner_cut`, `moving_alpha`, `gate` and
//! `subnet_limit` from the snapshot ([`Snapshot::chain_params`]); the gate's stored bar is
//! [`Chain::gate_bar`]; `lock_cost` is `NetworkLastLockCost`, dated at the latest
//! `registered_at` (the last subnet registration).
//!
//! Who holds what. The rest of the network is one aggregate party, **`network`** (one coldkey
//! and one hotkey):
//! - **root**: `root_tao` is staked by `network` on the `network` hotkey, which holds a root
//!   UID (§13.5);
//! - **each subnet**: a pool with `tao_reserve`, `alpha_reserve` and the quote weight
//!   `tao_weight_in_pool`; the reservoirs; and `alpha_outstanding` split into
//!   `protocol_alpha` (`SubnetProtocolAlpha`, held by nobody) and the rest, staked by
//!   `network` on the `network` hotkey. So `SubnetAlphaOut = Σ stake + protocol alpha`, and
//!   alpha is conserved to the rao. The subnet's owner is a coldkey and hotkey of its own
//!   (`snN-owner`, uid 0, holding nothing), which receives the owner cut.
//! - **TAO**: root stake, pool reserves and TAO reservoirs are genesis TAO; the rest of
//!   `total_issuance` is held outside the simulation ([`Chain::add_external_issuance`]), so
//!   `TotalIssuance` (and the halvings) is the snapshot's.
//!
//! With [`Holder::Validator`] the `network` hotkey is also registered on every subnet (uid 1),
//! so each subnet's epoch pays its emission to the stake that exists, as the live network's
//! validators are paid, instead of recycling it for lack of recipients; being on root, it also
//! earns the root dividends (§13.5). It sets no weights, so the epoch's fallback gives it the
//! validator and miner emission (§3.10). With [`Holder::Passive`] it holds the stake but takes
//! no part in the epochs (for worlds in which agents join a subnet).
//!
//! What a snapshot does not say, and how it is filled: the epoch phase (staggered as for new
//! subnets: `LastEpochBlock = block − netuid mod tempo`), the pending emission buckets (empty),
//! the neurons (none but the owner and, with [`Holder::Validator`], `network`), registration
//! prices and hyperparameters other than `tempo` (the regime's defaults).
//!
//! `MinerBurned` is held at the snapshot's value ([`World::held_miner_burned`]): no miners are
//! modelled, and an epoch that pays no miner incentive would otherwise set it to 0 and change
//! every share at that subnet's next block.

pub mod snapshot;

use std::collections::BTreeMap;
use std::fmt;

use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};

use crate::chain::block::EpochRecord;
use crate::chain::ledger::ConservationError;
use crate::chain::params::{ChainParams, SubnetParams};
use crate::chain::pool::Pool;
use crate::chain::state::{Chain, CoinbaseRecord};
pub use snapshot::Snapshot;

/// Whether the aggregate `network` holder takes part in the subnets' epochs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Registered on every subnet (uid 1): the subnets' emission is paid to the stake that
    /// exists, as on the live network.
    Validator,
    /// Holds the stake only; the subnets' neurons are whoever registers later.
    Passive,
}

/// A chain built from a snapshot, and the accounts the builder made.
#[derive(Clone, Debug)]
pub struct World {
    /// The chain.
    pub chain: Chain,
    /// The aggregate holder's coldkey.
    pub network_coldkey: ColdkeyId,
    /// The aggregate holder's hotkey: root stake (with a root UID) and every subnet's stake.
    pub network_hotkey: HotkeyId,
    /// Each subnet's owner (coldkey, hotkey).
    pub owners: BTreeMap<NetUid, (ColdkeyId, HotkeyId)>,
    /// `MinerBurned` per subnet, restored after every block by [`World::step_block`] (see the
    /// module docs). Remove a subnet to let the chain's epochs set it.
    pub held_miner_burned: BTreeMap<NetUid, f64>,
}

/// Why a snapshot could not be built into a chain. [`Snapshot::parse`] refuses all of these
/// already; they can only come from a [`Snapshot`] assembled by hand.
#[derive(Clone, Debug, PartialEq)]
pub enum BuildError {
    /// A netuid is 0 or appears twice.
    Netuid(NetUid),
    /// The modelled TAO (root stake, reserves, reservoirs) exceeds `total_issuance`.
    Issuance {
        /// Modelled TAO, rao.
        modelled: u128,
        /// `total_issuance`, rao.
        total_issuance: u64,
    },
    /// The built chain does not conserve (a bug, or amounts that overflow).
    Conservation(ConservationError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Netuid(n) => write!(f, "invalid or repeated netuid {}", n.0),
            BuildError::Issuance {
                modelled,
                total_issuance,
            } => write!(
                f,
                "modelled TAO ({modelled} rao) exceeds total_issuance ({total_issuance} rao)"
            ),
            BuildError::Conservation(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Builds the chain a snapshot describes (see the module docs for who holds what).
///
/// # Errors
/// [`BuildError`] for a snapshot that [`Snapshot::parse`] would have refused.
pub fn build(snapshot: &Snapshot, holder: Holder) -> Result<World, BuildError> {
    let params: ChainParams = snapshot.chain_params();
    let g = &snapshot.globals;
    let modelled = snapshot.modelled_tao();
    if modelled > u128::from(g.total_issuance) {
        return Err(BuildError::Issuance {
            modelled,
            total_issuance: g.total_issuance,
        });
    }
    let mut chain = Chain::new(params);
    chain.block = snapshot.block;
    chain.network_last_lock = g.lock_cost;
    chain.network_last_lock_block = snapshot
        .subnets
        .iter()
        .map(|s| s.registered_at)
        .max()
        .unwrap_or(0);
    chain.gate_bar = g.gate.map_or(0.0, |gate| gate.bar);

    let network_coldkey = chain.add_coldkey("network", 0);
    let network_hotkey = chain.add_hotkey("network", network_coldkey);
    chain.root_stake_at_genesis(network_coldkey, network_hotkey, g.root_tao);

    let kind = chain.pool_kind();
    let mut owners = BTreeMap::new();
    let mut held_miner_burned = BTreeMap::new();
    for s in &snapshot.subnets {
        let name = format!("sn{}-owner", s.netuid.0);
        let owner_coldkey = chain.add_coldkey(name.clone(), 0);
        let owner_hotkey = chain.add_hotkey(name, owner_coldkey);
        let mut pool = Pool::new(kind, s.tao_reserve, s.alpha_reserve);
        pool.w_quote = s.tao_weight_in_pool;
        let subnet_params = SubnetParams {
            tempo: s.tempo,
            ..SubnetParams::default()
        };
        let netuid = chain
            .add_subnet_at(
                s.netuid,
                subnet_params,
                owner_coldkey,
                owner_hotkey,
                pool,
                s.first_emission_block,
            )
            .ok_or(BuildError::Netuid(s.netuid))?;
        chain
            .protocol_alpha_at_genesis(netuid, s.protocol_alpha)
            .ok_or(BuildError::Netuid(netuid))?;
        chain
            .stake_at_genesis(
                network_coldkey,
                network_hotkey,
                netuid,
                s.alpha_outstanding - s.protocol_alpha.min(s.alpha_outstanding),
            )
            .ok_or(BuildError::Netuid(netuid))?;
        chain
            .reservoirs_at_genesis(netuid, s.tao_reservoir, s.alpha_reservoir)
            .ok_or(BuildError::Netuid(netuid))?;
        if holder == Holder::Validator {
            chain.register_at_genesis(network_hotkey, netuid);
        }
        let subnet = chain.subnets.get_mut(&netuid).expect("just added");
        subnet.registered_at = s.registered_at;
        subnet.moving_price = s.moving_price;
        subnet.miner_burned = s.miner_burned;
        subnet.emission_enabled = s.emission_enabled;
        owners.insert(netuid, (owner_coldkey, owner_hotkey));
        held_miner_burned.insert(netuid, s.miner_burned);
    }
    chain.add_external_issuance(g.total_issuance - chain.total_issuance);
    chain
        .check_conservation()
        .map_err(BuildError::Conservation)?;
    Ok(World {
        chain,
        network_coldkey,
        network_hotkey,
        owners,
        held_miner_burned,
    })
}

impl World {
    /// Steps one block ([`Chain::step_block`]), then restores the held `MinerBurned` values.
    pub fn step_block(&mut self, epochs: &mut Vec<EpochRecord>) {
        self.chain.step_block(epochs);
        for (netuid, burned) in &self.held_miner_burned {
            if let Some(s) = self.chain.subnets.get_mut(netuid) {
                s.miner_burned = *burned;
            }
        }
    }
}

/// Steps `blocks` blocks with no agents and returns each block's coinbase, checking
/// conservation after every block.
///
/// # Errors
/// The first broken conservation invariant.
pub fn coinbase(world: &mut World, blocks: u64) -> Result<Vec<CoinbaseRecord>, ConservationError> {
    let mut records = Vec::with_capacity(usize::try_from(blocks).unwrap_or(0).min(1 << 20));
    let mut epochs = Vec::new();
    for _ in 0..blocks {
        world.step_block(&mut epochs);
        epochs.clear();
        world.chain.check_conservation()?;
        records.push(world.chain.last_coinbase.clone());
    }
    Ok(records)
}
