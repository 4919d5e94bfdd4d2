//! The chain's state: accounts, hotkeys, root, subnets, and the ledger.
//!
//! Everything is integer rao, and every collection that reaches output iterates in a fixed
//! order (vectors indexed by dense ids, `BTreeMap`s keyed by ids), so a run is deterministic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use yumalab_agents::Served;
use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};

use super::basket::Baskets;
use super::emission::TOTAL_SUPPLY;
use super::ledger::{AlphaLedger, ConservationError, Ledger, SupplyError};
use super::params::{BurnRule, ChainParams, PoolRule, SubnetParams};
use super::pool::{Pool, PoolKind};
use super::registration::{BurnState, LegacyBurnState, u64f64_from_f64};
use super::shares::FlowState;
use super::stake::SharePool;
use crate::yuma::SparseRow;

/// A subnet's neuron registration price, by rule (spec §8.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationPrice {
    /// Today: half-life decay per block, multiplier per registration.
    HalfLife(BurnState),
    /// Before 2026-04-22: interval adjustment, per-block and per-interval caps.
    Interval(LegacyBurnState),
}

impl RegistrationPrice {
    /// The current burn in rao.
    pub fn burn(&self) -> u64 {
        match self {
            RegistrationPrice::HalfLife(b) => b.burn,
            RegistrationPrice::Interval(b) => b.burn,
        }
    }

    /// Start of block `block`.
    pub fn on_block(&mut self, block: u64) {
        match self {
            RegistrationPrice::HalfLife(b) => b.on_block_at(block),
            RegistrationPrice::Interval(b) => b.on_block(block),
        }
    }

    /// Whether one more registration is allowed now.
    pub fn can_register(&self) -> bool {
        match self {
            RegistrationPrice::HalfLife(_) => true,
            RegistrationPrice::Interval(b) => b.can_register(),
        }
    }

    /// After a registration.
    pub fn on_register(&mut self) {
        match self {
            RegistrationPrice::HalfLife(b) => b.on_register(),
            RegistrationPrice::Interval(b) => b.on_register(),
        }
    }
}

/// A coldkey: a wallet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coldkey {
    /// A name for reports.
    pub name: String,
    /// Free TAO in rao.
    pub balance: u64,
}

/// A hotkey: a neuron identity, owned by a coldkey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hotkey {
    /// A name for reports.
    pub name: String,
    /// The owning coldkey.
    pub owner: ColdkeyId,
    /// Delegate take, u16 proportion.
    pub take: u16,
}

/// One registered neuron (a uid's current occupant) and what the last epoch said of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Neuron {
    /// The occupant's hotkey.
    pub hotkey: HotkeyId,
    /// `BlockAtRegistration`.
    pub registered_at: u64,
    /// `LastUpdate`: last block it set or committed weights.
    pub last_update: u64,
    /// Last block it *set* weights directly (for the rate limit).
    pub last_set_weights: u64,
    /// `ValidatorPermit` written by the last epoch.
    pub permit: bool,
    /// Last epoch's outputs.
    pub consensus: f64,
    /// Last epoch's incentive.
    pub incentive: f64,
    /// Last epoch's dividends.
    pub dividends: f64,
    /// Last epoch's validator trust.
    pub validator_trust: f64,
    /// Last epoch's stake weight (fraction).
    pub stake_weight: f64,
    /// Last epoch's stake input (alpha + TaoWeight × root), rao.
    pub stake: f64,
    /// Last epoch's `Emission` (alpha rao), used for pruning.
    pub emission: u64,
    /// Whether it counted as active in the last epoch.
    pub active: bool,
}

/// Weights committed under commit-reveal, waiting for their reveal epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The committing uid (and the hotkey, in case the uid is replaced meanwhile).
    pub uid: u16,
    /// The hotkey that committed.
    pub hotkey: HotkeyId,
    /// The committed row (max-upscaled u16).
    pub weights: SparseRow,
    /// Block of the commit.
    pub commit_block: u64,
    /// Epoch index at the commit.
    pub commit_epoch: u64,
}

/// Alpha waiting for the next epoch (spec §5.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// `PendingServerEmission`.
    pub server: u64,
    /// `PendingValidatorEmission`.
    pub validator: u64,
    /// `PendingRootAlphaDivs`.
    pub root: u64,
    /// `PendingOwnerCut`.
    pub owner: u64,
}

impl Pending {
    /// Σ of the four buckets.
    pub fn total(&self) -> u64 {
        self.server + self.validator + self.root + self.owner
    }
}

