//! What an agent may do: the extrinsics of the simulated chain.
//!
//! Agents never change state. They return [`Action`]s; the engine applies them in order
//! (same block: insertion order, agents in ascending id order) and reports what happened.
//! An action the chain refuses (not enough balance, not registered, rate limited) is recorded
//! as refused with the reason; it never panics and never half-applies.

use crate::units::{ColdkeyId, HotkeyId, NetUid, Rao};

/// A subnet hyperparameter the owner may set, with its new value (stored as on chain).
#[derive(Clone, Debug, PartialEq)]
pub enum Hyperparameter {
    /// `Tempo`, blocks (owner range [360, 50 400]).
    Tempo(u64),
    /// `BondsMovingAverage`, millionths (owners may set at most 975 000).
    BondsMovingAverage(u64),
    /// `BondsPenalty`, u16 proportion.
    BondsPenalty(u16),
    /// `LiquidAlphaOn` with `AlphaValues` (low, high as u16 proportions; low ≥ 1638 and ≤ high);
    /// `None` turns liquid alpha off.
    LiquidAlpha(Option<(u16, u16)>),
    /// `CommitRevealWeightsEnabled`.
    CommitReveal(bool),
    /// `RevealPeriodEpochs` ([1, 100]).
    RevealPeriodEpochs(u64),
    /// `ImmunityPeriod`, blocks.
    ImmunityPeriod(u64),
    /// `MaxAllowedValidators`.
    MaxValidators(u16),
    /// `Yuma3On`.
    Yuma3(bool),
}

/// One extrinsic.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Register `hotkey` (owned by `coldkey`) on a subnet, paying the current burn.
    Register {
        /// Who pays the burn.
        coldkey: ColdkeyId,
        /// The neuron's identity.
        hotkey: HotkeyId,
        /// The subnet.
        netuid: NetUid,
    },
    /// Set weights directly (subnets with commit-reveal off). Uids and u16 values as
    /// submitted; the chain max-upscales the row.
    SetWeights {
        /// The validator.
        hotkey: HotkeyId,
        /// The subnet.
        netuid: NetUid,
        /// `(uid, weight)` pairs.
        weights: Vec<(u16, u16)>,
    },
    /// Commit weights (subnets with commit-reveal on): they take effect, and become visible
    /// to other agents, after the reveal period.
    CommitWeights {
        /// The validator.
        hotkey: HotkeyId,
        /// The subnet.
        netuid: NetUid,
        /// `(uid, weight)` pairs.
        weights: Vec<(u16, u16)>,
    },
    /// Stake free TAO from `coldkey` to `hotkey` on a subnet (bought through the pool).
    AddStake {
        /// The staker.
        coldkey: ColdkeyId,
        /// The hotkey staked to.
        hotkey: HotkeyId,
        /// The subnet (0 = root).
        netuid: NetUid,
        /// TAO to spend.
        tao: Rao,
        /// Optional price limit, TAO per alpha: buy only up to this price.
        limit_price: Option<f64>,
    },
    /// Unstake alpha back to free TAO (sold through the pool).
    RemoveStake {
        /// The staker.
        coldkey: ColdkeyId,
        /// The hotkey unstaked from.
        hotkey: HotkeyId,
        /// The subnet (0 = root).
        netuid: NetUid,
        /// Alpha to sell.
        alpha: Rao,
        /// Optional price limit, TAO per alpha: sell only down to this price.
        limit_price: Option<f64>,
    },
    /// Move stake between hotkeys and/or subnets (unstake, then stake: two swaps when the
    /// subnet changes, none when it does not).
    MoveStake {
        /// The staker.
        coldkey: ColdkeyId,
        /// From this hotkey.
        from_hotkey: HotkeyId,
        /// On this subnet.
        from_netuid: NetUid,
        /// To this hotkey.
        to_hotkey: HotkeyId,
        /// On this subnet.
        to_netuid: NetUid,
        /// Alpha (of `from_netuid`) to move.
        alpha: Rao,
    },
    /// Register a new subnet, locking the current lock cost in its pool; `hotkey` becomes the
    /// owner hotkey. The subnet emits only after [`Action::StartCall`].
    RegisterSubnet {
        /// Who pays the lock and owns the subnet.
        coldkey: ColdkeyId,
        /// The owner hotkey.
        hotkey: HotkeyId,
    },
    /// The owner starts a subnet's emission (`start_call`).
    StartCall {
        /// The subnet's owner.
        coldkey: ColdkeyId,
        /// The subnet.
        netuid: NetUid,
    },
    /// Serve work off chain (a miner's output for this tempo): validators evaluate it. Not an
    /// extrinsic; it costs nothing on chain and is never refused for a registered hotkey.
    Serve {
        /// The miner.
        hotkey: HotkeyId,
        /// The subnet.
        netuid: NetUid,
        /// True quality per evaluation environment.
        quality: Vec<f64>,
        /// The uid whose output this copies, if any.
        copy_of: Option<u16>,
    },
    /// The subnet owner sets a hyperparameter.
    SetHyperparameter {
        /// The subnet's owner.
        coldkey: ColdkeyId,
        /// The subnet.
        netuid: NetUid,
        /// What and to which value.
        hyperparameter: Hyperparameter,
    },
    /// Commit metadata for a hotkey on a subnet (the commitments pallet's `set_commitment`).
    /// The simulator keeps no metadata; the commit's one economic effect is modelled: on a
    /// subnet with `BondsResetOn`, every validator's bond to the hotkey's uid is deleted
    /// (`do_reset_bonds`).
    CommitMetadata {
        /// The committing hotkey (a neuron of the subnet).
        hotkey: HotkeyId,
        /// The subnet.
        netuid: NetUid,
    },
    /// Buy a root UID for a hotkey by burning root's registration price (`root_register`,
    /// spec §13.6.12; since 2026-10 only hotkeys on root earn root dividends). A full root
    /// evicts its lowest-staked member older than 7 200 blocks.
    RootRegister {
        /// The owner of the hotkey; pays the burn.
        coldkey: ColdkeyId,
        /// The hotkey.
        hotkey: HotkeyId,
    },
    /// A validator's owner trades its basket (`swap_basket`, spec §13.6.10): sells `amount`
    /// of the fund's row on `from` (alpha; TAO of the fund's root slot when `from` is 0) and
    /// buys the row on `to` (0: the root slot), within the chain's bounds (2 % price band,
    /// 0.5 TAO minimum, 10 % of NAV a day, 10 % of the pool, 1/16 of NAV per row).
    SwapBasket {
        /// The owner of the validator hotkey.
        coldkey: ColdkeyId,
        /// The validator whose fund trades.
        hotkey: HotkeyId,
        /// The row sold.
        from: NetUid,
        /// The row bought.
        to: NetUid,
        /// Amount sold: alpha of `from`, or TAO when `from` is 0.
        amount: Rao,
    },
    /// Claim root dividends from validators' baskets (`claim_root` / `claim_root_with_hotkey`,
    /// spec §13.6.6): the claimant's share of each fund is sold and paid as root stake on the
    /// validator. Only under a regime with baskets (2026-10); refused otherwise.
    ClaimRoot {
        /// The root staker.
        coldkey: ColdkeyId,
        /// One validator's fund, or `None` for every fund the coldkey is owed by.
        hotkey: Option<HotkeyId>,
    },
    /// Set the hotkey's delegate take (u16 proportion, at most 18 %).
    SetTake {
        /// The owner of the hotkey.
        coldkey: ColdkeyId,
        /// The hotkey.
        hotkey: HotkeyId,
        /// The new take.
        take: u16,
    },
}
