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
//!   UID (§13.5); a scenario whose adopted subnets delegate (`stakers: delegate`) nominates it
//!   to their validators instead ([`nominate_root`]);
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
//!
//! # Worlds for scenarios
//! A scenario that starts from a snapshot (`network:` in its file, [`crate::scenario`]) builds
//! its world with [`Holder::Background`]: every snapshot subnet is a **background subnet**
//! ([`background`]): no Yuma, its epochs pay one aggregate holder per role. The scenario's own
//! subnets then join the world at genesis, in two ways:
//! - [`adopt`]: a snapshot netuid's state (pool and its weights, reservoirs, outstanding and
//!   protocol alpha, moving price, `MinerBurned`, emission flag, registration and first
//!   emission blocks) with the scenario's owner, hyperparameters and neurons. The outstanding
//!   alpha the snapshot's holders owned stays staked, by a passive `snN-stakers` holder that is
//!   not registered (so it takes no part in epochs, and alpha is conserved to the rao), or, with
//!   `stakers: delegate`, nominated by the caller to the scenario's validators, and the
//!   world's root stake with it ([`nominate_root`]: split between the delegating adopted
//!   subnets in proportion to the TAO value of the alpha nominated on each, then between a
//!   subnet's validators in proportion to their genesis stakes, `crate::population`); with
//!   `market: moving` the world's market trades it too ([`market::list`]), selling from an
//!   inventory carved out of the holders' stake ([`market_inventory`]);
//! - [`register`]: a new subnet, registered as the chain registers one (§8.3, §6.5, §13.12):
//!   the lock the chain asks at the snapshot block seeds the pool at the median spot price,
//!   the moving price starts at 0, and at the subnet limit the prune target is dissolved
//!   first (its cleanup delay and the queue's are skipped at genesis).
//!
//! [`plan`] runs the same steps on a scratch chain, so that a scenario knows its netuids,
//! pools and locks (and what cannot be done) when it is validated.

pub mod background;
pub mod market;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fmt;

use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};

use crate::chain::block::EpochRecord;
use crate::chain::ledger::ConservationError;
use crate::chain::params::{ChainParams, SubnetParams};
use crate::chain::pool::{Pool, new_subnet_pool};
use crate::chain::state::{BackgroundHolders, Chain, CoinbaseRecord};
use crate::replay::Format;
use crate::scenario::Problems;
pub use snapshot::{Snapshot, SubnetState};

/// Whether the aggregate `network` holder takes part in the subnets' epochs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Registered on every subnet (uid 1): the subnets' emission is paid to the stake that
    /// exists, as on the live network.
    Validator,
    /// Holds the stake only; the subnets' neurons are whoever registers later.
    Passive,
    /// Holds the stake only, and every subnet is a background subnet ([`background`]): its
    /// epochs pay the `background-miners`, `background-validators` and `network` (root)
    /// holders and its owner, with no Yuma. For scenarios' worlds.
    Background,
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
    /// With [`Holder::Background`]: who the background subnets' epochs pay.
    pub background: Option<BackgroundHolders>,
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
    build_with(snapshot, snapshot.chain_params(), holder, &[])
}