/// Epoch scheduling state (spec §2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochClock {
    /// `LastEpochBlock`.
    pub last_epoch_block: u64,
    /// `PendingEpochAt` (0 = none).
    pub pending_epoch_at: u64,
    /// `BlocksSinceLastStep`.
    pub blocks_since_last_step: u64,
    /// `SubnetEpochIndex`.
    pub epoch_index: u64,
    /// `LastMechansimStepBlock`.
    pub last_mechanism_step_block: u64,
    /// `LastYumaStepBlock` (§13.11): the block of the last Yuma epoch (0 = unset); Null epochs
    /// leave it, so they do not move the recently-registered bond cutoff.
    pub last_yuma_step_block: u64,
}

/// One subnet.
#[derive(Clone, Debug)]
pub struct Subnet {
    /// Its id.
    pub netuid: NetUid,
    /// Hyperparameters.
    pub params: SubnetParams,
    /// The owner's coldkey.
    pub owner_coldkey: ColdkeyId,
    /// The owner's hotkey (`SubnetOwnerHotkey`).
    pub owner_hotkey: HotkeyId,
    /// The TAO/alpha pool (`SubnetTAO`, `SubnetAlphaIn`).
    pub pool: Pool,
    /// `SubnetAlphaOut`: alpha outside the pool.
    pub alpha_out: u64,
    /// `SubnetProtocolAlpha`: alpha bought by the chain with excess TAO, held by nobody.
    pub protocol_alpha: u64,
    /// Alpha burned (still counted in `alpha_out`, held by nobody).
    pub alpha_burned: u64,
    /// Pending emission.
    pub pending: Pending,
    /// Registered neurons, by uid.
    pub neurons: Vec<Neuron>,
    /// Stored weight rows, by uid.
    pub weights: Vec<SparseRow>,
    /// Stored bond rows, by uid.
    pub bonds: Vec<SparseRow>,
    /// Unrevealed commits, in commit order.
    pub commits: Vec<Commit>,
    /// Off chain: the work each uid last served (what validators evaluate), by uid.
    pub served: Vec<Option<Served>>,
    /// Alpha stake pools, by hotkey.
    pub stakes: BTreeMap<HotkeyId, SharePool>,
    /// `SubnetMovingPrice`.
    pub moving_price: f64,
    /// `FirstEmissionBlockNumber` (`None` until the owner starts the subnet).
    pub first_emission_block: Option<u64>,
    /// Block at which the subnet was registered.
    pub registered_at: u64,
    /// Epoch scheduling.
    pub clock: EpochClock,
    /// Neuron registration price.
    pub burn: RegistrationPrice,
    /// Registrations this block.
    pub registrations_this_block: u32,
    /// `MinerBurned`: fraction of the last epoch's miner incentive withheld from the owner.
    pub miner_burned: f64,
    /// `SubnetEmissionEnabled`.
    pub emission_enabled: bool,
    /// TAO injected (`tao_in`) since the last epoch, for records.
    pub tao_in_since_epoch: u64,
    /// Alpha injected (`alpha_in`) since the last epoch, for records.
    pub alpha_in_since_epoch: u64,
    /// Alpha emitted (`alpha_out`) since the last epoch, for records.
    pub alpha_emitted_since_epoch: u64,
    /// TAO of excess chain buys since the last epoch, for records.
    pub excess_tao_since_epoch: u64,
    /// This block's TAO share (fraction of the block emission).
    pub share: f64,
    /// Net TAO flow accumulators and EMAs (read by the 2025-11 flow share rule).
    pub flow: FlowState,
    /// `BalancerTaoReservoir` (§13.3): TAO moved out of the block credit that the pool's
    /// weight bounds could not absorb yet; outside `SubnetTAO`, so it does not move the price.
    pub tao_reservoir: u64,
    /// `BalancerAlphaReservoir` (§13.3): minted alpha waiting to enter the pool; counts in
    /// the subnet's alpha issuance.
    pub alpha_reservoir: u64,
    /// Miner registration collateral (`MinerCollateral`, §13.8), by (hotkey, coldkey); it
    /// survives deregistration.
    pub collateral: BTreeMap<(HotkeyId, ColdkeyId), super::collateral::Collateral>,
    /// `SubnetFastMovingPrice` (§13.6.7): an EMA of the spot price with a 600-block half-life,
    /// used only to mark basket rows at a claim; seeded at spot.
    pub fast_moving_price: f64,
    /// A background subnet of a world ([`crate::world`]): no Yuma epoch; each epoch pays the
    /// pending buckets straight to these aggregate holders (a rule of the world, not of the
    /// chain). `None` for every subnet the chain or a scenario creates.
    pub background: Option<BackgroundHolders>,
    /// A lookup hint from hotkey to uid, written where neurons are registered
    /// ([`Subnet::note_uid`]); [`Subnet::uid_of`] trusts an entry only if the neuron at that uid
    /// still has the hotkey, and scans otherwise, so a stale or missing hint costs time, never
    /// a wrong answer. Never iterated.
    pub uid_hint: HashMap<HotkeyId, u16, BuildHasherDefault<IdHasher>>,
}

