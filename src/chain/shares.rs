//! How the block emission is shared between subnets, and each subnet's per-block terms
//! (spec `chain-model.md` §5.3–§5.6, §5.10, §12).
//!
//! Pure rules, one block at a time, in the order the coinbase uses them:
//!
//! 1. shares `s_i` of the TAO block emission: [`price_ema_shares`] (price-EMA rules, in three
//!    historical variants, [`PriceShareRule`]) or [`flow_shares`] (the TAO-flow rule of
//!    2025-11-04 → 2026-06-22, with its per-subnet [`FlowState`]);
//! 2. `T_i = ⌊E·s_i⌋` in rao: [`tao_to_rao_shares`];
//! 3. per subnet: [`root_proportion`] `ρ_i`, then [`injection`] (`tao_in`, `alpha_in`, `excess`)
//!    under one of the historical [`InjectionCap`]s;
//! 4. [`split_alpha_out`]: owner, miners, validators, root (or recycled), with the rounding
//!    dust returned so callers conserve every rao;
//! 5. after the coinbase: [`update_moving_price`] (the price EMA that feeds step 1 next block)
//!    and [`root_sell_flag`].
//!
//! # Fixed point: what is emulated and what is not
//!
//! The chain computes shares and prices in `U64F64` and coinbase amounts in `U96F32`, and
//! truncates on every conversion to an integer.
//! - **Emulated exactly:** the alpha_out split ([`split_alpha_out`], `U96F32` in integers), the
//!   stored price EMA (truncated to the `I96F32` grid after each update), and the `TaoWeight`
//!   conversion ([`tao_weight_from_raw`]). Every amount returned is floored as on the chain.
//! - **Not emulated (f64):** shares, flow EMAs, the flow rule's `I32F32` `exp`/`ln` power,
//!   the root proportion, spot prices and the injection's `T/p` and `α·p`. f64 is finer than
//!   `U64F64` for these ratios' relative error; where a result is floored to rao, an f64 value
//!   that lands within ~10⁻⁷ of an integer can floor one rao differently from the chain.

/// An f64 share or price that must be a finite, non-negative number.
fn check_non_negative(what: &str, i: usize, x: f64) {
    assert!(
        x.is_finite() && x >= 0.0,
        "invalid `{what}[{i}]`: must be finite and ≥ 0, got `{x}`"
    );
}

// ------------------------------------------------------------------------ price-EMA shares

/// Which price-EMA share rule (§5.3, §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceShareRule {
    /// dTAO 2025: `s_i = p̄_i / Σ p̄` (no miner-burn factor).
    Dtao2025,
    /// 2026-06-22 → 2026-06-30: weights `ρ_i·π_i·(1 − min(1, burned_i))`.
    RootPropMinerBurn,
    /// At the snapshot (since 2026-06-30): weights `π_i·(1 − min(1, burned_i))`.
    MinerBurn,
}

/// One eligible subnet as the price-EMA share rules see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PriceShareInput {
    /// `SubnetMovingPrice` `p̄_i` (1 for a stable subnet).
    pub moving_price: f64,
    /// `MinerBurned_i`: fraction of the last epoch's miner incentive withheld from
    /// owner-controlled hotkeys (§5.8). Values above 1 count as 1.
    pub miner_burned: f64,
    /// Root proportion `ρ_i` (§5.4); read only by [`PriceShareRule::RootPropMinerBurn`].
    pub root_prop: f64,
    /// `SubnetEmissionEnabled`. A disabled subnet gets share 0 and its share goes to the
    /// enabled ones (it still mints alpha_out).
    pub emission_enabled: bool,
}

/// Shares `s_i` of the TAO block emission under a price-EMA rule, one per eligible subnet
/// (§5.3). Non-negative; they sum to 1 over the enabled subnets, or are all 0.
///
/// 1. `π_i = p̄_i / Σ p̄` (all 0 if `Σ p̄ = 0`, as the chain's `checked_div` gives).
/// 2. Weights `ω_i` per `rule` (`π_i` itself for [`PriceShareRule::Dtao2025`]);
///    `s_i = ω_i / Σ ω`, or `s = π` if `Σ ω = 0` (every subnet fully burned).
/// 3. If any subnet has emission disabled: `s_i ← s_i / Σ_enabled s` for enabled subnets and 0
///    for disabled ones; if `Σ_enabled s = 0` every share is 0.
///
/// All-zero shares mean nothing is emitted as TAO this block: the whole emission stays in the
/// credit and is recycled (§5.5). The 2025 rule predates `SubnetEmissionEnabled`; callers
/// simulating it leave every subnet enabled.
///
/// # Panics
/// If a `moving_price`, `miner_burned` or `root_prop` is negative, NaN or infinite.
pub fn price_ema_shares(subnets: &[PriceShareInput], rule: PriceShareRule) -> Vec<f64> {
    let mut shares = burn_weighted_shares(subnets, rule);
    redistribute_disabled(&mut shares, |i| subnets[i].emission_enabled);
    shares
}

/// The 2026-10 share pipeline (§13.2.1): [`price_ema_shares`] with the Hill emission gate
/// between the miner-burn weighting and the emission-disabled masking.
///
/// `bar` is the stored `EmissionGateBar` θ (0: not yet computed); it is recomputed from the
/// burn-weighted shares of *every* eligible subnet (disabled ones included) when it is 0 or
/// `block % 360 == 0`, and written only if the new value is > 0 (§13.2.2). Returns the shares
/// before the gate (after burn weighting) and the final shares.
///
/// # Panics
/// As [`price_ema_shares`].
pub fn gated_price_shares(
    subnets: &[PriceShareInput],
    rule: PriceShareRule,
    gate: &crate::chain::params::GateParams,
    bar: &mut f64,
    block: u64,
) -> (Vec<f64>, Vec<f64>) {
    let before = burn_weighted_shares(subnets, rule);
    if *bar == 0.0 || block.is_multiple_of(EMISSION_BAR_UPDATE_INTERVAL) {
        let theta = emission_gate_bar(&before, gate.rank, gate.quantile);
        if theta > 0.0 {
            *bar = theta;
        }
    }
    let mut shares = before.clone();
    apply_emission_gate(&mut shares, *bar, gate.exponent);
    redistribute_disabled(&mut shares, |i| subnets[i].emission_enabled);
    (before, shares)
}