/// [`build`] with the chain's parameters given (a scenario's: the snapshot's regime and
/// globals under the scenario's own overrides), leaving out the subnets in `skip` (a scenario
/// [`adopt`]s them).
///
/// # Errors
/// As [`build`].
pub fn build_with(
    snapshot: &Snapshot,
    params: ChainParams,
    holder: Holder,
    skip: &[NetUid],
) -> Result<World, BuildError> {
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
    let background = (holder == Holder::Background).then(|| {
        let mut pair = |name: &str| {
            let c = chain.add_coldkey(name, 0);
            (c, chain.add_hotkey(name, c))
        };
        BackgroundHolders {
            miners: pair("background-miners"),
            validators: pair("background-validators"),
            root: (network_coldkey, network_hotkey),
        }
    });

    let kind = chain.pool_kind();
    let mut owners = BTreeMap::new();
    let mut held_miner_burned = BTreeMap::new();
    for s in snapshot
        .subnets
        .iter()
        .filter(|s| !skip.contains(&s.netuid))
    {
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
        subnet.background = background;
        owners.insert(netuid, (owner_coldkey, owner_hotkey));
        held_miner_burned.insert(netuid, s.miner_burned);
    }
    // The background is stepped every `BACKGROUND_INTERVAL` blocks (`background`, "Stepping")
    // under the price rules; under the net-flow rule every subnet is stepped every block.
    if background.is_some() && chain.price_rule().is_some() {
        chain.background_clock = Some(Box::new(background::BackgroundClock::new()));
    }
    // The left-out subnets' TAO is the scenario's to add (`adopt`): held outside until then.
    let skipped: u64 = snapshot
        .subnets
        .iter()
        .filter(|s| skip.contains(&s.netuid))
        .map(|s| s.tao_reserve + s.tao_reservoir)
        .sum();
    chain.add_external_issuance(g.total_issuance - chain.total_issuance - skipped);
    chain
        .check_conservation()
        .map_err(BuildError::Conservation)?;
    Ok(World {
        chain,
        network_coldkey,
        network_hotkey,
        owners,
        held_miner_burned,
        background,
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

// ------------------------------------------------------------------------- scenario subnets

/// What [`adopt`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adopted {
    /// The netuid (the snapshot's).
    pub netuid: NetUid,
    /// The holder of the snapshot's outstanding alpha (its hotkey is not registered).
    pub stakers: (ColdkeyId, HotkeyId),
    /// The holders' alpha [`adopt`] left for the caller to stake from `stakers.0` (when it
    /// nominates it to validators); 0 when the passive holder staked it.
    pub to_nominate: u64,
    /// The alpha carved out of the holders' stake as the market's inventory (`market`), rao.
    pub market_inventory: u64,
}

/// The market's inventory on an adopted subnet ([`market`]): half the pool's alpha reserve,
/// at most the holders' stake `held`.
pub fn market_inventory(alpha_reserve: u64, held: u64) -> u64 {
    (alpha_reserve / 2).min(held)
}

/// Creates the snapshot subnet `state` in `chain` as one of a scenario's own subnets, owned by
/// `owner` (coldkey, hotkey; the hotkey takes uid 0) with hyperparameters `params`: the
/// snapshot's pool (reserves and quote weight), reservoirs, protocol alpha, moving price,
/// `MinerBurned`, emission flag, `registered_at` and first emission block. The outstanding
/// alpha not held by the protocol is staked by a new passive holder, `snN-stakers`, which is
/// not registered, less `carved`: the alpha the scenario's own agents stake at genesis on this
/// subnet, which stands for part of the snapshot holders' stake (so the scenario's validators
/// are the subnet's stakers, and its outstanding alpha stays the snapshot's). With `nominate`
/// the holder stakes nothing here: the caller stakes [`Adopted::to_nominate`] from its
/// coldkey to the validators it nominates ([`Chain::stake_at_genesis`]). The pool's TAO
/// and the reservoirs count as genesis TAO, as in [`build`]. With `market_party` (the
/// `network` coldkey and hotkey) the subnet is listed on the market ([`market::list`]) and the
/// party stakes [`market_inventory`] of the holders' stake (after `carved`) as the inventory it
/// sells from. `None` (nothing changed) if the netuid is already taken or `carved` is more
/// than the holders' stake.
pub fn adopt(
    chain: &mut Chain,
    state: &SubnetState,
    params: SubnetParams,
    owner: (ColdkeyId, HotkeyId),
    carved: u64,
    nominate: bool,
    market_party: Option<(ColdkeyId, HotkeyId)>,
) -> Option<Adopted> {
    let held = state.alpha_outstanding - state.protocol_alpha.min(state.alpha_outstanding);
    if carved > held {
        return None;
    }
    if chain.subnets.contains_key(&state.netuid) {
        return None;
    }
    let mut pool = Pool::new(chain.pool_kind(), state.tao_reserve, state.alpha_reserve);
    pool.w_quote = state.tao_weight_in_pool;
    let netuid = chain.add_subnet_at(
        state.netuid,
        params,
        owner.0,
        owner.1,
        pool,
        state.first_emission_block,
    )?;
    chain.protocol_alpha_at_genesis(netuid, state.protocol_alpha)?;
    let name = format!("sn{}-stakers", netuid.0);
    let coldkey = chain.add_coldkey(name.clone(), 0);
    let hotkey = chain.add_hotkey(name, coldkey);
    let mut staked = held - carved;
    let mut market_inventory = 0;
    // Only a chain with a market (not a world whose markets are frozen) lists the subnet.
    if let Some((mc, mh)) = market_party.filter(|_| chain.market.is_some()) {
        market_inventory = self::market_inventory(state.alpha_reserve, staked);
        staked -= market_inventory;
        if market_inventory > 0 {
            chain.stake_at_genesis(mc, mh, netuid, market_inventory)?;
        }
        market::list(chain, netuid);
    }
    if staked > 0 && !nominate {
        chain.stake_at_genesis(coldkey, hotkey, netuid, staked)?;
    }
    chain.reservoirs_at_genesis(netuid, state.tao_reservoir, state.alpha_reservoir)?;
    let s = chain.subnets.get_mut(&netuid)?;
    s.registered_at = state.registered_at;
    s.moving_price = state.moving_price;
    s.miner_burned = state.miner_burned;
    s.emission_enabled = state.emission_enabled;
    Some(Adopted {
        netuid,
        stakers: (coldkey, hotkey),
        to_nominate: if nominate { staked } else { 0 },
        market_inventory,
    })
}

/// Splits `total` rao in proportion to `weights` (⌊total·w/Σw⌋; equally if every weight is
/// 0); the rao of rounding go to the first. Empty if `weights` is.
pub fn pro_rata(total: u64, weights: &[u64]) -> Vec<u64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|&w| {
            (u128::from(total) * u128::from(w))
                .checked_div(sum)
                .map_or(total / weights.len() as u64, |x| x as u64)
        })
        .collect();
    parts[0] += total - parts.iter().sum::<u64>();
    parts
}

