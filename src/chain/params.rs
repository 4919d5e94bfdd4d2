//! Chain and subnet parameters, and the named regimes that set them coherently (spec §4, §12).
//!
//! A [`Regime`] picks the rules of one period of the chain's history; every rule can still be
//! overridden on its own afterwards (the fields are public). Defaults are the code defaults
//! at the spec's snapshot, with the "new subnet" column of §4 for subnets.

use crate::yuma::{LiquidAlpha, LiquidAlphaConsensus, YumaParams};

/// How the block emission is shared between subnets (§5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareRule {
    /// Today: moving-price shares × (1 − miner burned).
    PriceEma,
    /// 2025-11 → 2026-06: net TAO flow EMAs.
    NetFlow,
    /// Early dTAO (2025): moving-price shares, no miner-burn factor.
    EarlyPriceEma,
}

/// The cap on alpha injected into the pool with a subnet's TAO share (§5.4, §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectionCapRule {
    /// Today (since 2026-06-22): α_in ≤ ρ·A_out.
    RootProportion,
    /// Before: α_in ≤ min(A_out, E_block).
    AlphaOutOrBlockEmission,
}

/// The subnet AMM (§6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolRule {
    /// Balancer-style weighted pool (since 2026-06-25).
    Balancer,
    /// Constant product (the v3 engine's protocol position, 2025 → 2026-06).
    ConstantProduct,
}

/// When epochs run (§2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochSchedule {
    /// Since 2026-06-25: every `tempo` blocks after the last epoch, at most
    /// `max_epochs_per_block` per block (later ones deferred by a block).
    Stateful,
    /// Before: at block b iff (b + netuid + 1) mod (tempo + 1) = 0.
    Modulo,
}

/// How neuron registration is priced (§8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BurnRule {
    /// Since 2026-04-22: per-block half-life decay and a multiplier per registration.
    HalfLife,
    /// Before: interval adjustment towards a target number of registrations.
    Interval,
}

/// The Hill emission gate on subnet TAO shares (§13.2): its mode and exponent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateParams {
    /// `EmissionBarRank` N: the bar is the N-th largest positive share; 0 selects the
    /// quantile mode (default 32, the live mode).
    pub rank: u16,
    /// `EmissionBarQuantile` q, read only when `rank` is 0 (default 0.61; live 0.75, inert).
    pub quantile: f64,
    /// `EmissionGateExponent` h (default 3); must be > 0.
    pub exponent: f64,
}

impl Default for GateParams {
    fn default() -> Self {
        GateParams {
            rank: 32,
            quantile: 0.61,
            exponent: 3.0,
        }
    }
}

/// The order of a subnet's injection in the coinbase (§5.5, §13.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectionOrder {
    /// Before 2026-10: weights move first; the chain buy uses the new weights with the old
    /// reserves; a refused reweight injects nothing.
    ReweightFirst,
    /// Since 2026-10 (§13.3): chain buy first with the current weights and reserves, then
    /// materialise `tao_in`, then the reservoir-aware weight update and activation. Amounts the
    /// weight bounds cannot absorb wait in the subnet's reservoirs, and alpha issuance counts
    /// the alpha reservoir.
    ChainBuyFirst,
}

/// Who earns the root-weighted part of a validator's dividend (§5.8 step 3, §13.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DividendSplit {
    /// Before spec 441: every hotkey with root stake earns root dividends.
    AnyRootStake,
    /// Since spec 442 (§13.5): only hotkeys registered on root earn root dividends; the
    /// root-weighted slice of any other hotkey drops out of Σ root_div.
    RootRegistered,
}

/// How root dividends reach root stakers (§5.9, §13.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootDividends {
    /// Before 2026-10: claimed at once, as alpha staked on the subnet, pro rata to root shares.
    ClaimAtOnce,
    /// Since 2026-10 (§13.6, Root Reborn): kept as alpha in per-validator baskets.
    Baskets,
}