/// `EMISSION_BAR_UPDATE_INTERVAL`: the gate bar is recomputed at blocks that are multiples of
/// this (absolute block numbers, §13.2.2).
pub const EMISSION_BAR_UPDATE_INTERVAL: u64 = 360;

/// The emission gate bar θ over shares `w` (§13.2.2); 0 if none can be set.
///
/// Rank mode (`rank` N > 0): the N-th largest strictly positive share, or the smallest
/// positive share if fewer than N are positive. Quantile mode (N = 0): walking the shares in
/// descending order with a running sum c (zeros included), the first share after which
/// c ≥ `quantile`; the last share if the sum never reaches it.
pub fn emission_gate_bar(w: &[f64], rank: u16, quantile: f64) -> f64 {
    let mut sorted: Vec<f64> = w.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    if rank > 0 {
        let positive = sorted.iter().take_while(|&&x| x > 0.0).count();
        if positive == 0 {
            return 0.0;
        }
        return sorted[usize::from(rank).min(positive) - 1];
    }
    let mut c = 0.0;
    for &x in &sorted {
        c += x;
        if c >= quantile {
            return x;
        }
    }
    sorted.last().copied().unwrap_or(0.0)
}

/// The Hill gate G(s; θ, h) = 1/(1 + (θ/s)^h) with the chain's fixed-point behaviour
/// (§13.2.3): r = θ/s below 2⁻³² converts to 0 in I32F32 and G = 1 exactly; when r^h would
/// exceed 2³¹ (I32F32 `exp` overflows) r^h = 2³¹ − 1, so a share far below the bar keeps
/// G = 2⁻³¹ rather than 0. `s` must be > 0.
pub fn gate_factor(s: f64, theta: f64, h: f64) -> f64 {
    const TWO_POW_M32: f64 = 1.0 / 4_294_967_296.0;
    const I32F32_EXP_MAX: f64 = 2_147_483_647.0;
    let r = theta / s;
    if r < TWO_POW_M32 {
        return 1.0;
    }
    let ln_rh = h * r.ln();
    let rh = if ln_rh > I32F32_EXP_MAX.ln() {
        I32F32_EXP_MAX
    } else {
        ln_rh.exp()
    };
    1.0 / (1.0 + rh)
}

/// Applies the gate to shares `w` in place (§13.2.1 step 4): g_i = w_i·G(w_i; θ, h) for
/// w_i > 0, renormalised; unchanged if θ = 0, or if every g underflows to 0 (the guard).
pub fn apply_emission_gate(w: &mut [f64], theta: f64, h: f64) {
    if theta <= 0.0 {
        return;
    }
    // g_i, each evaluated once (the gate's ln and exp are most of its cost).
    let g: Vec<f64> = w
        .iter()
        .map(|&x| {
            if x > 0.0 {
                x * gate_factor(x, theta, h)
            } else {
                0.0
            }
        })
        .collect();
    let sum: f64 = g.iter().sum();
    if sum <= 0.0 || !sum.is_finite() {
        return;
    }
    for (x, g) in w.iter_mut().zip(g) {
        if *x > 0.0 {
            *x = g / sum;
        }
    }
}

/// §5.3 steps 1–2: price shares, then the miner-burn weighting (before any gate or masking).
fn burn_weighted_shares(subnets: &[PriceShareInput], rule: PriceShareRule) -> Vec<f64> {
    for (i, s) in subnets.iter().enumerate() {
        check_non_negative("moving_price", i, s.moving_price);
        check_non_negative("miner_burned", i, s.miner_burned);
        check_non_negative("root_prop", i, s.root_prop);
    }
    let total: f64 = subnets.iter().map(|s| s.moving_price).sum();
    let pi: Vec<f64> = subnets
        .iter()
        .map(|s| {
            if total > 0.0 {
                s.moving_price / total
            } else {
                0.0
            }
        })
        .collect();
    match rule {
        PriceShareRule::Dtao2025 => pi,
        PriceShareRule::MinerBurn | PriceShareRule::RootPropMinerBurn => {
            let omega: Vec<f64> = subnets
                .iter()
                .zip(&pi)
                .map(|(s, p)| {
                    let keep = 1.0 - s.miner_burned.min(1.0);
                    match rule {
                        PriceShareRule::RootPropMinerBurn => s.root_prop * p * keep,
                        _ => p * keep,
                    }
                })
                .collect();
            let sum: f64 = omega.iter().sum();
            if sum > 0.0 {
                omega.into_iter().map(|w| w / sum).collect()
            } else {
                pi
            }
        }
    }
}

/// The chain's `get_subnet_block_emissions` step: if any subnet is disabled, renormalise over
/// the enabled ones (all 0 if their sum is 0).
fn redistribute_disabled(shares: &mut [f64], enabled: impl Fn(usize) -> bool) {
    if (0..shares.len()).all(&enabled) {
        return;
    }
    let sum: f64 = (0..shares.len())
        .filter(|&i| enabled(i))
        .map(|i| shares[i])
        .sum();
    for (i, s) in shares.iter_mut().enumerate() {
        *s = if enabled(i) && sum > 0.0 {
            *s / sum
        } else {
            0.0
        };
    }
}

// ------------------------------------------------------------------------ flow shares

/// `FlowEmaSmoothingFactor` default (raw; `φ = raw / (2⁶³ − 1)`).
pub const FLOW_EMA_SMOOTHING_FACTOR: u64 = 29_597_889_189_277;

/// The flow EMA's per-block weight `φ = FlowEmaSmoothingFactor / (2⁶³ − 1) ≈ 3.209·10⁻⁶`
/// (half-life about 216 000 blocks). The chain holds it in `I64F64`; f64 here.
pub fn flow_ema_alpha(smoothing_factor: u64) -> f64 {
    smoothing_factor as f64 / i64::MAX as f64
}