/// The hasher of [`Subnet::uid_hint`]: a hotkey id is a dense `u32`, so one multiplication
/// by an odd constant (Fibonacci hashing) spreads it over the table's buckets and tags. The
/// default SipHash took about a third of a lookup, which miners' acts and `set_weights` do
/// for every call; and it draws its keys from the OS, which the engine otherwise never does.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(FIBONACCI);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(FIBONACCI);
    }
}

/// 2⁶⁴ / φ, rounded to odd.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

/// Who a background subnet's epoch pays, by role ([`Subnet::background`]): (coldkey, hotkey)
/// pairs holding the alpha as stake on the subnet. The owner cut goes to the subnet's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackgroundHolders {
    /// Miner incentive (less the `MinerBurned` fraction, which is burned).
    pub miners: (ColdkeyId, HotkeyId),
    /// Validator dividends.
    pub validators: (ColdkeyId, HotkeyId),
    /// Root dividends (the root stakers' aggregate).
    pub root: (ColdkeyId, HotkeyId),
}

impl Subnet {
    /// Number of registered uids.
    pub fn n(&self) -> usize {
        self.neurons.len()
    }

    /// The uid of `hotkey`, if registered here.
    pub fn uid_of(&self, hotkey: HotkeyId) -> Option<u16> {
        if let Some(&u) = self.uid_hint.get(&hotkey)
            && self
                .neurons
                .get(usize::from(u))
                .is_some_and(|n| n.hotkey == hotkey)
        {
            return Some(u);
        }
        self.neurons
            .iter()
            .position(|n| n.hotkey == hotkey)
            .map(|u| u as u16)
    }

    /// Notes that `hotkey` now holds `uid` (after a registration), replacing the hint of the
    /// hotkey it replaced, if any ([`Subnet::uid_hint`]).
    pub fn note_uid(&mut self, replaced: Option<HotkeyId>, hotkey: HotkeyId, uid: u16) {
        if let Some(old) = replaced
            && self.uid_hint.get(&old) == Some(&uid)
        {
            self.uid_hint.remove(&old);
        }
        self.uid_hint.insert(hotkey, uid);
    }

    /// Alpha issued by this subnet so far (`SubnetAlphaIn + SubnetAlphaOut +
    /// BalancerAlphaReservoir`, §13.3.3; the reservoir is always 0 before 2026-10).
    pub fn alpha_issuance(&self) -> u64 {
        // Saturating: never a wrapped issuance (see `Chain::check_supply`).
        self.pool
            .alpha
            .saturating_add(self.alpha_out)
            .saturating_add(self.alpha_reservoir)
    }

    /// Alpha of (hotkey, coldkey) locked as registration collateral (§13.8).
    pub fn locked(&self, hotkey: HotkeyId, coldkey: ColdkeyId) -> u64 {
        self.collateral
            .get(&(hotkey, coldkey))
            .map_or(0, |c| c.locked)
    }

    /// Settles emission of a collateral position, if (hotkey, coldkey) has one (§13.8).
    pub fn settle_collateral(
        &mut self,
        hotkey: HotkeyId,
        coldkey: ColdkeyId,
        emission: u64,
        capturable: u64,
    ) {
        if let Some(c) = self.collateral.get_mut(&(hotkey, coldkey)) {
            c.settle(emission, capturable);
            if c.is_empty() {
                self.collateral.remove(&(hotkey, coldkey));
            }
        }
    }

    /// The hotkey's total alpha here (`TotalHotkeyAlpha`).
    pub fn hotkey_alpha(&self, hotkey: HotkeyId) -> u64 {
        self.stakes.get(&hotkey).map_or(0, SharePool::value)
    }

    /// Σ alpha held in stake pools.
    pub fn staked_alpha(&self) -> u64 {
        self.stakes.values().map(SharePool::value).sum()
    }
}

/// The root network (netuid 0): TAO staked 1:1, no pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Root {
    /// Root stake pools (TAO), by hotkey: read with [`Root::stakes`], changed through
    /// [`Root::pool_mut`], [`Root::pool_entry`] and [`Root::remove`], which keep `total`.
    stakes: BTreeMap<HotkeyId, SharePool>,
    /// Σ of `stakes`' values, kept as they change (summing 2 000–8 000 pools every block
    /// was a fifth of a 128-subnet block step).
    total: u64,
    /// Hotkeys holding a root UID (`Uids[0][h]`, §13.5): since spec 442 only these earn root
    /// dividends. At genesis every hotkey given root stake is registered; afterwards by burn.
    pub registered: BTreeSet<HotkeyId>,
    /// The block each seat was taken (immunity and eviction ties, §13.6.12); seats given at
    /// genesis are taken at block 0.
    pub seat_blocks: BTreeMap<HotkeyId, u64>,
    /// Root's registration price (§13.6.12); `None` until the first burn registration.
    pub burn: Option<super::registration::BurnState>,
    /// Root registrations this block and this 360-block interval, and the interval's index.
    pub registrations: (u32, u32, u64),
}