/// The Root Reborn basket thresholds (§13.6.3, §13.6.6, §13.14), in rao.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasketParams {
    /// `RootClaimableThreshold[0]` (default 500 000 rao = 0.0005 TAO): a queued credit is
    /// flushed only once ⌊spot·alpha⌋ reaches it; a claim whose estimated payout is below it
    /// is a no-op; fund rows valued below it are consolidated into the root slot at a claim.
    pub claimable_threshold: u64,
    /// `BasketClaimForfeitCapTao` (10⁷ rao): a row can be dust only if the claimant's slice
    /// of it is at most this; 0 turns the dust rule off.
    pub forfeit_cap: u64,
    /// `BasketClaimSliceDustTao` (10⁵ rao): a slice below this is dust.
    pub slice_dust: u64,
    /// `BasketClaimRowDustCapTao` (10⁹ rao): the cap on the row dust floor.
    pub row_dust_cap: u64,
    /// `BasketClaimRowDustBps` (10): the row dust floor as basis points of the anchored NAV.
    pub row_dust_bps: u64,
}

impl Default for BasketParams {
    fn default() -> Self {
        BasketParams {
            claimable_threshold: 500_000,
            forfeit_cap: 10_000_000,
            slice_dust: 100_000,
            row_dust_cap: 1_000_000_000,
            row_dust_bps: 10,
        }
    }
}

/// What a subnet registration does when the network is full (§8.3, §13.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubnetRegistration {
    /// Before 2026-10 (a simplification of §8.3): refused at the limit.
    RefuseAtLimit,
    /// Since 2026-10 (§13.12): the prune target is dissolved at once and the registration
    /// waits in a queue (lock paid into escrow, median price fixed) until a slot is free.
    Queue,
}

/// How a hotkey gets a root UID (§13.5, §13.6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootRegistration {
    /// Before 2026-10 (a simplification): a hotkey is given a root UID when it first holds
    /// root stake, while root has free seats; nobody is evicted and nothing is burned.
    OnFirstStake,
    /// Since spec 441 (§13.6.12): `root_register` burns a price that starts at 1 TAO, rises
    /// ×`BurnIncreaseMult` per registration and decays with a half-life; at most 1 per block
    /// and 2 per 360-block interval; a new seat is immune for 7 200 blocks; a full root evicts
    /// the lowest-staked non-immune member. Hotkeys given root stake in a scenario's genesis
    /// hold a seat from the start.
    Burn,
}

/// `BlocksSinceLastStep` and the scheduler's safety net (§2.1, §13.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafetyNet {
    /// Before 2026-10: BSLS is not capped; an epoch is forced when BSLS > `MAX_TEMPO` (50 400).
    MaxTempo,
    /// Since 2026-10 (§13.11): BSLS saturates at tempo + 1; the net fires while BSLS > tempo.
    TempoCapped,
}

/// Transaction fees of the extrinsics agents send, in rao (§13.7: recycled, after the spec-467
/// halving). Swap fees are separate (they go to the block author, §6.3).
///
/// The chain quotes three amounts (remove_stake 0.000629, move_stake 0.000370, claim_root
/// 0.008251 TAO). `add_stake` is priced as `remove_stake` (same weight class); weights,
/// commits and neuron registrations are fee-free (`Pays::No` on chain); other signed calls
/// (subnet registration, start call, take, hyperparameters) are priced as `remove_stake`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxFees {
    /// `add_stake` / `remove_stake`.
    pub stake: u64,
    /// `move_stake` (and transfers between hotkeys or subnets).
    pub move_stake: u64,
    /// `claim_root` (a basket claim).
    pub claim: u64,
    /// Any other fee-paying signed extrinsic.
    pub other: u64,
}

impl Default for TxFees {
    fn default() -> Self {
        TxFees {
            stake: 629_000,
            move_stake: 370_000,
            claim: 8_251_000,
            other: 629_000,
        }
    }
}

/// Which consensus the liquid-alpha sigmoid reads (§13.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiquidAlphaConsensusRule {
    /// Before 2026-10: always this epoch's consensus (the setting did not exist; a subnet's
    /// [`YumaParams::liquid_alpha_consensus`] is ignored).
    Current,
    /// Since 2026-10 (spec 446, §13.10): each subnet's `LiquidAlphaConsensusMode`
    /// ([`YumaParams::liquid_alpha_consensus`]; a new subnet's is `Auto`, so with β = 1 the
    /// sigmoid reads the previous epoch's stored consensus).
    SubnetMode,
}

/// How many epochs may run in one block (§2.1, §13.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochCapRule {
    /// Before 2026-10: at most `max_epochs_per_block` (later ones deferred one block); the
    /// reveal of committed weights ignores the deferral.
    PerBlock,
    /// Since 2026-10 (§13.11): if any subnet due this block runs the Null epoch, at most
    /// min(`max_epochs_per_block`, 1); and committed weights are not revealed on a subnet whose
    /// epoch is deferred this block (§13.1 step 3).
    NullAware,
}