/// One subnet's TAO-flow accounting for the historical flow rule (§5.3): per-block
/// accumulators of user and protocol flow (rao, saturating `i64` as on the chain) and their
/// EMAs (rao per block, f64 here, `I64F64` on the chain).
///
/// - User flow `F`: `+` TAO paid in by `add_stake` and registrations, `−` TAO paid out by
///   `remove_stake` (including the fee to the block author).
/// - Protocol flow `Q`: `+` chain-buy excess and injected `tao_in`, `−` TAO from root-claim
///   sells.
///
/// Call [`FlowState::end_block`] once per block for every eligible subnet, immediately
/// before [`flow_shares`]: the chain folds the flows accumulated since the previous coinbase
/// into the EMAs at the start of the next share computation, then uses the updated EMAs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlowState {
    user_ema: f64,
    protocol_ema: f64,
    user_pending: i64,
    protocol_pending: i64,
}

impl FlowState {
    /// A subnet with no flow history (both EMAs 0).
    pub fn new() -> FlowState {
        FlowState::default()
    }

    /// A subnet whose EMAs start at the given values (rao per block), with empty accumulators.
    pub fn with_emas(user_ema: f64, protocol_ema: f64) -> FlowState {
        FlowState {
            user_ema,
            protocol_ema,
            ..FlowState::default()
        }
    }

    /// Adds user flow (rao; positive in, negative out) to this block's accumulator.
    pub fn record_user_flow(&mut self, rao: i64) {
        self.user_pending = self.user_pending.saturating_add(rao);
    }

    /// Adds protocol flow (rao; positive in, negative out) to this block's accumulator.
    pub fn record_protocol_flow(&mut self, rao: i64) {
        self.protocol_pending = self.protocol_pending.saturating_add(rao);
    }

    /// Folds the accumulators into the EMAs with the default `φ` and resets them:
    /// `ē ← (1 − φ)·ē + φ·F`.
    pub fn end_block(&mut self) {
        self.end_block_with(flow_ema_alpha(FLOW_EMA_SMOOTHING_FACTOR));
    }

    /// [`FlowState::end_block`] with an explicit EMA weight `phi`.
    pub fn end_block_with(&mut self, phi: f64) {
        self.user_ema = (1.0 - phi) * self.user_ema + phi * self.user_pending as f64;
        self.protocol_ema = (1.0 - phi) * self.protocol_ema + phi * self.protocol_pending as f64;
        self.user_pending = 0;
        self.protocol_pending = 0;
    }

    /// `n` blocks with no flow: both EMAs decay by `(1 − φ)ⁿ` (the pending flows stay).
    pub fn decay(&mut self, n: u64) {
        let phi = flow_ema_alpha(FLOW_EMA_SMOOTHING_FACTOR);
        let k = (1.0 - phi).powi(i32::try_from(n).unwrap_or(i32::MAX));
        self.user_ema *= k;
        self.protocol_ema *= k;
    }

    /// User-flow EMA `ē_user` (rao per block).
    pub fn user_ema(&self) -> f64 {
        self.user_ema
    }

    /// Protocol-flow EMA `ē_proto` (rao per block).
    pub fn protocol_ema(&self) -> f64 {
        self.protocol_ema
    }

    /// User flow accumulated since the last [`FlowState::end_block`] (rao).
    pub fn pending_user(&self) -> i64 {
        self.user_pending
    }

    /// Protocol flow accumulated since the last [`FlowState::end_block`] (rao).
    pub fn pending_protocol(&self) -> i64 {
        self.protocol_pending
    }
}

/// Net flows `net_i` (§5.3). With `net_tao_flow_enabled` (default true since 2026-05):
/// `norm = min(1, Σ max(ē_user, 0) / Σ max(ē_proto, 0))` (0 if the denominator is 0) and
/// `net_i = ē_user,i − (norm·ē_proto,i if ē_proto,i > 0, else ē_proto,i)`. Otherwise
/// `net_i = ē_user,i`.
pub fn net_flows(states: &[FlowState], net_tao_flow_enabled: bool) -> Vec<f64> {
    if !net_tao_flow_enabled {
        return states.iter().map(|s| s.user_ema).collect();
    }
    let user_pos: f64 = states.iter().map(|s| s.user_ema.max(0.0)).sum();
    let proto_pos: f64 = states.iter().map(|s| s.protocol_ema.max(0.0)).sum();
    let norm = if proto_pos > 0.0 {
        (user_pos / proto_pos).min(1.0)
    } else {
        0.0
    };
    states
        .iter()
        .map(|s| {
            let p = s.protocol_ema;
            s.user_ema - if p > 0.0 { norm * p } else { p }
        })
        .collect()
}

/// Shares under the flow rule (§5.3, historical): [`net_flows`], then the lower limit
/// `L = max(cutoff, min_i min(net_i, 0))`, `z_i = max(net_i − L, 0)`, then
/// [`pow_normalize`]`(z, exponent)`.
///
/// With the defaults (`cutoff = 0`, `exponent = 1`) this is `s_i = max(net_i, 0) / Σ max(net, 0)`.
/// If every `z_i` is 0 (no subnet has positive net flow above the limit), **all shares are 0**
/// and the whole block emission stays in the credit and is recycled, as on the chain.
/// Disabled subnets, if the caller has any, go through the same renormalisation as in
/// [`price_ema_shares`] step 3 (apply it to the result).
pub fn flow_shares(
    states: &[FlowState],
    net_tao_flow_enabled: bool,
    cutoff: f64,
    exponent: f64,
) -> Vec<f64> {
    let net = net_flows(states, net_tao_flow_enabled);
    let min_neg = net.iter().fold(0.0f64, |m, &x| m.min(x));
    let lower = cutoff.max(min_neg);
    let z: Vec<f64> = net
        .iter()
        .map(|&x| if x > lower { x - lower } else { 0.0 })
        .collect();
    pow_normalize(&z, exponent)
}