impl Root {
    /// `SubnetTAO[root]`: Σ root stake.
    pub fn total(&self) -> u64 {
        debug_assert_eq!(
            self.total,
            self.stakes.values().map(SharePool::value).sum::<u64>(),
            "root's kept total"
        );
        self.total
    }

    /// Root stake pools by hotkey.
    pub fn stakes(&self) -> &BTreeMap<HotkeyId, SharePool> {
        &self.stakes
    }

    /// The hotkey's root pool, if it has one.
    pub fn pool(&self, hotkey: HotkeyId) -> Option<&SharePool> {
        self.stakes.get(&hotkey)
    }

    /// The hotkey's root pool, to change; `total` follows when the handle drops.
    pub fn pool_mut(&mut self, hotkey: HotkeyId) -> Option<RootPool<'_>> {
        let pool = self.stakes.get_mut(&hotkey)?;
        Some(RootPool::new(pool, &mut self.total))
    }

    /// The hotkey's root pool, created empty if it has none, to change.
    pub fn pool_entry(&mut self, hotkey: HotkeyId) -> RootPool<'_> {
        RootPool::new(self.stakes.entry(hotkey).or_default(), &mut self.total)
    }

    /// Removes the hotkey's root pool.
    pub fn remove(&mut self, hotkey: HotkeyId) -> Option<SharePool> {
        let pool = self.stakes.remove(&hotkey)?;
        self.total -= pool.value();
        Some(pool)
    }

    /// A hotkey's root stake.
    pub fn hotkey_stake(&self, hotkey: HotkeyId) -> u64 {
        self.pool(hotkey).map_or(0, SharePool::value)
    }

    /// Whether the hotkey holds a root UID.
    pub fn is_registered(&self, hotkey: HotkeyId) -> bool {
        self.registered.contains(&hotkey)
    }
}

/// A root pool being changed ([`Root::pool_mut`], [`Root::pool_entry`]): derefs to the pool
/// and, when dropped, moves root's total by the pool's change of value.
pub struct RootPool<'a> {
    pool: &'a mut SharePool,
    total: &'a mut u64,
    before: u64,
}

impl<'a> RootPool<'a> {
    fn new(pool: &'a mut SharePool, total: &'a mut u64) -> Self {
        let before = pool.value();
        Self {
            pool,
            total,
            before,
        }
    }
}

impl std::ops::Deref for RootPool<'_> {
    type Target = SharePool;
    fn deref(&self) -> &SharePool {
        self.pool
    }
}

impl std::ops::DerefMut for RootPool<'_> {
    fn deref_mut(&mut self) -> &mut SharePool {
        self.pool
    }
}

impl Drop for RootPool<'_> {
    fn drop(&mut self) {
        // Σ pools ≤ the TAO supply, so neither step wraps.
        *self.total = *self.total - self.before + self.pool.value();
    }
}

/// One block's coinbase (§5.3–§5.6, §13.1 step 4), as `yumalab coinbase` prints it.
/// Amounts in rao.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CoinbaseRecord {
    /// The block.
    pub block: u64,
    /// `E_block`, the TAO block emission minted as a credit.
    pub block_emission: u64,
    /// The emission gate bar θ after this block's update (0: no gate or not computed).
    pub gate_bar: f64,
    /// TAO left in the credit and recycled at the end of the coinbase.
    pub recycled: u64,
    /// Per emit-eligible subnet, in netuid order.
    pub subnets: Vec<SubnetCoinbase>,
}

/// One subnet in a [`CoinbaseRecord`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubnetCoinbase {
    /// The subnet.
    pub netuid: NetUid,
    /// The share after miner-burn weighting, before the gate and emission-disabled masking.
    pub share_before_gate: f64,
    /// The final TAO share `s_i`.
    pub share: f64,
    /// `T_i = E_block·s_i`.
    pub tao_emission: u64,
    /// TAO injected into the pool reserve this block (price-active).
    pub tao_in: u64,
    /// TAO spent by the chain buy (`SubnetExcessTao`).
    pub excess_tao: u64,
    /// Alpha the chain buy bought (protocol alpha).
    pub alpha_bought: u64,
    /// Alpha minted for the pool this block (`alpha_in`, including any part parked).
    pub alpha_in: u64,
    /// Alpha emitted outside the pool this block (`A_out`).
    pub alpha_out: u64,
    /// Root proportion ρ used for the split.
    pub root_prop: f64,
    /// `BalancerTaoReservoir` after the injection.
    pub tao_reservoir: u64,
    /// `BalancerAlphaReservoir` after the injection.
    pub alpha_reservoir: u64,
}