/// Nominates the world's root stake — what `network` (`from`: coldkey, hotkey) holds on root
/// ([`build`]) — to the validators of the scenario's adopted subnets at genesis: on the live
/// network the validators of a subnet are the big root validators. Their stake weight becomes
/// alpha + TaoWeight × root stake, and since only root-registered hotkeys earn root dividends
/// (§13.5), an adopted subnet whose validators hold no root stake would recycle its root share
/// every epoch. `to`: (hotkey, weight); each hotkey is given a root UID (at genesis, as the
/// starting population's root stakers are) and `⌊R·w/Σw⌋` of the root stake R, staked from the
/// `network` coldkey, the rao of rounding to the first ([`pro_rata`]). A hotkey that finds
/// root's 64 seats taken gets nothing (root stake without a UID earns no root dividends).
/// Returns the root stake moved: 0, and nothing changed, if `network` holds none or no hotkey
/// of `to` gets a seat. `SubnetTAO[root]` is unchanged, and so is every subnet's root
/// proportion (§5.4); the background subnets pay their root dividends to the `network` holder
/// as before ([`background`]).
pub fn nominate_root(
    chain: &mut Chain,
    from: (ColdkeyId, HotkeyId),
    to: &[(HotkeyId, u64)],
) -> u64 {
    let total = chain.root.pool(from.1).map_or(0, |p| p.stake_of(from.0));
    if total == 0 {
        return 0;
    }
    let seated: Vec<(HotkeyId, u64)> = to
        .iter()
        .copied()
        .filter(|&(h, _)| chain.root_register_at_genesis(h))
        .collect();
    if seated.is_empty() {
        return 0;
    }
    let weights: Vec<u64> = seated.iter().map(|n| n.1).collect();
    let parts = pro_rata(total, &weights);
    let emptied = match chain.root.pool_mut(from.1) {
        Some(mut p) => {
            if p.withdraw(from.0, total).is_err() {
                return 0;
            }
            !p.has_holders() && p.value() == 0
        }
        None => false,
    };
    if emptied {
        chain.root.remove(from.1);
    }
    for (&(h, _), &part) in seated.iter().zip(&parts) {
        if part > 0 {
            chain.root.pool_entry(h).deposit(from.0, part);
        }
    }
    total
}