/// Power normalisation `s_i = z_i^p / Σ z^p` (the chain's `inplace_pow_normalize`).
///
/// Zero (or negative) entries stay 0 for every `p`, including `p = 0` (the chain's `ln(0)`
/// fails and gives 0). If every entry is 0 the result is all 0. The chain pre-scales to a
/// maximum of 1 and evaluates the power with `I32F32` `exp(p·ln z)`, whose error is why the
/// vector `flow_share_pow_normalize` allows 1 % for `p = 2`; this uses f64 `powf` after the
/// same pre-scaling (not emulated). Values below `2⁻³²` of the maximum, which the chain
/// rounds to 0, are kept here.
///
/// # Panics
/// If `p` is negative or not finite.
pub fn pow_normalize(z: &[f64], p: f64) -> Vec<f64> {
    assert!(
        p.is_finite() && p >= 0.0,
        "invalid `exponent`: must be finite and ≥ 0, got `{p}`"
    );
    let max = z.iter().fold(0.0f64, |m, &x| m.max(x));
    if max <= 0.0 {
        return vec![0.0; z.len()];
    }
    let pow: Vec<f64> = z
        .iter()
        .map(|&x| if x > 0.0 { (x / max).powf(p) } else { 0.0 })
        .collect();
    let sum: f64 = pow.iter().sum();
    pow.into_iter().map(|x| x / sum).collect()
}

// ------------------------------------------------------------------------ T_i in rao

/// Per-subnet TAO emission `T_i = ⌊E·s_i⌋` rao.
///
/// The chain multiplies in `U64F64`, keeps `T_i` fractional in `U96F32`, and floors where it
/// is spent. Here it is floored once, and each `T_i` is also capped at what is left of `E` so
/// that `Σ T_i ≤ E` holds even if f64 rounding pushes a product up by an ulp. The remainder
/// `E − Σ T_i` (under one rao per subnet, or all of `E` when the shares are all 0) is never
/// spent: it stays in the block's credit and is **recycled** at the end of the coinbase (§5.5),
/// so it does not raise `TotalIssuance`.
///
/// # Panics
/// If a share is negative, NaN or infinite.
pub fn tao_to_rao_shares(e_block: u64, shares: &[f64]) -> Vec<u64> {
    let mut left = e_block;
    shares
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            check_non_negative("shares", i, s);
            // `as` floors non-negative values and saturates.
            let t = ((e_block as f64 * s) as u64).min(left);
            left -= t;
            t
        })
        .collect()
}

// ------------------------------------------------------------------------ per-subnet terms

/// Default `TaoWeight` (u64 proportion): 971 718 665 099 567 868 / (2⁶⁴ − 1) ≈ 0.0527.
pub const DEFAULT_TAO_WEIGHT_RAW: u64 = 971_718_665_099_567_868;

/// `TaoWeight` as the chain reads it: `raw / (2⁶⁴ − 1)` in `U96F32`, i.e. truncated to 2⁻³²
/// (emulated exactly).
pub fn tao_weight_from_raw(raw: u64) -> f64 {
    let bits = (u128::from(raw) << 32) / u128::from(u64::MAX);
    bits as f64 / 4_294_967_296.0
}

/// Root proportion `ρ = w_τ·R / (w_τ·R + A)` (§5.4), with `R` = TAO staked on root
/// (`SubnetTAO[root]`, rao), `A` = the subnet's alpha issuance (rao) and `w_τ` = `TaoWeight`;
/// 0 if the denominator is 0. In `[0, 1]`.
///
/// f64; the chain's `U96F32` truncations (of `w_τ·R` and of the quotient, each ≤ 2⁻³²) are not
/// emulated.
///
/// # Panics
/// If `tao_weight` is negative, NaN or infinite.
pub fn root_proportion(tao_weight: f64, root_tao: u64, alpha_issuance: u64) -> f64 {
    check_non_negative("tao_weight", 0, tao_weight);
    let w = tao_weight * root_tao as f64;
    let den = w + alpha_issuance as f64;
    if den > 0.0 { w / den } else { 0.0 }
}

/// The historical caps on a subnet's alpha injection (§5.4, §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectionCap {
    /// At the snapshot (since 2026-06-22): `α_in ≤ ρ·A_out`; if the cap binds,
    /// `t_in = α_in·p`.
    RootProportion,
    /// Before 2026-06-22 (back to the end of the subsidy, §12): `α_in ≤ min(A_out, E_block)`;
    /// if the cap binds, `t_in = α_in·p`.
    AlphaOutOrBlockEmission {
        /// The TAO block emission `E_block` (rao).
        block_emission: u64,
    },
    /// Mid-2025 "subsidy" (e.g. `main` @ 2025-08-01): if `p < T/E_block`, then
    /// `t_in = p·E_block`, `α_in = A_out`, and the excess buys alpha that is then removed
    /// from `SubnetAlphaOut` (the caller recycles it). Otherwise `t_in = T`, `α_in = T/p`
    /// (`A_out` if `p = 0`).
    Subsidy {
        /// The TAO block emission `E_block` (rao).
        block_emission: u64,
    },
}

impl InjectionCap {
    /// The largest `alpha_in` [`injection`] can return under this cap:
    /// `⌊ρ·A_out⌋`, `min(A_out, E_block)`, or `max(A_out, E_block)` for the subsidy rule.
    ///
    /// For the subsidy rule the bound assumes `T ≤ E_block` (always so on the chain, where
    /// `T = E_block·s`): its uncapped branch has `p ≥ T/E_block`, hence `T/p ≤ E_block`.
    pub fn max_alpha_in(&self, alpha_out: u64, root_prop: f64) -> u64 {
        match *self {
            InjectionCap::RootProportion => (root_prop * alpha_out as f64) as u64,
            InjectionCap::AlphaOutOrBlockEmission { block_emission } => {
                alpha_out.min(block_emission)
            }
            InjectionCap::Subsidy { block_emission } => alpha_out.max(block_emission),
        }
    }
}

/// A subnet's pool injection for one block (§5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injection {
    /// TAO added to the pool reserve (rao).
    pub tao_in: u64,
    /// Alpha added to the pool reserve (rao).
    pub alpha_in: u64,
    /// TAO that buys alpha through the pool instead (rao): `T − tao_in`.
    pub excess: u64,
    /// Whether the cap bound (for [`InjectionCap::Subsidy`]: whether the subnet was
    /// subsidised).
    pub capped: bool,
}