/// The whole chain.
#[derive(Clone, Debug)]
pub struct Chain {
    /// The current block (the last one stepped).
    pub block: u64,
    /// Chain-wide parameters.
    pub params: ChainParams,
    /// `TotalIssuance` (rao): genesis + minted − recycled.
    pub total_issuance: u64,
    /// Coldkeys by id.
    pub coldkeys: Vec<Coldkey>,
    /// Hotkeys by id.
    pub hotkeys: Vec<Hotkey>,
    /// Root.
    pub root: Root,
    /// Subnets by netuid (ascending iteration).
    pub subnets: BTreeMap<NetUid, Subnet>,
    /// Where every rao went.
    pub ledger: Ledger,
    /// `NetworkLastLockCost` (rao): the lock paid by the last subnet registration.
    pub network_last_lock: u64,
    /// `NetworkLastLockBlock` (0: no subnet was ever registered by an extrinsic).
    pub network_last_lock_block: u64,
    /// `EmissionGateBar` θ (§13.2.2): 0 means not yet computed.
    pub gate_bar: f64,
    /// What the last block's coinbase did, per subnet (for `yumalab coinbase` and observers).
    pub last_coinbase: CoinbaseRecord,
    /// Root Reborn funds and their deposit queue (§13.6); empty before 2026-10.
    pub baskets: Baskets,
    /// `DissolveCleanupQueue`: dissolved netuids and the block their cleanup is done (§13.12).
    pub dissolving: Vec<(NetUid, u64)>,
    /// `NetworkRegistrationQueue` (§13.12), first in first out.
    pub registration_queue: Vec<super::network::QueuedSubnet>,
    /// The background markets, a rule of the world ([`crate::world::market`]); `None`: prices
    /// move only by the chain's flows and extrinsics.
    pub market: Option<Box<crate::world::market::Market>>,
    /// The background's clock of a world ([`crate::world::background`]); `None`: every subnet
    /// is stepped every block.
    pub background_clock: Option<Box<crate::world::background::BackgroundClock>>,
    /// Counts additions and removals of subnets (so cached lists of them know when to
    /// rebuild).
    pub(crate) subnet_generation: u64,
    /// Scratch of the epochs of a block (allocation-free stepping): the first for epochs
    /// computed one at a time, one each for epochs computed side by side
    /// ([`Chain::step_block_on`]).
    pub(crate) epoch_scratch: Vec<super::block::EpochScratch>,
}

impl Chain {
    /// An empty chain at block 0.
    pub fn new(params: ChainParams) -> Chain {
        Chain {
            block: 0,
            params,
            total_issuance: 0,
            coldkeys: Vec::new(),
            hotkeys: Vec::new(),
            root: Root::default(),
            subnets: BTreeMap::new(),
            ledger: Ledger::default(),
            // A migration set the last lock to 2500 TAO (spec §4).
            network_last_lock: 2_500_000_000_000,
            network_last_lock_block: 0,
            gate_bar: 0.0,
            last_coinbase: CoinbaseRecord::default(),
            baskets: Baskets::default(),
            dissolving: Vec::new(),
            registration_queue: Vec::new(),
            market: None,
            background_clock: None,
            subnet_generation: 0,
            epoch_scratch: Vec::new(),
        }
    }

    /// Creates a coldkey holding `balance` rao of genesis TAO.
    pub fn add_coldkey(&mut self, name: impl Into<String>, balance: u64) -> ColdkeyId {
        self.coldkeys.push(Coldkey {
            name: name.into(),
            balance,
        });
        // Saturating: never a wrapped amount; [`Chain::check_supply`] refuses the result.
        self.ledger.tao.genesis = self.ledger.tao.genesis.saturating_add(balance);
        self.total_issuance = self.total_issuance.saturating_add(balance);
        ColdkeyId(self.coldkeys.len() as u32 - 1)
    }

    /// Records `amount` rao of TAO issued before the simulation and held outside it: it
    /// counts towards `TotalIssuance` (and so the halvings) but belongs to no account.
    pub fn add_external_issuance(&mut self, amount: u64) {
        self.ledger.tao.external = self.ledger.tao.external.saturating_add(amount);
        self.total_issuance = self.total_issuance.saturating_add(amount);
    }