/// What [`register`] made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Registered {
    /// The new netuid: the lowest free one (the pruned subnet's, at the limit).
    pub netuid: NetUid,
    /// The lock (§8.3) that seeded the pool, rao of TAO.
    pub lock: u64,
    /// The median spot price the pool was seeded at (§6.5; `None`: no priced subnet, 1).
    pub median_price: Option<f64>,
    /// The subnet dissolved to make room (§13.12), if the network was full.
    pub pruned: Option<NetUid>,
}

/// Why a subnet could not be registered at genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// The network is full and every subnet is immune to pruning.
    AllImmune,
    /// The network is full and the prune target is one of the scenario's own subnets.
    WouldPrune(NetUid),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::AllImmune => write!(
                f,
                "the network is at its subnet limit and every subnet is immune to pruning"
            ),
            RegisterError::WouldPrune(n) => write!(
                f,
                "the network is at its subnet limit and the prune target (lowest moving price) is netuid {}, one of the scenario's own subnets",
                n.0
            ),
        }
    }
}

/// Registers a new subnet in `chain` at genesis, owned by `owner`, as the chain registers one
/// (§8.3, §6.5, §13.12): the lock is [`Chain::network_lock_cost`] at the current block; at the
/// subnet limit the prune target ([`Chain::subnet_to_prune`]) is dissolved
/// ([`Chain::dissolve_subnet`]: its stakers are paid out) and its netuid is reused at once —
/// **the cleanup delay and the registration queue's are skipped at genesis**; the pool is seeded
/// with the lock at the median spot price taken before the dissolution; the moving price starts
/// at 0, as for a subnet registered by extrinsic. The lock is genesis TAO (nobody's balance pays
/// it) and becomes the last lock (`NetworkLastLockCost`, dated now), so a second registration
/// at the same block costs twice as much; the rate limit between registrations is not applied.
/// `keep`: the scenario's subnets so far, which must not be pruned.
///
/// # Errors
/// [`RegisterError`]; nothing is changed then.
pub fn register(
    chain: &mut Chain,
    params: SubnetParams,
    owner: (ColdkeyId, HotkeyId),
    first_emission_block: Option<u64>,
    keep: &[NetUid],
) -> Result<Registered, RegisterError> {
    let lock = chain.network_lock_cost();
    let median_price = chain.median_subnet_price();
    let mut pruned = None;
    if chain.network_full() {
        let target = chain.subnet_to_prune().ok_or(RegisterError::AllImmune)?;
        if keep.contains(&target) {
            return Err(RegisterError::WouldPrune(target));
        }
        chain.dissolve_subnet(target);
        chain.dissolving.retain(|(n, _)| *n != target);
        pruned = Some(target);
    }
    let pool = new_subnet_pool(
        chain.pool_kind(),
        lock,
        chain.params.network_min_lock,
        median_price,
    );
    // Saturating: a lock beyond the supply (a hostile `chain:`) is refused by the supply
    // check of the scenario's genesis, never wrapped here.
    chain.ledger.tao.genesis = chain.ledger.tao.genesis.saturating_add(pool.tao);
    chain.total_issuance = chain.total_issuance.saturating_add(pool.tao);
    let netuid = chain.create_subnet(params, owner.0, owner.1, pool, first_emission_block);
    chain.network_last_lock = lock;
    chain.network_last_lock_block = chain.block;
    Ok(Registered {
        netuid,
        lock,
        median_price,
        pruned,
    })
}

/// How one of a scenario's subnets joins a world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// Takes over a snapshot subnet ([`adopt`]).
    Adopt(NetUid),
    /// Registers as a new subnet ([`register`]).
    Register,
}

/// What [`plan`] found for one joining subnet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Planned {
    /// Its netuid.
    pub netuid: NetUid,
    /// Its pool's TAO reserve at genesis, rao.
    pub tao_reserve: u64,
    /// Its pool's spot price at genesis, TAO per alpha.
    pub price: f64,
    /// Genesis TAO it adds to the issuance: the lock of a registration (0 for an adoption,
    /// whose TAO is the snapshot's), rao.
    pub lock: u64,
    /// The subnet a registration pruned.
    pub pruned: Option<NetUid>,
}