/// `tao_in`, `alpha_in` and `excess` for a subnet with TAO emission `t_i` (rao), spot price
/// `spot_price` (TAO per alpha), alpha emission `alpha_out` (rao) and root proportion
/// `root_prop`, under `cap` (§5.4).
///
/// Raw `α_in = T/p` (0 if `p = 0`, as the chain's `safe_div_or` gives; TAO is then injected
/// with no alpha). If `α_in` exceeds the cap, `α_in = cap` and `t_in = cap·p`; otherwise
/// `t_in = T`. See [`InjectionCap`] for the subsidy variant.
///
/// Rounding: `α_in` and `t_in` are computed in f64 and floored (the chain floors the same
/// quantities from `U96F32`), and `excess = T − tao_in`, so `tao_in + excess == t_i` exactly.
/// The chain floors `excess = T − t_in` separately from a fractional `T`, so its
/// `tao_in + excess` can be one rao lower (that rao is recycled with the leftover credit).
///
/// # Panics
/// If `spot_price` or `root_prop` is negative, NaN or infinite.
pub fn injection(
    t_i: u64,
    spot_price: f64,
    alpha_out: u64,
    root_prop: f64,
    cap: InjectionCap,
) -> Injection {
    check_non_negative("spot_price", 0, spot_price);
    check_non_negative("root_prop", 0, root_prop);
    let t = t_i as f64;
    let p = spot_price;
    let (tao_in_f, alpha_in_f, capped) = match cap {
        InjectionCap::Subsidy { block_emission } => {
            let ratio = if block_emission > 0 {
                t / block_emission as f64
            } else {
                0.0
            };
            if p < ratio {
                (p * block_emission as f64, alpha_out as f64, true)
            } else if p > 0.0 {
                (t, t / p, false)
            } else {
                (t, alpha_out as f64, false)
            }
        }
        InjectionCap::RootProportion | InjectionCap::AlphaOutOrBlockEmission { .. } => {
            let cap_f = match cap {
                InjectionCap::RootProportion => root_prop * alpha_out as f64,
                _ => cap.max_alpha_in(alpha_out, root_prop) as f64,
            };
            let raw = if p > 0.0 { t / p } else { 0.0 };
            if raw > cap_f {
                (cap_f * p, cap_f, true)
            } else {
                (t, raw, false)
            }
        }
    };
    // `as` floors non-negative values and saturates; t_in ≤ T mathematically, and `min`
    // keeps it so under f64 rounding.
    let tao_in = (tao_in_f as u64).min(t_i);
    let alpha_in = alpha_in_f as u64;
    Injection {
        tao_in,
        alpha_in,
        excess: t_i - tao_in,
        capped,
    }
}

// ------------------------------------------------------------------------ dividend split

/// One hotkey's dividend `d` (after childkeys) split into its alpha-side and root-side
/// weights (§5.8 step 3, §13.5): alpha_div = d·a/(a + w_τ·r) (all of d if the denominator is
/// 0), root_div = d − alpha_div. Under [`DividendSplit::RootRegistered`] a hotkey without a
/// root UID gets root_div = 0: its root-weighted slice is neither paid to it nor moved to the
/// alpha side; it drops out of Σ root_div.
pub fn dividend_split(
    d: f64,
    alpha_stake: u64,
    root_stake: u64,
    tao_weight: f64,
    on_root: bool,
    rule: crate::chain::params::DividendSplit,
) -> (f64, f64) {
    use crate::chain::params::DividendSplit;
    let a = alpha_stake as f64;
    let r = tao_weight * root_stake as f64;
    // Computed as root part first (the arithmetic of the pre-2026-10 regimes, kept so their
    // outputs do not move by a rao).
    let root_part = d * if a + r > 0.0 { r / (a + r) } else { 0.0 };
    let alpha_div = d - root_part;
    let root_div = match rule {
        DividendSplit::AnyRootStake => root_part,
        DividendSplit::RootRegistered if on_root => root_part,
        DividendSplit::RootRegistered => 0.0,
    };
    (alpha_div, root_div)
}

// ------------------------------------------------------------------------ alpha_out split

/// Where one block's alpha_out goes (§5.6), in rao of alpha. The fields sum to `alpha_out`
/// exactly ([`AlphaSplit::total`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlphaSplit {
    /// `PendingOwnerCut` increment: `⌊A_out·χ⌋`.
    pub owner: u64,
    /// `PendingServerEmission` increment (miners): `⌊A'/2⌋`.
    pub server: u64,
    /// `PendingValidatorEmission` increment: `⌊A'/2 − root⌋`.
    pub validator: u64,
    /// `PendingRootAlphaDivs` increment: `⌊ρ'·A'/2⌋` when the root-sell flag is set, else 0.
    pub root: u64,
    /// Root alpha recycled (subtracted from `SubnetAlphaOut`) when the root-sell flag is not
    /// set, else 0.
    pub recycled: u64,
    /// Rounding dust: `alpha_out` minus everything above (at most 3 rao). On the chain it is
    /// minted into `SubnetAlphaOut` but credited to nobody.
    pub dust: u64,
}

impl AlphaSplit {
    /// The sum of all fields, equal to the split `alpha_out`.
    pub fn total(&self) -> u64 {
        self.owner + self.server + self.validator + self.root + self.recycled + self.dust
    }
}

/// `U96F32` scale (2³²).
const Q32: u32 = 32;