/// The consensus a subnet's epoch runs (`SubnetEpochConsensus`, §13.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EpochConsensus {
    /// Yuma Consensus (§3), the default.
    #[default]
    Yuma,
    /// The Null epoch (§13.9, [`crate::yuma::null`]): the largest stake's weights decide the
    /// miner incentive alone; validators are paid by stake; bonds are kept untouched.
    Null,
}

/// `SubnetMovingAlpha` as read on Finney in 2026-08 and 2026-10 (I96F32 0.000299999956).
pub const LIVE_SUBNET_MOVING_ALPHA: f64 = 0.000_299_999_956;

/// A named period of the chain's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// Today's chain (spec §13: Finney spec 441..475, 2026-08-03 .. 2026-10-08): the emission
    /// gate, reservoirs, Root Reborn baskets, recycled fees.
    Y2026_10,
    /// The spec's snapshot (main @ 2026-06-30).
    Y2026_06,
    /// The net-TAO-flow period (2025-11-04 → 2026-06-22).
    Y2025_11Flow,
    /// Early dTAO (2025-02).
    Y2025_02Dtao,
}

impl Regime {
    /// Every regime with its name, for parsing and error messages.
    pub const ALL: [(Regime, &'static str); 4] = [
        (Regime::Y2026_10, "2026-10"),
        (Regime::Y2026_06, "2026-06"),
        (Regime::Y2025_11Flow, "2025-11-flow"),
        (Regime::Y2025_02Dtao, "2025-02-dtao"),
    ];

    /// Looks a regime up by name (`2026-10`, `2026-06`, `2025-11-flow`, `2025-02-dtao`).
    pub fn from_name(name: &str) -> Option<Regime> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(r, _)| *r)
    }

    /// The regime's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }
}

/// Chain-wide parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainParams {
    /// The regime these defaults came from.
    pub regime: Regime,
    /// Emission share rule.
    pub share_rule: ShareRule,
    /// Injection cap rule.
    pub injection_cap: InjectionCapRule,
    /// Pool kind for subnets.
    pub pool: PoolRule,
    /// Epoch scheduling.
    pub schedule: EpochSchedule,
    /// Registration pricing.
    pub burn_rule: BurnRule,
    /// `TaoWeight` as a fraction (u64 proportion on chain). Default ≈ 0.0527 (code); the
    /// literature quotes 0.18 (spec §4: live value UNSURE).
    pub tao_weight: f64,
    /// `StakeThreshold` in rao (governance; default 0).
    pub stake_threshold: u64,
    /// `SubnetOwnerCut`, u16 proportion (≈ 18 %).
    pub owner_cut: u16,
    /// `SubnetMovingAlpha` (0.000003).
    pub subnet_moving_alpha: f64,
    /// `MaxEpochsPerBlock` (runtime 2).
    pub max_epochs_per_block: u32,
    /// Swap fee rate, u16 proportion (33 ≈ 0.05 %).
    pub swap_fee: u16,
    /// Default delegate take, u16 proportion (≈ 18 %).
    pub default_take: u16,
    /// `NetworkMinLockCost` in rao (1000 TAO).
    pub network_min_lock: u64,
    /// `NetworkRateLimit`: blocks between subnet registrations (7200).
    pub network_rate_limit: u64,
    /// `SubnetLimit` (128). What a registration at the limit does is
    /// [`ChainParams::subnet_registration`].
    pub subnet_limit: u16,
    /// At the subnet limit (§8.3, §13.12).
    pub subnet_registration: SubnetRegistration,
    /// `NetworkImmunityPeriod`: blocks a new subnet cannot be pruned (1 296 000).
    pub network_immunity: u64,
    /// Blocks a dissolved subnet's cleanup takes in `on_idle` before its slot frees (the chain
    /// spreads it over "several blocks"; yumalab: 2).
    pub dissolve_cleanup_blocks: u64,
    /// The emission gate (§13.2); `None` before 2026-10.
    pub gate: Option<GateParams>,
    /// The injection order and reservoirs (§13.3).
    pub injection_order: InjectionOrder,
    /// Root eligibility in the dividend split (§13.5).
    pub dividend_split: DividendSplit,
    /// How root dividends are paid (§13.6).
    pub root_dividends: RootDividends,
    /// The basket thresholds (§13.6; read only with [`RootDividends::Baskets`]).
    pub basket: BasketParams,
    /// How hotkeys get a root UID (§13.6.12).
    pub root_registration: RootRegistration,
    /// Recycled transaction fees (§13.7); `None` before 2026-10 (fees were not modelled).
    pub tx_fees: Option<TxFees>,
    /// The scheduler's safety net (§13.11).
    pub safety_net: SafetyNet,
    /// The epoch cap per block and the reveal's deferral set (§13.11).
    pub epoch_cap: EpochCapRule,
    /// Whether subnets' Liquid Alpha consensus mode applies (§13.10).
    pub liquid_alpha_consensus: LiquidAlphaConsensusRule,
}