    /// Creates a hotkey owned by `owner`, with the default take.
    pub fn add_hotkey(&mut self, name: impl Into<String>, owner: ColdkeyId) -> HotkeyId {
        self.hotkeys.push(Hotkey {
            name: name.into(),
            owner,
            take: self.params.default_take,
        });
        HotkeyId(self.hotkeys.len() as u32 - 1)
    }

    /// The owner of a hotkey.
    pub fn owner_of(&self, hotkey: HotkeyId) -> ColdkeyId {
        self.hotkeys[hotkey.0 as usize].owner
    }

    /// Creates a subnet with a genesis pool of `tao` and `alpha` reserves (both counted as
    /// genesis/minted), owned by `owner_coldkey`/`owner_hotkey`, emitting from
    /// `first_emission_block`. The owner hotkey is registered as uid 0.
    pub fn add_subnet_genesis(
        &mut self,
        params: SubnetParams,
        owner_coldkey: ColdkeyId,
        owner_hotkey: HotkeyId,
        tao: u64,
        alpha: u64,
        first_emission_block: Option<u64>,
    ) -> NetUid {
        self.ledger.tao.genesis = self.ledger.tao.genesis.saturating_add(tao);
        self.total_issuance = self.total_issuance.saturating_add(tao);
        let pool = Pool::new(self.pool_kind(), tao, alpha);
        self.create_subnet(
            params,
            owner_coldkey,
            owner_hotkey,
            pool,
            first_emission_block,
        )
    }

    /// The pool kind of this chain's regime.
    pub fn pool_kind(&self) -> PoolKind {
        match self.params.pool {
            PoolRule::Balancer => PoolKind::Balancer,
            PoolRule::ConstantProduct => PoolKind::ConstantProduct,
        }
    }

    /// Creates a subnet at a given `netuid` around a pool found in a live chain's state (a
    /// snapshot, [`crate::world`]): the pool's TAO counts as genesis TAO and its alpha reserve
    /// as minted alpha; the quote weight is the pool's own. Otherwise as
    /// [`Chain::add_subnet_genesis`]. `None` (nothing changed) if `netuid` is 0 or taken.
    pub fn add_subnet_at(
        &mut self,
        netuid: NetUid,
        params: SubnetParams,
        owner_coldkey: ColdkeyId,
        owner_hotkey: HotkeyId,
        pool: Pool,
        first_emission_block: Option<u64>,
    ) -> Option<NetUid> {
        if netuid.0 == 0 || self.subnets.contains_key(&netuid) {
            return None;
        }
        self.ledger.tao.genesis += pool.tao;
        self.total_issuance += pool.tao;
        self.create_subnet_at(
            netuid,
            params,
            owner_coldkey,
            owner_hotkey,
            pool,
            first_emission_block,
        );
        Some(netuid)
    }

    /// Adds a subnet around an existing pool (whose TAO the caller has accounted for); its
    /// alpha reserve is minted.
    pub(crate) fn create_subnet(
        &mut self,
        params: SubnetParams,
        owner_coldkey: ColdkeyId,
        owner_hotkey: HotkeyId,
        pool: Pool,
        first_emission_block: Option<u64>,
    ) -> NetUid {
        // The lowest netuid neither in use nor being cleaned up (§8.3: a dissolved netuid is
        // reused once its cleanup is done; without dissolutions this is max + 1).
        let netuid = NetUid(
            (1..=u16::MAX)
                .find(|n| {
                    !self.subnets.contains_key(&NetUid(*n))
                        && !self.dissolving.iter().any(|(d, _)| d.0 == *n)
                })
                .expect("fewer than 65535 subnets"),
        );
        self.create_subnet_at(
            netuid,
            params,
            owner_coldkey,
            owner_hotkey,
            pool,
            first_emission_block,
        )
    }