/// Splits a subnet's `alpha_out` (rao) for one block (§5.6).
///
/// - Owner cut `C = A_out·χ` with `χ = owner_cut_u16/65535` if `owner_cut_enabled`, else 0;
///   `A' = A_out − C`.
/// - `root = ρ'·A'·½`, `server = ½·A'`, `validator = ½·A' − root`, where `root_prop_now` is
///   `ρ'`, the root proportion recomputed *after* this block's `α_in` and `A_out` were minted.
/// - `root_sell` (see [`root_sell_flag`]) decides whether the root alpha becomes pending root
///   dividends or is recycled.
///
/// Emulates the chain's `U96F32` arithmetic exactly, in integers: `χ` is `u16/65535`
/// truncated to 2⁻³², `ρ'` is truncated to 2⁻³² (the chain's `ρ'` is a `U96F32` quotient; an
/// f64 `ρ'` can differ from it in that last bit), every product is truncated to 2⁻³², and each
/// bucket is floored. `owner_cut_u16 = 65535` gives the whole `alpha_out` to the owner.
///
/// # Panics
/// If `root_prop_now` is not in `[0, 1]`.
pub fn split_alpha_out(
    alpha_out: u64,
    owner_cut_u16: u16,
    owner_cut_enabled: bool,
    root_prop_now: f64,
    root_sell: bool,
) -> AlphaSplit {
    assert!(
        (0.0..=1.0).contains(&root_prop_now),
        "invalid `root_prop_now`: must be in [0, 1], got `{root_prop_now}`"
    );
    let a = u128::from(alpha_out) << Q32;
    let chi = if owner_cut_enabled {
        (u128::from(owner_cut_u16) << Q32) / 65_535
    } else {
        0
    };
    // (a·χ) >> 32 = alpha_out·χ, exact (< 2⁹⁶).
    let cut = u128::from(alpha_out) * chi;
    let rest = a - cut;
    // Multiplying by ½ (2³¹ in U96F32) truncates: a right shift.
    let server = rest >> 1;
    // ρ' ≤ 2³² and rest < 2⁹⁶, so the product fits in u128.
    // In [0, 2³²], so the conversion through u64 is exact (and cheaper than f64 → u128).
    let rho = u128::from((root_prop_now * 4_294_967_296.0) as u64);
    let root = ((rho * rest) >> Q32) >> 1;
    // ρ' ≤ 1 gives root ≤ rest/2 ≤ rest − server.
    let validator = rest - server - root;
    let floor = |x: u128| (x >> Q32) as u64;
    let (owner, server, validator, root_f) =
        (floor(cut), floor(server), floor(validator), floor(root));
    let (root, recycled) = if root_sell { (root_f, 0) } else { (0, root_f) };
    AlphaSplit {
        owner,
        server,
        validator,
        root,
        recycled,
        dust: alpha_out - owner - server - validator - root_f,
    }
}

/// The root-sell flag (§5.10): `Σ p̄ > 1` over the eligible subnets. When false, root's share
/// of alpha_out is recycled instead of paid.
pub fn root_sell_flag(moving_prices: &[f64]) -> bool {
    moving_prices.iter().sum::<f64>() > 1.0
}

// ------------------------------------------------------------------------ price EMA

/// `EMAPriceHalvingBlocks` default.
pub const EMA_PRICE_HALVING_BLOCKS: u64 = 201_600;

/// `SubnetMovingAlpha` default as the chain stores it: `I96F32::from_num(0.000003)`, i.e.
/// 12 885 / 2³² ≈ 3.00002·10⁻⁶.
pub const DEFAULT_SUBNET_MOVING_ALPHA: f64 = 12_885.0 / 4_294_967_296.0;

/// One block's update of a subnet's price EMA `p̄` (§5.10), run after the coinbase for each
/// eligible dynamic subnet (stable subnets and root keep `p̄ = 1`):
///
/// `b = block − (first_emission_block − 1)`, `a = moving_alpha · b/(b + halving_blocks)`,
/// `p̄ ← a·min(spot, 1) + (1 − a)·p̄`.
///
/// Saturating as on the chain: `b ≥ 0`; `a = 0` if `b + halving_blocks = 0`; `1 − a ≥ 0`.
/// Computed in f64 (the chain uses `U64F64`), then **truncated to the `I96F32` grid** (2⁻³²)
/// as `SubnetMovingPrice` is stored. That truncation is emulated because it biases the slow
/// EMA downward: up to 2⁻³² per block, a steady-state bias of up to `2⁻³²/a ≈ 8·10⁻⁵` at the
/// default `a ≈ 3·10⁻⁶` (close to 1 % of a 0.01 price).
///
/// # Panics
/// If `ema`, `spot` or `moving_alpha` is negative, NaN or infinite.
pub fn update_moving_price(
    ema: f64,
    spot: f64,
    moving_alpha: f64,
    block: u64,
    first_emission_block: u64,
    halving_blocks: u64,
) -> f64 {
    check_non_negative("ema", 0, ema);
    check_non_negative("spot", 0, spot);
    check_non_negative("moving_alpha", 0, moving_alpha);
    let a = moving_price_weight(moving_alpha, block, first_emission_block, halving_blocks);
    let next = a * spot.min(1.0) + (1.0 - a).max(0.0) * ema;
    (next * MOVING_PRICE_GRID).floor() / MOVING_PRICE_GRID
}

/// `SubnetMovingPrice`'s grid: it is stored as `I96F32`, so in units of 2⁻³² (§5.10).
pub(crate) const MOVING_PRICE_GRID: f64 = 4_294_967_296.0;