/// The order in which [`plan`] and a scenario's build join subnets: every adoption first (so
/// they count towards the subnet limit and are never pruned), then the registrations, each in
/// the order given. Indices into `joins`.
pub fn join_order(joins: &[Join]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..joins.len())
        .filter(|&k| matches!(joins[k], Join::Adopt(_)))
        .collect();
    order.extend((0..joins.len()).filter(|&k| joins[k] == Join::Register));
    order
}

/// Joins `joins` to the world of `snapshot` (built with `params`, [`Holder::Background`]) on a
/// scratch chain, with placeholder owners and default hyperparameters (neither changes
/// netuids, pools or locks), in [`join_order`]. One result per join, in the order given. The
/// caller checks adopted netuids first: an adoption of a netuid the snapshot lacks (or one
/// adopted twice) plans as netuid 0.
///
/// # Errors
/// [`BuildError`] if the world does not build.
pub fn plan(
    snapshot: &Snapshot,
    params: ChainParams,
    joins: &[Join],
) -> Result<Vec<Result<Planned, RegisterError>>, BuildError> {
    let adopted: Vec<NetUid> = joins
        .iter()
        .filter_map(|j| match j {
            Join::Adopt(n) => Some(*n),
            Join::Register => None,
        })
        .collect();
    let mut world = build_with(snapshot, params, Holder::Background, &adopted)?;
    let chain = &mut world.chain;
    let owner = chain.add_coldkey("plan", 0);
    let owner = (owner, chain.add_hotkey("plan", owner));
    let mut out: Vec<Option<Result<Planned, RegisterError>>> = vec![None; joins.len()];
    let mut keep = Vec::new();
    for k in join_order(joins) {
        let joined = match joins[k] {
            Join::Adopt(n) => Ok(snapshot
                .subnets
                .iter()
                .find(|s| s.netuid == n)
                .and_then(|st| adopt(chain, st, SubnetParams::default(), owner, 0, false, None))
                .map_or((NetUid(0), 0, None), |a| (a.netuid, 0, None))),
            Join::Register => register(chain, SubnetParams::default(), owner, None, &keep)
                .map(|r| (r.netuid, r.lock, r.pruned)),
        };
        out[k] = Some(joined.map(|(netuid, lock, pruned)| {
            keep.push(netuid);
            let pool = chain.subnets.get(&netuid).map(|s| &s.pool);
            Planned {
                netuid,
                tao_reserve: pool.map_or(0, |p| p.tao),
                price: pool.map_or(0.0, Pool::price),
                lock,
                pruned,
            }
        }));
    }
    Ok(out
        .into_iter()
        .map(|p| p.expect("every join is planned"))
        .collect())
}

// ------------------------------------------------------------------------------ named worlds

/// The worlds a scenario may name (`network: NAME`): snapshots shipped inside yumalab, by
/// name, with the repository file each is read from.
pub const NAMED: &[(&str, &str)] = &[(
    "mainnet-2026-08",
    "scenarios/snapshots/mainnet-2026-08.yaml",
)];

/// The text of each of [`NAMED`], in the same order.
const NAMED_TEXT: &[&str] = &[include_str!(
    "../../scenarios/snapshots/mainnet-2026-08.yaml"
)];

/// A named world's snapshot (parsed once), with the file it comes from; `None` for an unknown
/// name.
pub fn named(name: &str) -> Option<(&'static str, &'static Snapshot)> {
    static PARSED: std::sync::OnceLock<Vec<Result<Snapshot, Problems>>> =
        std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        NAMED
            .iter()
            .zip(NAMED_TEXT)
            .map(|((_, file), text)| Snapshot::parse(text, file, Format::Yaml))
            .collect()
    });
    let k = NAMED.iter().position(|(n, _)| *n == name)?;
    // The shipped snapshots are checked by the tests; a broken one is a build defect.
    let snapshot = parsed[k]
        .as_ref()
        .unwrap_or_else(|e| panic!("shipped snapshot {} is invalid: {e}", NAMED[k].1));
    Some((NAMED[k].1, snapshot))
}