    /// [`Chain::create_subnet`] at a given, free netuid.
    fn create_subnet_at(
        &mut self,
        netuid: NetUid,
        params: SubnetParams,
        owner_coldkey: ColdkeyId,
        owner_hotkey: HotkeyId,
        pool: Pool,
        first_emission_block: Option<u64>,
    ) -> NetUid {
        self.ledger.alpha.insert(
            netuid,
            AlphaLedger {
                minted: pool.alpha,
                ..AlphaLedger::default()
            },
        );
        let tempo = params.tempo.max(1);
        let burn = match self.params.burn_rule {
            BurnRule::HalfLife => RegistrationPrice::HalfLife(BurnState::new(
                params.burn,
                params.min_burn,
                params.max_burn,
                params.burn_half_life,
                u64f64_from_f64(params.burn_increase_mult.max(1.0)),
            )),
            BurnRule::Interval => RegistrationPrice::Interval(LegacyBurnState::new(
                params.burn,
                params.min_burn,
                params.max_burn,
            )),
        };
        let block = self.block;
        let mut subnet = Subnet {
            netuid,
            params,
            owner_coldkey,
            owner_hotkey,
            pool,
            alpha_out: 0,
            protocol_alpha: 0,
            alpha_burned: 0,
            pending: Pending::default(),
            neurons: Vec::new(),
            weights: Vec::new(),
            bonds: Vec::new(),
            commits: Vec::new(),
            served: Vec::new(),
            stakes: BTreeMap::new(),
            moving_price: 0.0,
            first_emission_block,
            registered_at: block,
            clock: EpochClock {
                // New subnets are staggered: LastEpochBlock = now − (netuid mod tempo).
                last_epoch_block: block.saturating_sub(u64::from(netuid.0) % tempo),
                ..EpochClock::default()
            },
            burn,
            registrations_this_block: 0,
            miner_burned: 0.0,
            emission_enabled: true,
            tao_in_since_epoch: 0,
            alpha_in_since_epoch: 0,
            alpha_emitted_since_epoch: 0,
            excess_tao_since_epoch: 0,
            share: 0.0,
            flow: FlowState::new(),
            tao_reservoir: 0,
            alpha_reservoir: 0,
            fast_moving_price: 0.0,
            collateral: BTreeMap::new(),
            background: None,
            uid_hint: HashMap::default(),
        };
        subnet.note_uid(None, owner_hotkey, 0);
        subnet.neurons.push(Neuron {
            hotkey: owner_hotkey,
            registered_at: block,
            last_update: block,
            ..Neuron::default()
        });
        subnet.weights.push(Vec::new());
        subnet.bonds.push(Vec::new());
        subnet.served.push(None);
        self.subnets.insert(netuid, subnet);
        self.subnet_generation += 1;
        netuid
    }

    /// Registers `hotkey` on a subnet at genesis (block 0): the neuron is already there when
    /// the run starts, so no burn is paid and the burn price does not move. Returns its uid,
    /// or `None` if the subnet does not exist, is full, or already has the hotkey.
    pub fn register_at_genesis(&mut self, hotkey: HotkeyId, netuid: NetUid) -> Option<u16> {
        let block = self.block;
        let s = self.subnets.get_mut(&netuid)?;
        if s.uid_of(hotkey).is_some() || s.n() >= usize::from(s.params.max_uids) {
            return None;
        }
        let uid = s.neurons.len() as u16;
        s.note_uid(None, hotkey, uid);
        s.neurons.push(Neuron {
            hotkey,
            registered_at: block,
            last_update: block,
            ..Neuron::default()
        });
        s.weights.push(Vec::new());
        s.bonds.push(Vec::new());
        s.served.push(None);
        Some((s.n() - 1) as u16)
    }

    /// Stakes `alpha` rao of alpha from `coldkey` to `hotkey` on a subnet at genesis: the
    /// alpha is minted as outstanding stake (`SubnetAlphaOut`), like the pool's genesis
    /// reserve, with no swap and no TAO. It counts towards the subnet's alpha issuance (and so
    /// its alpha halvings). `None` if the subnet does not exist.
    pub fn stake_at_genesis(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
        alpha: u64,
    ) -> Option<()> {
        let s = self.subnets.get_mut(&netuid)?;
        s.alpha_out = s.alpha_out.saturating_add(alpha);
        s.stakes.entry(hotkey).or_default().deposit(coldkey, alpha);
        let minted = &mut self.ledger.alpha.entry(netuid).or_default().minted;
        *minted = minted.saturating_add(alpha);
        Some(())
    }

    /// Stakes `tao` rao on root from `coldkey` to `hotkey` at genesis and gives the hotkey a
    /// root UID (§13.5): the TAO counts as genesis TAO, held as root stake (`SubnetTAO[root]`).
    pub fn root_stake_at_genesis(&mut self, coldkey: ColdkeyId, hotkey: HotkeyId, tao: u64) {
        self.ledger.tao.genesis += tao;
        self.total_issuance += tao;
        self.root.pool_entry(hotkey).deposit(coldkey, tao);
        self.root.registered.insert(hotkey);
    }

    /// Mints `alpha` rao on a subnet at genesis as `SubnetProtocolAlpha`: outstanding alpha
    /// held by the protocol (bought by earlier chain buys) and paid to nobody. `None` if the
    /// subnet does not exist.
    pub fn protocol_alpha_at_genesis(&mut self, netuid: NetUid, alpha: u64) -> Option<()> {
        let s = self.subnets.get_mut(&netuid)?;
        s.alpha_out += alpha;
        s.protocol_alpha += alpha;
        self.ledger.alpha.entry(netuid).or_default().minted += alpha;
        Some(())
    }