/// The EMA weight `a` of the moving price at `block` (§5.10, [`update_moving_price`]):
/// `b = block − (first_emission_block − 1)` (saturating at 0),
/// `a = moving_alpha · b/(b + halving_blocks)`, 0 if `b + halving_blocks = 0`.
pub(crate) fn moving_price_weight(
    moving_alpha: f64,
    block: u64,
    first_emission_block: u64,
    halving_blocks: u64,
) -> f64 {
    let b = block.saturating_sub(first_emission_block.saturating_sub(1)) as f64;
    let den = b + halving_blocks as f64;
    if den > 0.0 {
        moving_alpha * (b / den)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(p: f64, burned: f64, enabled: bool) -> PriceShareInput {
        PriceShareInput {
            moving_price: p,
            miner_burned: burned,
            root_prop: 1.0,
            emission_enabled: enabled,
        }
    }

    #[test]
    fn worked_example_shares() {
        // §5.11: p̄ = 0.03 and 0.01 → 0.75 and 0.25.
        let s = price_ema_shares(
            &[input(0.03, 0.0, true), input(0.01, 0.0, true)],
            PriceShareRule::MinerBurn,
        );
        assert!((s[0] - 0.75).abs() < 1e-15 && (s[1] - 0.25).abs() < 1e-15);
    }

    #[test]
    fn miner_burn_factor_and_fallback() {
        let subnets = [input(1.0, 0.5, true), input(1.0, 0.0, true)];
        let s = price_ema_shares(&subnets, PriceShareRule::MinerBurn);
        assert!((s[0] - 1.0 / 3.0).abs() < 1e-15);
        let s = price_ema_shares(&subnets, PriceShareRule::Dtao2025);
        assert_eq!(s, vec![0.5, 0.5]);
        // Everyone fully burned (and > 1 counts as 1): fall back to π.
        let all = [input(1.0, 1.0, true), input(3.0, 2.0, true)];
        assert_eq!(
            price_ema_shares(&all, PriceShareRule::MinerBurn),
            vec![0.25, 0.75]
        );
    }

    #[test]
    fn root_prop_variant() {
        let mut a = input(1.0, 0.0, true);
        let mut b = input(1.0, 0.0, true);
        a.root_prop = 0.1;
        b.root_prop = 0.3;
        let s = price_ema_shares(&[a, b], PriceShareRule::RootPropMinerBurn);
        assert!((s[0] - 0.25).abs() < 1e-15);
        // ρ = 0 everywhere: fall back to π.
        a.root_prop = 0.0;
        b.root_prop = 0.0;
        assert_eq!(
            price_ema_shares(&[a, b], PriceShareRule::RootPropMinerBurn),
            vec![0.5, 0.5]
        );
    }

    #[test]
    fn disabled_subnets_redistribute() {
        let s = price_ema_shares(
            &[
                input(1.0, 0.0, true),
                input(2.0, 0.0, false),
                input(1.0, 0.0, true),
            ],
            PriceShareRule::MinerBurn,
        );
        assert_eq!(s, vec![0.5, 0.0, 0.5]);
        // The only enabled subnet has share 0: nothing is emitted.
        let s = price_ema_shares(
            &[input(0.0, 0.0, true), input(2.0, 0.0, false)],
            PriceShareRule::MinerBurn,
        );
        assert_eq!(s, vec![0.0, 0.0]);
        // No prices at all.
        let s = price_ema_shares(&[input(0.0, 0.0, true)], PriceShareRule::Dtao2025);
        assert_eq!(s, vec![0.0]);
        assert!(price_ema_shares(&[], PriceShareRule::MinerBurn).is_empty());
    }

    #[test]
    #[should_panic(expected = "invalid `moving_price[1]`")]
    fn negative_price_is_refused() {
        price_ema_shares(
            &[input(1.0, 0.0, true), input(-1.0, 0.0, true)],
            PriceShareRule::MinerBurn,
        );
    }

    #[test]
    fn flow_ema_and_accumulators() {
        let phi = flow_ema_alpha(FLOW_EMA_SMOOTHING_FACTOR);
        assert!((phi - 3.209e-6).abs() < 1e-9);
        let mut f = FlowState::new();
        f.record_user_flow(1_000_000);
        f.record_user_flow(-400_000);
        f.record_protocol_flow(i64::MAX);
        f.record_protocol_flow(1);
        assert_eq!(f.pending_protocol(), i64::MAX, "saturating");
        f.end_block_with(0.5);
        assert_eq!(f.user_ema(), 300_000.0);
        assert_eq!((f.pending_user(), f.pending_protocol()), (0, 0));
        f.end_block_with(0.5);
        assert_eq!(f.user_ema(), 150_000.0);
    }

    #[test]
    fn net_flow_normalisation() {
        // Users bring 10, protocol puts in 40 in total: norm = 10/40.
        let s = [
            FlowState::with_emas(10.0, 20.0),
            FlowState::with_emas(0.0, 20.0),
            FlowState::with_emas(-5.0, -8.0),
        ];
        assert_eq!(net_flows(&s, true), vec![5.0, -5.0, 3.0]);
        assert_eq!(net_flows(&s, false), vec![10.0, 0.0, -5.0]);
        let close = |a: Vec<f64>, b: [f64; 3]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-15);
        // L = max(0, −5) = 0: shares 5/8, 0, 3/8.
        assert!(close(flow_shares(&s, true, 0.0, 1.0), [0.625, 0.0, 0.375]));
        // A negative cutoff lets the most negative subnet set the limit: L = −5.
        assert!(close(
            flow_shares(&s, true, -100.0, 1.0),
            [10.0 / 18.0, 0.0, 8.0 / 18.0]
        ));
        // Nobody positive: everything recycled.
        let neg = [FlowState::with_emas(-1.0, 0.0), FlowState::new()];
        assert_eq!(flow_shares(&neg, true, 0.0, 1.0), vec![0.0, 0.0]);
    }

    #[test]
    fn pow_normalize_edge_cases() {
        assert_eq!(pow_normalize(&[0.0, 0.0], 2.0), vec![0.0, 0.0]);
        assert_eq!(pow_normalize(&[0.0, 4.0, 4.0], 0.0), vec![0.0, 0.5, 0.5]);
        assert!(pow_normalize(&[], 1.0).is_empty());
        let s = pow_normalize(&[1e-300, 1e300], 1.0);
        assert_eq!(s[1], 1.0);
    }

    #[test]
    fn rao_shares_floor_and_never_exceed() {
        assert_eq!(
            tao_to_rao_shares(1_000_000, &[1.0 / 3.0, 2.0 / 3.0]),
            vec![333_333, 666_666]
        );
        assert_eq!(tao_to_rao_shares(10, &[0.6, 0.6]), vec![6, 4]);
        assert_eq!(tao_to_rao_shares(10, &[0.0, 0.0]), vec![0, 0]);
    }

    #[test]
    fn tao_weight_default() {
        let w = tao_weight_from_raw(DEFAULT_TAO_WEIGHT_RAW);
        assert!((w - 0.052_677).abs() < 1e-6, "{w}");
        assert_eq!(tao_weight_from_raw(u64::MAX), 1.0);
        assert_eq!(tao_weight_from_raw(0), 0.0);
    }

    #[test]
    fn root_proportion_cases() {
        // §5.11: 0.18·3e6 / (0.18·3e6 + 3e6) = 0.15254.
        const TAO: u64 = 1_000_000_000;
        let rho = root_proportion(0.18, 3_000_000 * TAO, 3_000_000 * TAO);
        assert!((rho - 0.54 / 3.54).abs() < 1e-12);
        assert_eq!(root_proportion(1.0, 0, 0), 0.0);
        assert_eq!(root_proportion(0.0, 5, 0), 0.0);
        assert_eq!(root_proportion(1.0, 5, 0), 1.0);
    }

    #[test]
    fn worked_example_injection() {
        // §5.11, subnet A: T = 0.75 TAO, p = 0.03, A_out = 1 α, ρ = 0.15254.
        let rho = 0.54 / 3.54;
        let inj = injection(
            750_000_000,
            0.03,
            1_000_000_000,
            rho,
            InjectionCap::RootProportion,
        );
        assert!(inj.capped);
        assert_eq!(inj.alpha_in, 152_542_372);
        assert_eq!(inj.tao_in, 4_576_271);
        assert_eq!(inj.tao_in + inj.excess, 750_000_000);
        // The older cap min(A_out, E_block) = 1 α binds too (raw α_in is 25 α).
        let old = InjectionCap::AlphaOutOrBlockEmission {
            block_emission: 1_000_000_000,
        };
        let inj = injection(750_000_000, 0.03, 1_000_000_000, rho, old);
        assert_eq!((inj.alpha_in, inj.tao_in), (1_000_000_000, 30_000_000));
        // Uncapped: t_in = T.
        let inj = injection(
            10_000_000,
            1.0,
            1_000_000_000,
            1.0,
            InjectionCap::RootProportion,
        );
        assert_eq!(
            (inj.tao_in, inj.alpha_in, inj.excess),
            (10_000_000, 10_000_000, 0)
        );
        assert!(!inj.capped);
    }

    #[test]
    fn injection_zero_price() {
        let inj = injection(100, 0.0, 1000, 0.5, InjectionCap::RootProportion);
        assert_eq!((inj.tao_in, inj.alpha_in, inj.excess), (100, 0, 0));
        let sub = InjectionCap::Subsidy {
            block_emission: 1000,
        };
        let inj = injection(100, 0.0, 1000, 0.5, sub);
        assert_eq!((inj.tao_in, inj.alpha_in, inj.excess), (0, 1000, 100));
        let inj = injection(0, 0.0, 1000, 0.5, sub);
        assert_eq!((inj.tao_in, inj.alpha_in, inj.excess), (0, 1000, 0));
    }

    #[test]
    fn subsidy_branches() {
        let sub = InjectionCap::Subsidy {
            block_emission: 1_000_000_000,
        };
        // Share 0.5 of E, price 0.1 < 0.5: subsidised.
        let inj = injection(500_000_000, 0.1, 1_000_000_000, 0.0, sub);
        assert!(inj.capped);
        assert_eq!(inj.tao_in, 100_000_000);
        assert_eq!(inj.alpha_in, 1_000_000_000);
        assert_eq!(inj.excess, 400_000_000);
        // Price 0.5 ≥ 0.5: normal, α_in = T/p.
        let inj = injection(500_000_000, 0.5, 1_000_000_000, 0.0, sub);
        assert!(!inj.capped);
        assert_eq!(
            (inj.tao_in, inj.alpha_in, inj.excess),
            (500_000_000, 1_000_000_000, 0)
        );
    }

    #[test]
    fn worked_example_split() {
        // §5.11: owner 0.18 α, server 0.41 α, root 0.0625 α, validators 0.3475 α (rounded
        // figures: the exact root share is ρ·0.41 = 0.06254 α).
        let rho = 0.54 / 3.54;
        let s = split_alpha_out(1_000_000_000, 11_796, true, rho, true);
        assert_eq!(s.owner, 179_995_422); // 11 796 / 65 535 = 0.179995…
        assert_eq!(s.server, 410_002_288);
        assert_eq!(s.total(), 1_000_000_000);
        assert!((s.root as f64 - rho * 410_002_288.0).abs() < 2.0);
        assert_eq!(s.recycled, 0);
        let r = split_alpha_out(1_000_000_000, 11_796, true, rho, false);
        assert_eq!((r.root, r.recycled), (0, s.root));
        assert_eq!(r.total(), 1_000_000_000);
    }

    #[test]
    fn split_extremes() {
        let s = split_alpha_out(1_000_000_001, 65_535, true, 1.0, true);
        assert_eq!(s.owner, 1_000_000_001);
        assert_eq!(s.total(), 1_000_000_001);
        let s = split_alpha_out(7, 65_535, false, 1.0, true);
        assert_eq!(
            (s.owner, s.server, s.validator, s.root, s.dust),
            (0, 3, 0, 3, 1)
        );
        let s = split_alpha_out(u64::MAX, 11_796, true, 1.0, true);
        assert_eq!(s.total(), u64::MAX);
        let s = split_alpha_out(0, 11_796, true, 0.5, true);
        assert_eq!(s, AlphaSplit::default());
    }

    #[test]
    fn root_sell() {
        assert!(!root_sell_flag(&[0.5, 0.5]));
        assert!(root_sell_flag(&[0.5, 0.6]));
        assert!(!root_sell_flag(&[]));
    }

    #[test]
    fn moving_price_basics() {
        // Young subnet: barely moves.
        let p = update_moving_price(0.0, 1.0, 0.5, 510, 500, EMA_PRICE_HALVING_BLOCKS);
        assert!(p > 0.0 && p < 0.001);
        // Spot above 1 is clipped to 1; the result is on the 2⁻³² grid.
        let p = update_moving_price(0.5, 7.0, 1.0, 201_600, 1, EMA_PRICE_HALVING_BLOCKS);
        assert_eq!(p, 0.75);
        let q = update_moving_price(
            0.01,
            0.02,
            DEFAULT_SUBNET_MOVING_ALPHA,
            10_000_000,
            1,
            201_600,
        );
        assert_eq!((q * 4_294_967_296.0).fract(), 0.0);
        assert!(q > 0.01);
        // Before start_call and with no halving time: a = 0.
        assert_eq!(update_moving_price(0.25, 1.0, 0.5, 0, 10, 0), 0.25);
        // moving_alpha > 1: (1 − a) saturates at 0.
        assert_eq!(update_moving_price(0.25, 0.5, 4.0, 100, 1, 0), 2.0);
    }
}