impl ChainParams {
    /// The coherent defaults of a regime.
    pub fn for_regime(regime: Regime) -> ChainParams {
        let today = ChainParams {
            regime,
            share_rule: ShareRule::PriceEma,
            injection_cap: InjectionCapRule::RootProportion,
            pool: PoolRule::Balancer,
            schedule: EpochSchedule::Stateful,
            burn_rule: BurnRule::HalfLife,
            tao_weight: super::shares::tao_weight_from_raw(super::shares::DEFAULT_TAO_WEIGHT_RAW),
            stake_threshold: 0,
            owner_cut: 11_796,
            subnet_moving_alpha: super::shares::DEFAULT_SUBNET_MOVING_ALPHA,
            max_epochs_per_block: 2,
            swap_fee: 33,
            default_take: 11_796,
            network_min_lock: 1_000_000_000_000,
            network_rate_limit: 7200,
            subnet_limit: 128,
            subnet_registration: SubnetRegistration::RefuseAtLimit,
            network_immunity: 1_296_000,
            dissolve_cleanup_blocks: 2,
            gate: None,
            injection_order: InjectionOrder::ReweightFirst,
            dividend_split: DividendSplit::AnyRootStake,
            root_dividends: RootDividends::ClaimAtOnce,
            basket: BasketParams::default(),
            root_registration: RootRegistration::OnFirstStake,
            tx_fees: None,
            safety_net: SafetyNet::MaxTempo,
            epoch_cap: EpochCapRule::PerBlock,
            liquid_alpha_consensus: LiquidAlphaConsensusRule::Current,
        };
        match regime {
            Regime::Y2026_10 => ChainParams {
                // Governance values read on Finney (shared/calibration/mainnet-2026-08/
                // network.yaml: raw storage at blocks 8 789 719 and 9 221 719), not the code
                // defaults: TaoWeight 0.18 (code ≈ 0.0527) and SubnetMovingAlpha 0.000299999956
                // (code 0.000003), so prices move emission shares within days, as on chain.
                tao_weight: 0.18,
                subnet_moving_alpha: LIVE_SUBNET_MOVING_ALPHA,
                gate: Some(GateParams::default()),
                injection_order: InjectionOrder::ChainBuyFirst,
                dividend_split: DividendSplit::RootRegistered,
                root_dividends: RootDividends::Baskets,
                root_registration: RootRegistration::Burn,
                subnet_registration: SubnetRegistration::Queue,
                tx_fees: Some(TxFees::default()),
                safety_net: SafetyNet::TempoCapped,
                epoch_cap: EpochCapRule::NullAware,
                liquid_alpha_consensus: LiquidAlphaConsensusRule::SubnetMode,
                ..today
            },
            Regime::Y2026_06 => today,
            Regime::Y2025_11Flow => ChainParams {
                share_rule: ShareRule::NetFlow,
                injection_cap: InjectionCapRule::AlphaOutOrBlockEmission,
                pool: PoolRule::ConstantProduct,
                schedule: EpochSchedule::Modulo,
                burn_rule: BurnRule::Interval,
                ..today
            },
            Regime::Y2025_02Dtao => ChainParams {
                share_rule: ShareRule::EarlyPriceEma,
                injection_cap: InjectionCapRule::AlphaOutOrBlockEmission,
                pool: PoolRule::ConstantProduct,
                schedule: EpochSchedule::Modulo,
                burn_rule: BurnRule::Interval,
                ..today
            },
        }
    }
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams::for_regime(Regime::Y2026_10)
    }
}