    /// Fills a subnet's liquidity reservoirs at genesis (§13.3): `tao` rao of genesis TAO in
    /// `BalancerTaoReservoir`, `alpha` rao of minted alpha in `BalancerAlphaReservoir`. `None`
    /// if the subnet does not exist.
    pub fn reservoirs_at_genesis(&mut self, netuid: NetUid, tao: u64, alpha: u64) -> Option<()> {
        let s = self.subnets.get_mut(&netuid)?;
        s.tao_reservoir += tao;
        s.alpha_reservoir += alpha;
        self.ledger.tao.genesis += tao;
        self.total_issuance += tao;
        self.ledger.alpha.entry(netuid).or_default().minted += alpha;
        Some(())
    }

    /// Checks that no token exists beyond its supply: `TotalIssuance` and every subnet's
    /// alpha issuance at most [`TOTAL_SUPPLY`] rao. With that, no sum of balances, stakes or
    /// reserves can overflow a `u64`.
    ///
    /// # Errors
    /// The first amount beyond the supply, named.
    pub fn check_supply(&self) -> Result<(), SupplyError> {
        let over = |what: String, amount: u128| {
            (amount > u128::from(TOTAL_SUPPLY)).then_some(SupplyError {
                what,
                amount,
                bound: TOTAL_SUPPLY,
            })
        };
        if let Some(e) = over("TotalIssuance".into(), u128::from(self.total_issuance)) {
            return Err(e);
        }
        for (netuid, s) in &self.subnets {
            let issued =
                u128::from(s.pool.alpha) + u128::from(s.alpha_out) + u128::from(s.alpha_reservoir);
            if let Some(e) = over(format!("subnet {} alpha issuance", netuid.0), issued) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Checks every conservation invariant of the ledger against the state.
    ///
    /// # Errors
    /// The first broken invariant, with both sides.
    pub fn check_conservation(&self) -> Result<(), ConservationError> {
        let err = |what: String, expected: u128, found: u128| ConservationError {
            block: self.block,
            what,
            expected,
            found,
        };
        let t = &self.ledger.tao;
        // u128 sums cannot overflow; a difference that would go below 0 is itself a broken
        // invariant, so it saturates (and the comparison reports it) rather than panicking.
        let issued = (u128::from(t.genesis) + u128::from(t.external) + u128::from(t.minted))
            .saturating_sub(u128::from(t.recycled));
        if issued != u128::from(self.total_issuance) {
            return Err(err(
                "TotalIssuance = genesis + external + minted − recycled".into(),
                issued,
                u128::from(self.total_issuance),
            ));
        }
        let exists: u128 = self
            .coldkeys
            .iter()
            .map(|c| u128::from(c.balance))
            .sum::<u128>()
            + self
                .subnets
                .values()
                .map(|s| u128::from(s.pool.tao) + u128::from(s.tao_reservoir))
                .sum::<u128>()
            + u128::from(self.root.total())
            + u128::from(self.queued_locks())
            + u128::from(t.author_fees)
            + u128::from(self.background_clock.as_ref().map_or(0, |c| c.tao));
        let expected = issued.saturating_sub(u128::from(t.external) + u128::from(t.burned));
        if exists != expected {
            return Err(err(
                "TAO: balances + pool reserves + reservoirs + root stake + queued locks + author fees \
                 + background TAO held"
                    .into(),
                expected,
                exists,
            ));
        }
        for (netuid, s) in &self.subnets {
            let a = self.ledger.alpha.get(netuid).copied().unwrap_or_default();
            let net = u128::from(a.minted).saturating_sub(u128::from(a.recycled));
            let issued =
                u128::from(s.pool.alpha) + u128::from(s.alpha_out) + u128::from(s.alpha_reservoir);
            if issued != net {
                return Err(err(
                    format!(
                        "subnet {} alpha: reserve + outstanding + reservoir = minted − recycled",
                        netuid.0
                    ),
                    net,
                    issued,
                ));
            }
            let held = u128::from(s.staked_alpha())
                + u128::from(s.pending.total())
                + u128::from(self.baskets.queued_on(*netuid))
                + u128::from(s.protocol_alpha)
                + u128::from(s.alpha_burned);
            if held != u128::from(s.alpha_out) {
                return Err(err(
                    format!(
                        "subnet {} alpha outstanding = stake + pending + queued basket credits + protocol + burned",
                        netuid.0
                    ),
                    u128::from(s.alpha_out),
                    held,
                ));
            }
            if a.burned != s.alpha_burned {
                return Err(err(
                    format!("subnet {} alpha burned", netuid.0),
                    u128::from(a.burned),
                    u128::from(s.alpha_burned),
                ));
            }
        }
        Ok(())
    }
}