/// One subnet's hyperparameters ("new subnet" defaults of spec §4).
#[derive(Clone, Debug)]
pub struct SubnetParams {
    /// Blocks between epochs.
    pub tempo: u64,
    /// `ActivityCutoffFactorMilli` (13 889 ≈ 5000 blocks at tempo 360).
    pub activity_cutoff_factor_milli: u64,
    /// The Yuma settings (variant, κ, β, bonds EMA, validator permits, liquid alpha,
    /// commit-reveal).
    pub yuma: YumaParams,
    /// `ActivityCutoff` in blocks, used by the legacy (modulo-schedule) regimes (default 5000).
    pub legacy_activity_cutoff: u64,
    /// `RevealPeriodEpochs`: committed weights are revealed this many epochs later.
    pub reveal_period_epochs: u64,
    /// `MaxAllowedUids`.
    pub max_uids: u16,
    /// `ImmunityPeriod` in blocks.
    pub immunity_period: u64,
    /// `MinNonImmuneUids`.
    pub min_non_immune_uids: u16,
    /// `WeightsSetRateLimit` in blocks (commit-reveal off only).
    pub weights_rate_limit: u64,
    /// Initial neuron burn in rao (1 TAO for a new subnet).
    pub burn: u64,
    /// Burn bounds in rao.
    pub min_burn: u64,
    /// Upper burn bound in rao.
    pub max_burn: u64,
    /// `BurnHalfLife` in blocks.
    pub burn_half_life: u32,
    /// `BurnIncreaseMult` (≥ 1).
    pub burn_increase_mult: f64,
    /// `OwnerCutEnabled`.
    pub owner_cut_enabled: bool,
    /// `CollateralLockShare` p (u16 proportion; 0 = off, at most 62 258 ≈ 95 %): the part of
    /// a registration's burn that buys locked alpha instead (§13.8).
    pub collateral_lock_share: u16,
    /// `CollateralDrainRatio` k (default 1, at most 10): the lock released per alpha earned.
    pub collateral_drain_ratio: f64,
    /// `BondsResetOn`: a neuron committing metadata ([`yumalab_agents::Action::CommitMetadata`])
    /// deletes every validator's bond to it (default off).
    pub bonds_reset: bool,
    /// `SubnetEpochConsensus` (§13.9): Yuma (default) or Null.
    pub epoch_consensus: EpochConsensus,
}

impl Default for SubnetParams {
    fn default() -> Self {
        SubnetParams {
            tempo: 360,
            activity_cutoff_factor_milli: 13_889,
            yuma: YumaParams {
                commit_reveal: true,
                // §13.14: a new subnet's `LiquidAlphaConsensusMode` (read only from 2026-10).
                liquid_alpha_consensus: LiquidAlphaConsensus::Auto,
                ..YumaParams::default()
            },
            legacy_activity_cutoff: 5000,
            reveal_period_epochs: 1,
            max_uids: 256,
            immunity_period: 5000,
            min_non_immune_uids: 10,
            weights_rate_limit: 100,
            burn: 1_000_000_000,
            min_burn: 500_000,
            max_burn: 100_000_000_000,
            burn_half_life: 360,
            burn_increase_mult: 1.26,
            owner_cut_enabled: true,
            collateral_lock_share: 0,
            collateral_drain_ratio: 1.0,
            bonds_reset: false,
            epoch_consensus: EpochConsensus::Yuma,
        }
    }
}

impl SubnetParams {
    /// The activity cutoff in blocks: `⌊factor·tempo/1000⌋`, at least 1.
    pub fn activity_cutoff(&self) -> u64 {
        (self.activity_cutoff_factor_milli * self.tempo / 1000).max(1)
    }

    /// Liquid alpha on with the chain's default values.
    pub fn with_liquid_alpha(mut self) -> Self {
        self.yuma.liquid_alpha = Some(LiquidAlpha::default());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regime_names_round_trip() {
        for (r, n) in Regime::ALL {
            assert_eq!(Regime::from_name(n), Some(r));
            assert_eq!(r.name(), n);
        }
        assert_eq!(Regime::from_name("2024"), None);
    }

    #[test]
    fn default_cutoff_is_5000_blocks_at_tempo_360() {
        assert_eq!(SubnetParams::default().activity_cutoff(), 5000);
    }
}
