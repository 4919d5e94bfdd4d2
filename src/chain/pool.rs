//! The subnet AMM (spec `chain-model.md` §6, §7, §12): one subnet's TAO/alpha pool as a pure
//! value type with integer reserves in rao. No I/O, no globals, no randomness.
//!
//! # The three kinds of pool
//! - [`PoolKind::Balancer`], today's weighted pool (on `main` since 2026-06-25). Price
//!   p = (w₁/w₂)·(y/x) TAO per alpha, with x = [`Pool::alpha`], y = [`Pool::tao`], quote
//!   weight w₂ = [`Pool::w_quote`] and base weight w₁ = 1 − w₂. Swaps keep x^{w₁}·y^{w₂};
//!   the fee is **not** added to the pool (it goes to the block author, §6.3).
//! - [`PoolKind::ConstantProduct`], the earlier regime (dTAO 2025-01 → 2026-06-25, §12):
//!   x·y = k, price y/x, `w_quote` is not read (it stays at 0.5). Under the Uniswap-v3 engine
//!   only the protocol's full-range position held liquidity and its fees accrued to that
//!   position; the chain added them to the reserves at the next emission injection. We add
//!   the fee to the **input reserve at once**, so the pool grows by the whole amount taken
//!   (net + fee) and x·y strictly increases on every swap with a fee. That is one block
//!   early compared with the chain, and the price after a swap includes the fee.
//! - [`PoolKind::Stable`], the root network (netuid 0, §7): swaps are 1:1 with no fee, the
//!   price is 1 and no reserve guard applies except that a sell cannot pay out more TAO than
//!   the TAO reserve holds. Only the TAO reserve moves (it is the TAO staked on root, the
//!   chain's `SubnetTAO` for netuid 0); the alpha reserve is never touched (the chain
//!   saturating-subtracts from a zero `SubnetAlphaIn`). Build one with [`Pool::stable`].
//!
//! # Swaps (§6.2)
//! Exact input. The fee is f = ⌊amount·r/65535⌋ with r the u16 fee rate (chain default
//! [`DEFAULT_FEE_RATE`] = 33), the net input Δ = amount − f, and
//! - buy (TAO in, alpha out): out = ⌊x·(1 − (y/(y+Δ))^{w₂/w₁})⌋,
//! - sell (alpha in, TAO out): out = ⌊y·(1 − (x/(x+Δ))^{w₁/w₂})⌋,
//!
//! clipped at the output reserve ([`Pool::buy_output`] and [`Pool::sell_output`] are these
//! curves alone, with no fee and no guard). The input reserve grows by Δ (by Δ + f for
//! constant product) and the output reserve shrinks by out. Guards, in this order, each a
//! [`SwapError`]: zero input; fee rate 65535; a limit that is NaN or negative; a Balancer
//! weight outside [0.01, 0.99]; output reserve below [`MINIMUM_RESERVE`] before the swap;
//! then, on the net input actually swapped (after any price-limit reduction), net input above
//! [`MAX_INPUT_RATIO`] × the input reserve; an output that rounds to 0 (the chain's
//! `ReservesTooLow` on a positive input); an output that would leave less than 1 rao in the
//! output reserve (kept as a defence like the chain's check: the curves as computed here
//! stay below the reserve for any input the 1000× guard lets through); and an input reserve
//! that would overflow `u64`.
//! A refused swap leaves the pool unchanged.
//!
//! # Price limits (§6.2)
//! A limit L is in TAO per alpha (the chain's API takes rao per alpha, which is the same
//! number ÷ 10⁹). A buy must end at a price ≤ L, a sell at a price ≥ L. If L is already
//! passed before the trade (buy: p > L; sell: p < L) the swap takes nothing and refunds the
//! whole amount (the chain returns `PriceLimitExceeded` there instead; both leave everything
//! unchanged). If the full trade would pass L, the net input is reduced to the amount that
//! reaches L: first the spec's estimate (buy Δ = y·((L/p)^{w₁} − 1), sell
//! Δ = x·((p/L)^{w₂} − 1)), floored, then checked with the post-trade [`Pool::price`] and, if
//! f64 error or the constant-product fee made it overshoot, lowered by bisection to the
//! largest net input whose post-trade price does not pass L. So a limit is never crossed as
//! [`Pool::price`] measures it. The fee is then recomputed as ⌊Δ·r/(65535 − r)⌋ (capped so
//! that Δ + fee never exceeds the amount) and the rest is refunded.
//!
//! # Injection (§6.4, §5.5)
//! [`Pool::inject`] adds liquidity at constant price. For a Balancer pool the quote weight
//! becomes w₂' = q₂/(q₁+q₂) with q₁ = w₁·y·(x+Δx) and q₂ = w₂·x·(y+Δy), each product rounded to
//! the nearest integer and the quotient rounded **down** to a Perquintill, all in exact
//! 256-bit integer arithmetic, as the chain does (`mul_perquintill_round`, then
//! `Perquintill::from_rational`, which rounds down). It is refused (returns `false`, pool
//! unchanged) if w₂' ∉ [0.01, 0.99]. [`Pool::reweight`] does the weight update alone, for the
//! §5.5 order in which the chain buy uses the new weights with the reserves from before the
//! injection. With reserves below ~10⁶ rao the integer rounding of q₁, q₂ moves the price by
//! up to ~10⁻⁶ relative; from 10⁶ rao up it is below 10⁻¹⁰. A constant-product pool just adds
//! both amounts: its price y/x moves unless Δy/Δx = y/x.
//!
//! # Precision
//! With w₁ = w₂ (always for constant product, and for a Balancer pool at exactly 0.5) the
//! output is computed exactly in `u128` integers: out = ⌊x·Δ/(y+Δ)⌋. Otherwise the power is
//! evaluated in f64 as 1 − (r/(r+Δ))^e = −expm1(−e·ln1p(Δ/r)), which keeps full relative
//! precision for small trades (or, once (r/(r+Δ))^e ≤ ½, as the reserve minus ⌈reserve·
//! exp(−e·ln1p(Δ/r))⌉, which keeps it for trades that nearly drain the reserve), with
//! first-order corrections for the rounding of Δ/r, of the weight ratio e and of their
//! product, and an error-free product with the reserve and floor (fused multiply-add,
//! two-sum). Only `ln_1p`, `exp_m1` and `exp` themselves remain (≤ 1 ulp each in common
//! libms). Measured against a double-double (~106-bit) reference on 3·10⁶ random swaps with
//! reserves in [10⁶, 10¹⁶] rao, weights in [0.01, 0.99] and net inputs from 1 rao to 1000×
//! the input reserve: the output is the exact floor in 99.9 % of cases and otherwise 1 rao
//! off, up or down about equally often; the relative error before flooring is at most
//! 3.3·10⁻¹⁶ (≈ 1.5 ulp), so the output is never off by more than 1 rao for reserves up to
//! 10¹⁶ rao, and a flip needs the exact value within 3.3·10⁻¹⁶·out of an integer
//! (`curve_precision_against_double_double` in `tests/it/pool.rs` re-checks 2·10⁴ of them at
//! 2 ulps; the plain formula without the corrections is off by up to 2 rao). The chain
//! itself evaluates the power with 1024-bit rational exponentiation quantised to 10⁻¹⁸ and
//! then U64F64, so it sits within x·10⁻¹⁸ rao (+ rounding) of the exact value: the two agree
//! to within about 1 rao. Results are deterministic on one platform; across platforms they
//! can differ only where the platform libm's `log1p`/`expm1` differ in the last ulp.
//! Prices are f64 (the chain keeps them in U64F64).

use std::fmt;

/// One Perquintill: weights are stored as parts per 10¹⁸.
pub const PERQUINTILL: u64 = 1_000_000_000_000_000_000;
/// The weight 0.5 (parts per 10¹⁸): where every pool starts.
pub const HALF_WEIGHT: u64 = PERQUINTILL / 2;
/// The smallest allowed quote or base weight, 0.01 (parts per 10¹⁸).
pub const MIN_WEIGHT: u64 = PERQUINTILL / 100;
/// The largest allowed quote weight, 0.99 (parts per 10¹⁸).
pub const MAX_WEIGHT: u64 = PERQUINTILL - MIN_WEIGHT;
/// `MinimumReserve`: the output reserve must hold at least this many rao before a swap.
pub const MINIMUM_RESERVE: u64 = 1_000_000;
/// The net input of a swap may be at most this many times the input reserve.
pub const MAX_INPUT_RATIO: u64 = 1000;
/// The chain's default `FeeRate`, a u16 proportion (33/65535 ≈ 0.05 %).
pub const DEFAULT_FEE_RATE: u16 = 33;

const U16_MAX: u128 = u16::MAX as u128;

/// Which curve a pool follows; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// The weighted (Balancer-style) pool, x^{w₁}·y^{w₂} constant; the fee leaves the pool.
    Balancer,
    /// x·y = k (the v3 engine's protocol position); the fee stays in the input reserve.
    ConstantProduct,
    /// The root network: 1:1, no fee, price 1.
    Stable,
}

/// A subnet's TAO/alpha pool.
///
/// The fields are public so that callers can read and set the chain's storage directly; the
/// swap functions refuse a Balancer pool whose weight is outside [0.01, 0.99] rather than
/// repair it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// TAO reserve y in rao (`SubnetTAO`).
    pub tao: u64,
    /// Alpha reserve x in rao (`SubnetAlphaIn`).
    pub alpha: u64,
    /// Quote (TAO) weight w₂ as a Perquintill: parts per 10¹⁸. Read only by Balancer pools.
    pub w_quote: u64,
    /// Which curve the pool follows.
    pub kind: PoolKind,
}

/// What a swap took and gave, in rao.
///
/// `amount_in + refund` is always the amount offered. For a buy, `amount_in`, `fee` and
/// `refund` are TAO and `amount_out` is alpha; for a sell the other way round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swap {
    /// Input actually taken, fee included.
    pub amount_in: u64,
    /// The fee, part of `amount_in`. It left the pool (Balancer) or stayed in the input
    /// reserve (constant product).
    pub fee: u64,
    /// Output paid out of the pool.
    pub amount_out: u64,
    /// Input not used because of the price limit.
    pub refund: u64,
}

/// Why a swap was refused. A refused swap leaves the pool unchanged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SwapError {
    /// The amount offered is 0.
    ZeroInput,
    /// A fee rate of 65535/65535 would take the whole input.
    FeeRateTooHigh {
        /// The fee rate (u16 proportion).
        rate: u16,
    },
    /// The price limit is NaN or negative.
    InvalidLimit {
        /// The limit, TAO per alpha.
        limit: f64,
    },
    /// A Balancer pool's quote weight is outside [0.01, 0.99].
    InvalidWeight {
        /// The weight, parts per 10¹⁸.
        w_quote: u64,
    },
    /// The output reserve holds less than [`MINIMUM_RESERVE`] before the swap.
    ReservesTooLow {
        /// The output reserve, rao.
        reserve: u64,
        /// The minimum, rao.
        minimum: u64,
    },
    /// The net input exceeds [`MAX_INPUT_RATIO`] × the input reserve.
    InputTooLarge {
        /// The net input, rao.
        net: u64,
        /// The input reserve, rao.
        reserve: u64,
    },
    /// The output rounds to 0.
    ZeroOutput {
        /// The net input, rao.
        net: u64,
    },
    /// The output would leave less than 1 rao in the output reserve (Stable: would exceed it).
    InsufficientLiquidity {
        /// The output, rao.
        out: u64,
        /// The output reserve, rao.
        reserve: u64,
    },
    /// The input reserve would overflow `u64`.
    Overflow {
        /// The input reserve, rao.
        reserve: u64,
        /// What would be added to it, rao.
        add: u64,
    },
}

impl fmt::Display for SwapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SwapError::ZeroInput => write!(f, "invalid swap input: must be > 0, got `0`"),
            SwapError::FeeRateTooHigh { rate } => {
                write!(f, "invalid fee rate: must be < 65535, got `{rate}`")
            }
            SwapError::InvalidLimit { limit } => {
                write!(
                    f,
                    "invalid price limit: must be a number >= 0, got `{limit}`"
                )
            }
            SwapError::InvalidWeight { w_quote } => write!(
                f,
                "invalid pool quote weight: must be within [0.01, 0.99] (parts per 10^18), \
                 got `{w_quote}`"
            ),
            SwapError::ReservesTooLow { reserve, minimum } => write!(
                f,
                "output reserve too low: `{reserve}` rao, the minimum is `{minimum}` rao"
            ),
            SwapError::InputTooLarge { net, reserve } => write!(
                f,
                "net input `{net}` rao exceeds 1000 × the input reserve `{reserve}` rao"
            ),
            SwapError::ZeroOutput { net } => {
                write!(
                    f,
                    "net input `{net}` rao buys nothing: the output rounds to 0"
                )
            }
            SwapError::InsufficientLiquidity { out, reserve } => write!(
                f,
                "output `{out}` rao does not fit in the output reserve `{reserve}` rao"
            ),
            SwapError::Overflow { reserve, add } => write!(
                f,
                "input reserve `{reserve}` rao + `{add}` rao overflows u64"
            ),
        }
    }
}

impl std::error::Error for SwapError {}

/// Which way a swap goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// TAO in, alpha out.
    Buy,
    /// Alpha in, TAO out.
    Sell,
}

impl Pool {
    /// A pool of `kind` with the given reserves (rao) and weights 0.5/0.5.
    pub fn new(kind: PoolKind, tao: u64, alpha: u64) -> Pool {
        Pool {
            tao,
            alpha,
            w_quote: HALF_WEIGHT,
            kind,
        }
    }

    /// The root network's pool: [`PoolKind::Stable`] with empty reserves. Staking adds to the
    /// TAO reserve, unstaking takes from it; the price is always 1.
    pub fn stable() -> Pool {
        Pool::new(PoolKind::Stable, 0, 0)
    }

    /// Base (alpha) weight w₁ = 1 − w₂, parts per 10¹⁸ (saturating at 0).
    pub fn w_base(&self) -> u64 {
        PERQUINTILL.saturating_sub(self.w_quote)
    }

    /// Spot price in TAO per alpha: (w₁/w₂)·(y/x) for Balancer, y/x for constant product,
    /// 1 for Stable; 0 if the alpha reserve is empty. A Balancer weight outside (0, 1] gives
    /// a meaningless price (infinite for w₂ = 0); swaps refuse such a pool.
    pub fn price(&self) -> f64 {
        match self.kind {
            PoolKind::Stable => 1.0,
            _ if self.alpha == 0 => 0.0,
            PoolKind::ConstantProduct => self.tao as f64 / self.alpha as f64,
            PoolKind::Balancer => {
                (self.w_base() as f64 / self.w_quote as f64) * (self.tao as f64 / self.alpha as f64)
            }
        }
    }

    /// The buy curve alone: alpha paid for a net TAO input `net_tao` (no fee, no guard, no
    /// limit), clipped at the alpha reserve. Stable: `net_tao`.
    pub fn buy_output(&self, net_tao: u64) -> u64 {
        self.curve(Side::Buy, net_tao)
    }

    /// The sell curve alone: TAO paid for a net alpha input `net_alpha` (no fee, no guard,
    /// no limit), clipped at the TAO reserve. Stable: `net_alpha`.
    pub fn sell_output(&self, net_alpha: u64) -> u64 {
        self.curve(Side::Sell, net_alpha)
    }

    /// What [`Pool::buy_alpha`] would do, without doing it.
    ///
    /// # Errors
    /// As [`Pool::buy_alpha`].
    pub fn quote_buy(
        &self,
        tao_in: u64,
        fee_rate: u16,
        limit: Option<f64>,
    ) -> Result<Swap, SwapError> {
        self.plan(Side::Buy, tao_in, fee_rate, limit)
            .map(|(s, _)| s)
    }

    /// What [`Pool::sell_alpha`] would do, without doing it.
    ///
    /// # Errors
    /// As [`Pool::sell_alpha`].
    pub fn quote_sell(
        &self,
        alpha_in: u64,
        fee_rate: u16,
        limit: Option<f64>,
    ) -> Result<Swap, SwapError> {
        self.plan(Side::Sell, alpha_in, fee_rate, limit)
            .map(|(s, _)| s)
    }

    /// Buys alpha with `tao_in` rao of TAO at fee rate `fee_rate` (u16 proportion), ending
    /// at a price of at most `limit` TAO per alpha if given (module docs: Swaps, Price
    /// limits).
    ///
    /// # Errors
    /// A [`SwapError`] if a guard refuses the swap; the pool is then unchanged.
    pub fn buy_alpha(
        &mut self,
        tao_in: u64,
        fee_rate: u16,
        limit: Option<f64>,
    ) -> Result<Swap, SwapError> {
        let (swap, after) = self.plan(Side::Buy, tao_in, fee_rate, limit)?;
        *self = after;
        Ok(swap)
    }

    /// Sells `alpha_in` rao of alpha for TAO at fee rate `fee_rate` (u16 proportion), ending
    /// at a price of at least `limit` TAO per alpha if given (module docs: Swaps, Price
    /// limits). The fee is taken in alpha.
    ///
    /// # Errors
    /// A [`SwapError`] if a guard refuses the swap; the pool is then unchanged.
    pub fn sell_alpha(
        &mut self,
        alpha_in: u64,
        fee_rate: u16,
        limit: Option<f64>,
    ) -> Result<Swap, SwapError> {
        let (swap, after) = self.plan(Side::Sell, alpha_in, fee_rate, limit)?;
        *self = after;
        Ok(swap)
    }

    /// Updates the weights as if `tao` and `alpha` rao were added at the current price,
    /// without adding them (§6.4; module docs: Injection). Returns `false`, and leaves the
    /// pool unchanged, if the new quote weight would leave [0.01, 0.99] or the arithmetic
    /// would overflow. Constant-product and Stable pools have no weights: always `true`.
    pub fn reweight(&mut self, tao: u64, alpha: u64) -> bool {
        if self.kind != PoolKind::Balancer {
            return true;
        }
        match self.reweighted(tao, alpha) {
            Some(w) => {
                self.w_quote = w;
                true
            }
            None => false,
        }
    }

    /// Adds `tao` and `alpha` rao to the reserves (§6.4). A Balancer pool first updates its
    /// weights so that the price does not move, and refuses (returns `false`, pool unchanged)
    /// if the new quote weight would leave [0.01, 0.99]. A constant-product pool adds both,
    /// and its price moves unless they are in proportion to the reserves. Any kind refuses
    /// if a reserve would overflow `u64`.
    pub fn inject(&mut self, tao: u64, alpha: u64) -> bool {
        let (Some(new_tao), Some(new_alpha)) =
            (self.tao.checked_add(tao), self.alpha.checked_add(alpha))
        else {
            return false;
        };
        if self.kind == PoolKind::Balancer {
            match self.reweighted(tao, alpha) {
                Some(w) => self.w_quote = w,
                None => return false,
            }
        }
        self.tao = new_tao;
        self.alpha = new_alpha;
        true
    }

    /// The Balancer quote weight after adding (Δy, Δx) at constant price, if valid.
    fn reweighted(&self, dy: u64, dx: u64) -> Option<u64> {
        let (x, y) = (u128::from(self.alpha), u128::from(self.tao));
        let v1 = y.checked_mul(x + u128::from(dx))?;
        let v2 = x.checked_mul(y + u128::from(dy))?;
        let q1 = mul_div(u128::from(self.w_base()), v1, u128::from(PERQUINTILL), true)?;
        let q2 = mul_div(u128::from(self.w_quote), v2, u128::from(PERQUINTILL), true)?;
        let sum = q1.checked_add(q2)?;
        let w = if sum == 0 {
            // Either reserve was and stays empty: the chain restarts at 0.5.
            u128::from(HALF_WEIGHT)
        } else {
            mul_div(q2, u128::from(PERQUINTILL), sum, false)?
        };
        let w = u64::try_from(w).ok()?;
        (MIN_WEIGHT..=MAX_WEIGHT).contains(&w).then_some(w)
    }

    /// (input reserve, output reserve) for a side.
    fn reserves(&self, side: Side) -> (u64, u64) {
        match side {
            Side::Buy => (self.tao, self.alpha),
            Side::Sell => (self.alpha, self.tao),
        }
    }

    /// (input weight, output weight), parts per 10¹⁸, for a side.
    fn weights(&self, side: Side) -> (u64, u64) {
        match (self.kind, side) {
            (PoolKind::Balancer, Side::Buy) => (self.w_quote, self.w_base()),
            (PoolKind::Balancer, Side::Sell) => (self.w_base(), self.w_quote),
            _ => (HALF_WEIGHT, HALF_WEIGHT),
        }
    }

    /// Output of the curve for a net input (no fee, no guard), clipped at the reserve.
    fn curve(&self, side: Side, net: u64) -> u64 {
        if self.kind == PoolKind::Stable {
            return net;
        }
        let (r_in, r_out) = self.reserves(side);
        let (w_in, w_out) = self.weights(side);
        curve_out(r_in, r_out, w_in, w_out, net)
    }

    /// The pool after `into_pool` rao entered the input reserve and `out` left the output
    /// reserve; `None` on overflow or underflow.
    fn after(&self, side: Side, into_pool: u64, out: u64) -> Option<Pool> {
        let mut p = self.clone();
        let (input, output) = match side {
            Side::Buy => (&mut p.tao, &mut p.alpha),
            Side::Sell => (&mut p.alpha, &mut p.tao),
        };
        *input = input.checked_add(into_pool)?;
        *output = output.checked_sub(out)?;
        Some(p)
    }

    /// Whether swapping net input `net` (with `fee_in_pool` also entering the reserve)
    /// would end past `limit`.
    fn crosses(&self, side: Side, net: u64, fee_in_pool: u64, limit: f64) -> bool {
        let out = self.curve(side, net);
        let Some(p) = net
            .checked_add(fee_in_pool)
            .and_then(|add| self.after(side, add, out))
        else {
            return true;
        };
        match side {
            // An emptied alpha reserve means an unbounded price.
            Side::Buy if p.alpha == 0 => limit < f64::INFINITY,
            Side::Buy => p.price() > limit,
            Side::Sell => p.price() < limit,
        }
    }

    /// The largest net input (≤ `net_full` − 1) that does not carry the price past `limit`,
    /// given that `net_full` does and that the current price does not.
    fn limited_net(&self, side: Side, net_full: u64, limit: f64, fee_rate: u16) -> u64 {
        let (r_in, _) = self.reserves(side);
        let (_, w_out) = self.weights(side);
        let p0 = self.price();
        let ratio = match side {
            Side::Buy => limit / p0,
            Side::Sell => p0 / limit,
        };
        let est = r_in as f64 * ((w_out as f64 / PERQUINTILL as f64) * ratio.ln()).exp_m1();
        // NaN or ≤ 0: start from nothing; +∞ (an empty input reserve): from the full trade.
        let est = if est > 0.0 {
            (est.floor() as u64).min(net_full - 1)
        } else {
            0
        };
        let fee_in_pool = |net: u64| match self.kind {
            PoolKind::ConstantProduct => limit_fee(net, fee_rate),
            _ => 0,
        };
        if !self.crosses(side, est, fee_in_pool(est), limit) {
            return est;
        }
        // Bisection: `lo` never crosses (0 leaves the price where it is), `hi` does.
        let (mut lo, mut hi) = (0, est);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.crosses(side, mid, fee_in_pool(mid), limit) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        lo
    }

    /// The swap and the pool after it, or why not.
    fn plan(
        &self,
        side: Side,
        amount: u64,
        fee_rate: u16,
        limit: Option<f64>,
    ) -> Result<(Swap, Pool), SwapError> {
        if amount == 0 {
            return Err(SwapError::ZeroInput);
        }
        if fee_rate == u16::MAX {
            return Err(SwapError::FeeRateTooHigh { rate: fee_rate });
        }
        if let Some(l) = limit
            && (l.is_nan() || l < 0.0)
        {
            return Err(SwapError::InvalidLimit { limit: l });
        }
        let nothing = Swap {
            refund: amount,
            ..Swap::default()
        };
        if self.kind == PoolKind::Stable {
            return self.plan_stable(side, amount, limit, nothing);
        }
        if self.kind == PoolKind::Balancer && !(MIN_WEIGHT..=MAX_WEIGHT).contains(&self.w_quote) {
            return Err(SwapError::InvalidWeight {
                w_quote: self.w_quote,
            });
        }
        let (r_in, r_out) = self.reserves(side);
        if r_out < MINIMUM_RESERVE {
            return Err(SwapError::ReservesTooLow {
                reserve: r_out,
                minimum: MINIMUM_RESERVE,
            });
        }
        let fee_stays = self.kind == PoolKind::ConstantProduct;
        let mut fee = fee_of(amount, fee_rate);
        let mut net = amount - fee;
        if let Some(l) = limit {
            let p0 = self.price();
            let passed = match side {
                Side::Buy => p0 > l,
                Side::Sell => p0 < l,
            };
            if passed {
                return Ok((nothing, self.clone()));
            }
            if self.crosses(side, net, if fee_stays { fee } else { 0 }, l) {
                net = self.limited_net(side, net, l, fee_rate);
                fee = limit_fee(net, fee_rate).min(amount - net);
            }
        }
        if net == 0 {
            return Ok((nothing, self.clone()));
        }
        if u128::from(net) > u128::from(MAX_INPUT_RATIO) * u128::from(r_in) {
            return Err(SwapError::InputTooLarge { net, reserve: r_in });
        }
        let out = self.curve(side, net);
        if out == 0 {
            return Err(SwapError::ZeroOutput { net });
        }
        if out >= r_out {
            return Err(SwapError::InsufficientLiquidity {
                out,
                reserve: r_out,
            });
        }
        let into_pool = if fee_stays { net + fee } else { net };
        let after = self
            .after(side, into_pool, out)
            .ok_or(SwapError::Overflow {
                reserve: r_in,
                add: into_pool,
            })?;
        let swap = Swap {
            amount_in: net + fee,
            fee,
            amount_out: out,
            refund: amount - net - fee,
        };
        Ok((swap, after))
    }

    /// Stable pools: 1:1, no fee, price 1; only the TAO reserve moves.
    fn plan_stable(
        &self,
        side: Side,
        amount: u64,
        limit: Option<f64>,
        nothing: Swap,
    ) -> Result<(Swap, Pool), SwapError> {
        let passed = match (side, limit) {
            (Side::Buy, Some(l)) => l < 1.0,
            (Side::Sell, Some(l)) => l > 1.0,
            (_, None) => false,
        };
        if passed {
            return Ok((nothing, self.clone()));
        }
        let mut after = self.clone();
        match side {
            Side::Buy => {
                after.tao = self.tao.checked_add(amount).ok_or(SwapError::Overflow {
                    reserve: self.tao,
                    add: amount,
                })?;
            }
            Side::Sell => {
                after.tao =
                    self.tao
                        .checked_sub(amount)
                        .ok_or(SwapError::InsufficientLiquidity {
                            out: amount,
                            reserve: self.tao,
                        })?;
            }
        }
        let swap = Swap {
            amount_in: amount,
            fee: 0,
            amount_out: amount,
            refund: 0,
        };
        Ok((swap, after))
    }
}

/// A new subnet's pool (§6.5): TAO reserve y₀ = max(`lock_paid`, `min_lock`) and alpha
/// reserve x₀ = ⌊y₀ / median⌋, so that it starts at the median spot price of the existing
/// non-root subnets with a positive price (`None` if there are none: median 1, x₀ = y₀).
/// Weights start at 0.5. x₀ saturates at `u64::MAX`.
///
/// # Panics
/// If `median_price` is `Some` of a value that is not a finite number > 0: the caller
/// computes the median over positive prices only.
pub fn new_subnet_pool(
    kind: PoolKind,
    lock_paid: u64,
    min_lock: u64,
    median_price: Option<f64>,
) -> Pool {
    let y0 = lock_paid.max(min_lock);
    let median = median_price.unwrap_or(1.0);
    assert!(
        median.is_finite() && median > 0.0,
        "invalid median price: must be a finite number > 0, got `{median}`"
    );
    let x0 = if median == 1.0 {
        y0
    } else {
        (y0 as f64 / median).floor() as u64
    };
    Pool::new(kind, y0, x0)
}

/// f = ⌊amount·r/65535⌋.
fn fee_of(amount: u64, rate: u16) -> u64 {
    // The coinbase's chain buys are fee-free: skip the 128-bit division.
    if rate == 0 {
        return 0;
    }
    // ≤ amount, so it fits.
    (u128::from(amount) * u128::from(rate) / U16_MAX) as u64
}

/// The fee recomputed for a limit-reduced net input: ⌊Δ·r/(65535 − r)⌋ (rate < 65535),
/// saturating at `u64::MAX` (the caller caps it at what is left of the amount).
fn limit_fee(net: u64, rate: u16) -> u64 {
    let fee = u128::from(net) * u128::from(rate) / (U16_MAX - u128::from(rate));
    u64::try_from(fee).unwrap_or(u64::MAX)
}

/// out = ⌊r_out·(1 − (r_in/(r_in+Δ))^{w_in/w_out})⌋, clipped at `r_out`; see the module
/// docs (Precision).
fn curve_out(r_in: u64, r_out: u64, w_in: u64, w_out: u64, delta: u64) -> u64 {
    if delta == 0 || r_out == 0 {
        return 0;
    }
    if r_in == 0 {
        return r_out;
    }
    if w_in == w_out {
        let out = u128::from(r_out) * u128::from(delta) / (u128::from(r_in) + u128::from(delta));
        // < r_out, so it fits.
        return out as u64;
    }
    // 1 − t with t = exp(−a), a = e·ln1p(q), q = Δ/r_in, e = w_in/w_out; each rounding
    // error is carried as a first-order correction (`*_lo`).
    let (q, q_lo) = div_split(delta, r_in);
    let l = q.ln_1p();
    let l_lo = q_lo / (1.0 + q);
    let (e, e_lo) = div_split(w_in, w_out);
    let a = e * l;
    let a_lo = e.mul_add(l, -a) + e * l_lo + e_lo * l;
    let out = if a <= std::f64::consts::LN_2 {
        // m = 1 − t = −expm1(−a) ≥ a/2-ish: relative precision for small trades.
        let em = (-a).exp_m1();
        // d(−expm1(−a))/da = exp(−a) = 1 + expm1(−a).
        floor_mul(r_out, -em, a_lo * (1.0 + em))
    } else {
        // t ≤ 1/2: out = r_out − ⌈r_out·t⌉ keeps t's relative precision, so an output that
        // nearly drains the reserve is still exact to the rao.
        let t = (-a).exp();
        i128::from(r_out) + floor_mul(r_out, -t, t * a_lo)
    };
    out.clamp(0, i128::from(r_out)) as u64
}

/// `n` as f64 plus the (exact) remainder.
fn split(n: u64) -> (f64, f64) {
    let hi = n as f64;
    // `hi` rounds `n` to 53 bits, so |n − hi| < 2¹¹; below 2⁶⁴ the difference is exact in
    // 64-bit arithmetic (cheaper than i128 conversions); `hi` = 2⁶⁴ only for n ≥ 2⁶⁴ − 2¹¹.
    let lo = if hi < 18_446_744_073_709_551_616.0 {
        n.wrapping_sub(hi as u64) as i64 as f64
    } else {
        (i128::from(n) - hi as i128) as f64
    };
    (hi, lo)
}

/// n/d as a head and a first-order tail.
fn div_split(n: u64, d: u64) -> (f64, f64) {
    let (nh, nl) = split(n);
    let (dh, dl) = split(d);
    let q = nh / dh;
    // nh − q·dh is exact with a fused multiply-add.
    let r = (-q).mul_add(dh, nh);
    (q, (r + nl - q * dl) / dh)
}

/// ⌊r·(m + m_lo)⌋ for |m| ≤ 1, with the product r·m carried exactly.
fn floor_mul(r: u64, m: f64, m_lo: f64) -> i128 {
    let (rh, rl) = split(r);
    let p = rh * m;
    let tail = rh.mul_add(m, -p) + rh * m_lo + rl * m;
    // s + s_err = p + tail exactly (two-sum). A non-integer s is at least an ulp away from
    // the next integer and |s_err| ≤ ulp/2, so only an integer s needs s_err's sign.
    let s = p + tail;
    let b = s - p;
    let s_err = (p - (s - b)) + (tail - b);
    let head = s.floor();
    // |head| < 2⁶³ (the usual case) converts exactly through i64, cheaper than f64 → i128.
    let to_i128 = |x: f64| {
        if x.abs() < 9_223_372_036_854_775_808.0 {
            i128::from(x as i64)
        } else {
            x as i128
        }
    };
    if head == s {
        to_i128(head) + to_i128(s_err.floor())
    } else {
        to_i128(head)
    }
}

/// a·b/c in 256-bit intermediate precision, rounded down or to nearest (half up); `None`
/// if c = 0 or the quotient does not fit in `u128`.
fn mul_div(a: u128, b: u128, c: u128, round_nearest: bool) -> Option<u128> {
    let (mut hi, mut lo) = mul_wide(a, b);
    if round_nearest {
        let (sum, carry) = lo.overflowing_add(c / 2);
        lo = sum;
        hi = hi.checked_add(u128::from(carry))?;
    }
    div_wide(hi, lo, c)
}

/// The 256-bit product of two u128 as (high, low) halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const M: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & M);
    let (b1, b0) = (b >> 64, b & M);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    let lo = (p00 & M) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// ⌊(hi·2¹²⁸ + lo)/c⌋, exactly; `None` if c = 0 or the quotient overflows. Native division
/// when the numerator or the divisor fits a machine division, otherwise Knuth's algorithm D
/// on 64-bit digits (two quotient digits) — the same quotient as bit-by-bit long division
/// (tested against it), about ten times faster; the Balancer reweight of every subnet's
/// injection runs three of these per block.
fn div_wide(hi: u128, lo: u128, c: u128) -> Option<u128> {
    const M: u128 = u64::MAX as u128;
    if c == 0 || hi >= c {
        return None;
    }
    if hi == 0 {
        return Some(lo / c);
    }
    if c <= M {
        // hi < c < 2⁶⁴: two steps of a 128-by-64 division.
        let t = (hi << 64) | (lo >> 64);
        let q1 = t / c;
        // The remainder without a second 128-bit division.
        let r = t - q1 * c;
        let q0 = ((r << 64) | (lo & M)) / c;
        return Some((q1 << 64) | q0);
    }
    // Normalise so that the divisor's top bit is set (c ≥ 2⁶⁴, so s < 64); hi < c keeps the
    // shifted top half below the shifted divisor.
    let s = c.leading_zeros();
    let d = c << s;
    let (nh, nl) = if s == 0 {
        (hi, lo)
    } else {
        ((hi << s) | (lo >> (128 - s)), lo << s)
    };
    let (d1, d0) = ((d >> 64) as u64, d as u64);
    let (q1, r) = div_3by2(nh, (nl >> 64) as u64, d1, d0);
    let (q0, _) = div_3by2(r, nl as u64, d1, d0);
    Some((u128::from(q1) << 64) | u128::from(q0))
}

/// (u·2⁶⁴ + u0) / d for d = d1·2⁶⁴ + d0 with the top bit of d1 set and u < d: the quotient
/// digit (< 2⁶⁴) and the remainder (< d). Knuth's D3 estimate from u / d1 (never too small,
/// at most one too large after the d0 test), then D4–D6: multiply, subtract, add back.
fn div_3by2(u: u128, u0: u64, d1: u64, d0: u64) -> (u64, u128) {
    const B: u128 = 1 << 64;
    let (d1w, d0w) = (u128::from(d1), u128::from(d0));
    // u < d, so its top digit is at most d1; when equal the estimate is capped at B − 1.
    let (mut qhat, mut rhat) = if (u >> 64) == d1w {
        (B - 1, u - (B - 1) * d1w)
    } else {
        (u / d1w, u % d1w)
    };
    while rhat < B && qhat * d0w > ((rhat << 64) | u128::from(u0)) {
        qhat -= 1;
        rhat += d1w;
    }
    // p = qhat·d as (high 128 bits, low 64 bits); the numerator is (u, u0).
    let low = qhat * d0w;
    let mut p_hi = qhat * d1w + (low >> 64);
    let mut p_lo = low as u64;
    if (p_hi, p_lo) > (u, u0) {
        // One too large: take one d back off the product.
        qhat -= 1;
        let (l, borrow) = p_lo.overflowing_sub(d0);
        p_lo = l;
        p_hi = p_hi - d1w - u128::from(borrow);
    }
    let (l, borrow) = u0.overflowing_sub(p_lo);
    let top = u - p_hi - u128::from(borrow);
    (qhat as u64, (top << 64) | u128::from(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAO: u64 = 1_000_000_000;

    fn balancer(tao: u64, alpha: u64) -> Pool {
        Pool::new(PoolKind::Balancer, tao, alpha)
    }

    #[test]
    fn errors_name_their_values() {
        let cases: [(SwapError, &str); 9] = [
            (
                SwapError::ZeroInput,
                "invalid swap input: must be > 0, got `0`",
            ),
            (
                SwapError::FeeRateTooHigh { rate: 65535 },
                "invalid fee rate: must be < 65535, got `65535`",
            ),
            (
                SwapError::InvalidLimit { limit: -1.5 },
                "invalid price limit: must be a number >= 0, got `-1.5`",
            ),
            (
                SwapError::InvalidWeight { w_quote: 7 },
                "invalid pool quote weight: must be within [0.01, 0.99] (parts per 10^18), got `7`",
            ),
            (
                SwapError::ReservesTooLow {
                    reserve: 999_999,
                    minimum: 1_000_000,
                },
                "output reserve too low: `999999` rao, the minimum is `1000000` rao",
            ),
            (
                SwapError::InputTooLarge {
                    net: 1_000_001,
                    reserve: 1000,
                },
                "net input `1000001` rao exceeds 1000 × the input reserve `1000` rao",
            ),
            (
                SwapError::ZeroOutput { net: 3 },
                "net input `3` rao buys nothing: the output rounds to 0",
            ),
            (
                SwapError::InsufficientLiquidity { out: 5, reserve: 5 },
                "output `5` rao does not fit in the output reserve `5` rao",
            ),
            (
                SwapError::Overflow {
                    reserve: u64::MAX,
                    add: 1,
                },
                "input reserve `18446744073709551615` rao + `1` rao overflows u64",
            ),
        ];
        for (err, msg) in cases {
            let shown = err.to_string();
            assert_eq!(shown, msg);
            assert!(!shown.ends_with('.'), "{shown}");
            assert!(shown.starts_with(|c: char| !c.is_uppercase()), "{shown}");
        }
    }

    #[test]
    fn guards_refuse_and_leave_the_pool_unchanged() {
        let base = balancer(1_000 * TAO, 4_000 * TAO);
        let cases: Vec<(Pool, bool, u64, u16, Option<f64>, SwapError)> = vec![
            (base.clone(), true, 0, 33, None, SwapError::ZeroInput),
            (
                base.clone(),
                true,
                TAO,
                u16::MAX,
                None,
                SwapError::FeeRateTooHigh { rate: u16::MAX },
            ),
            (
                base.clone(),
                false,
                TAO,
                33,
                Some(-0.1),
                SwapError::InvalidLimit { limit: -0.1 },
            ),
            (
                Pool {
                    w_quote: MIN_WEIGHT - 1,
                    ..base.clone()
                },
                true,
                TAO,
                33,
                None,
                SwapError::InvalidWeight {
                    w_quote: MIN_WEIGHT - 1,
                },
            ),
            (
                Pool {
                    w_quote: MAX_WEIGHT + 1,
                    ..base.clone()
                },
                false,
                TAO,
                33,
                None,
                SwapError::InvalidWeight {
                    w_quote: MAX_WEIGHT + 1,
                },
            ),
            (
                balancer(1_000 * TAO, MINIMUM_RESERVE - 1),
                true,
                TAO,
                33,
                None,
                SwapError::ReservesTooLow {
                    reserve: MINIMUM_RESERVE - 1,
                    minimum: MINIMUM_RESERVE,
                },
            ),
            (
                balancer(MINIMUM_RESERVE - 1, 1_000 * TAO),
                false,
                TAO,
                33,
                None,
                SwapError::ReservesTooLow {
                    reserve: MINIMUM_RESERVE - 1,
                    minimum: MINIMUM_RESERVE,
                },
            ),
            (
                balancer(1_000, 4_000 * TAO),
                true,
                1_000_002,
                0,
                None,
                SwapError::InputTooLarge {
                    net: 1_000_002,
                    reserve: 1_000,
                },
            ),
            // 3 alpha rao at 0.25 TAO/alpha is worth 0.75 rao.
            (
                base.clone(),
                false,
                3,
                33,
                None,
                SwapError::ZeroOutput { net: 3 },
            ),
            // The curves never pay the whole reserve (the exact output is < the reserve and
            // the f64 path keeps exp(−a) to relative precision); a stable pool can.
            (
                Pool {
                    tao: 5,
                    ..Pool::stable()
                },
                false,
                6,
                0,
                None,
                SwapError::InsufficientLiquidity { out: 6, reserve: 5 },
            ),
            (
                Pool::new(PoolKind::ConstantProduct, u64::MAX - 10, u64::MAX / 2),
                true,
                1_000,
                0,
                None,
                SwapError::Overflow {
                    reserve: u64::MAX - 10,
                    add: 1_000,
                },
            ),
        ];
        for (pool, buy, amount, rate, limit, want) in cases {
            let mut p = pool.clone();
            let got = if buy {
                p.buy_alpha(amount, rate, limit)
            } else {
                p.sell_alpha(amount, rate, limit)
            };
            assert_eq!(got, Err(want), "{pool:?} buy={buy} amount={amount}");
            assert_eq!(p, pool, "a refused swap must leave the pool unchanged");
        }
    }

    #[test]
    fn chain_vector_swaps_basic() {
        // `test_swap_basic`: y = 1e9, x = 4e9, fee 33.
        let mut p = balancer(TAO, 4 * TAO);
        let s = p.quote_buy(1_000_000_000, 33, None).unwrap();
        assert_eq!((s.fee, s.amount_out), (503_547, 1_999_496_326));
        let s = p.sell_alpha(123_456, 33, None).unwrap();
        assert_eq!((s.fee, s.amount_out), (62, 30_847));
        assert_eq!(p.alpha, 4 * TAO + 123_456 - 62);
        assert_eq!(p.tao, TAO - 30_847);
    }

    #[test]
    fn limit_already_passed_takes_nothing() {
        let mut p = balancer(TAO, 4 * TAO); // price 0.25
        let before = p.clone();
        let s = p.buy_alpha(TAO, 33, Some(0.2)).unwrap();
        assert_eq!(
            s,
            Swap {
                amount_in: 0,
                fee: 0,
                amount_out: 0,
                refund: TAO
            }
        );
        let s = p.sell_alpha(TAO, 33, Some(0.3)).unwrap();
        assert_eq!(s.refund, TAO);
        // At exactly the limit there is no room either.
        let s = p.buy_alpha(TAO, 33, Some(0.25)).unwrap();
        assert_eq!(s.refund, TAO);
        assert_eq!(p, before);
    }

    #[test]
    fn limit_reduces_the_input_and_recomputes_the_fee() {
        for kind in [PoolKind::Balancer, PoolKind::ConstantProduct] {
            let mut p = Pool::new(kind, 1_000 * TAO, 4_000 * TAO); // price 0.25
            let s = p.buy_alpha(1_000 * TAO, 33, Some(0.36)).unwrap();
            assert!(s.refund > 0 && s.amount_in + s.refund == 1_000 * TAO);
            let net = s.amount_in - s.fee;
            assert_eq!(s.fee, net * 33 / (65535 - 33));
            assert!(
                p.price() <= 0.36 && p.price() > 0.36 * (1.0 - 1e-9),
                "{kind:?}"
            );
            // Constant product, no fee: Δ = y·(√(L/p) − 1) = 1000·(1.2 − 1) TAO.
            if kind == PoolKind::Balancer {
                assert!(net.abs_diff(200 * TAO) <= 1, "{net}");
            }
        }
    }

    #[test]
    fn stable_pool_is_one_to_one() {
        let mut p = Pool::stable();
        assert_eq!(p.price(), 1.0);
        let s = p.buy_alpha(5 * TAO, 33, None).unwrap();
        assert_eq!(
            s,
            Swap {
                amount_in: 5 * TAO,
                fee: 0,
                amount_out: 5 * TAO,
                refund: 0
            }
        );
        assert_eq!((p.tao, p.alpha), (5 * TAO, 0));
        let s = p.sell_alpha(2 * TAO, 33, Some(0.5)).unwrap();
        assert_eq!((s.amount_out, s.fee), (2 * TAO, 0));
        assert_eq!(p.tao, 3 * TAO);
        assert_eq!(
            p.sell_alpha(4 * TAO, 0, None),
            Err(SwapError::InsufficientLiquidity {
                out: 4 * TAO,
                reserve: 3 * TAO
            })
        );
        assert_eq!(p.sell_alpha(3 * TAO, 0, None).unwrap().amount_out, 3 * TAO);
        assert_eq!(p.tao, 0);
        assert_eq!(p.buy_alpha(TAO, 0, Some(0.99)).unwrap().refund, TAO);
        assert!(p.inject(7, 0) && p.tao == 7);
    }

    #[test]
    fn constant_product_keeps_the_fee_in_the_pool() {
        let mut p = Pool::new(PoolKind::ConstantProduct, TAO, 4 * TAO);
        let s = p.buy_alpha(TAO, 33, None).unwrap();
        assert_eq!(s.fee, 503_547);
        assert_eq!(s.amount_out, 1_999_496_326);
        assert_eq!(p.tao, 2 * TAO);
        assert_eq!(p.alpha, 4 * TAO - 1_999_496_326);
        assert_eq!(p.w_quote, HALF_WEIGHT);
    }

    #[test]
    fn injection_rejects_weights_out_of_range() {
        let mut p = balancer(TAO, TAO);
        // w₂' = (y + Δy)/(p·x + y + Δy): 99/100 = 0.99 is (just) allowed, 200/201 is not.
        assert!(p.clone().inject(98 * TAO, 0));
        let before = p.clone();
        assert!(!p.inject(199 * TAO, 0));
        assert_eq!(p, before);
        assert!(!p.reweight(199 * TAO, 0));
        assert_eq!(p, before);
        // Overflow is a refusal too.
        assert!(!p.inject(u64::MAX, 0));
        assert_eq!(p, before);
    }

    #[test]
    fn reweight_leaves_reserves_and_inject_adds_them() {
        let mut a = balancer(1_000 * TAO, 4_000 * TAO);
        let mut b = a.clone();
        assert!(a.reweight(1_000 * TAO, 0));
        assert_eq!((a.tao, a.alpha), (1_000 * TAO, 4_000 * TAO));
        assert!(b.inject(1_000 * TAO, 0));
        assert_eq!((b.tao, b.alpha), (2_000 * TAO, 4_000 * TAO));
        assert_eq!(a.w_quote, b.w_quote);
        assert_eq!(b.w_quote, 666_666_666_666_666_666); // 2/3 rounded down
    }

    #[test]
    fn empty_reserves_reweight_to_half() {
        let mut p = Pool {
            w_quote: 300_000_000_000_000_000,
            ..balancer(0, 0)
        };
        assert!(p.inject(0, 5));
        assert_eq!(p.w_quote, HALF_WEIGHT);
    }

    #[test]
    fn new_subnet_pool_starts_at_the_median() {
        let p = new_subnet_pool(PoolKind::Balancer, 50 * TAO, 100 * TAO, None);
        assert_eq!(
            (p.tao, p.alpha, p.w_quote),
            (100 * TAO, 100 * TAO, HALF_WEIGHT)
        );
        let p = new_subnet_pool(PoolKind::Balancer, 300 * TAO, 100 * TAO, Some(0.04));
        assert_eq!((p.tao, p.alpha), (300 * TAO, 7_500 * TAO));
        assert!((p.price() - 0.04).abs() < 1e-15);
    }

    #[test]
    #[should_panic(expected = "invalid median price")]
    fn new_subnet_pool_refuses_a_zero_median() {
        let _ = new_subnet_pool(PoolKind::Balancer, TAO, TAO, Some(0.0));
    }

    /// The bit-by-bit long division `div_wide` replaced, as the reference.
    fn div_wide_bitwise(hi: u128, lo: u128, c: u128) -> Option<u128> {
        if c == 0 || hi >= c {
            return None;
        }
        let (mut rem, mut q) = (hi, 0u128);
        for i in (0..128).rev() {
            let carry = rem >> 127;
            rem = (rem << 1) | ((lo >> i) & 1);
            q <<= 1;
            if carry == 1 || rem >= c {
                rem = rem.wrapping_sub(c);
                q |= 1;
            }
        }
        Some(q)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn wide_division_equals_long_division(
            a in proptest::prelude::any::<u128>(),
            b in proptest::prelude::any::<u128>(),
            c in proptest::prelude::any::<u128>(),
            shift_a in 0u32..128,
            shift_b in 0u32..128,
            shift_c in 0u32..128,
        ) {
            // Operands of every size, from a few bits to all 128.
            let (a, b, c) = (a >> shift_a, b >> shift_b, c >> shift_c);
            let (hi, lo) = mul_wide(a, b);
            proptest::prop_assert_eq!(div_wide(hi, lo, c), div_wide_bitwise(hi, lo, c));
            // Quotients that need the add-back step and divisors at the top of the range.
            let c2 = c | (1 << 127);
            let hi2 = hi % c2;
            proptest::prop_assert_eq!(div_wide(hi2, lo, c2), div_wide_bitwise(hi2, lo, c2));
            let hi3 = c.saturating_sub(1);
            proptest::prop_assert_eq!(div_wide(hi3, lo, c), div_wide_bitwise(hi3, lo, c));
        }
    }

    #[test]
    fn wide_division_edge_cases_equal_long_division() {
        let m = u128::MAX;
        let b = 1u128 << 64;
        let values = [
            0,
            1,
            2,
            3,
            b - 1,
            b,
            b + 1,
            m,
            m - 1,
            m / 2,
            m / 2 + 1,
            (b - 1) << 64,
            ((b - 1) << 64) | 1,
            1 << 127,
            (1 << 127) + 1,
            1_000_000_000_000_000_000,
        ];
        for &c in &values {
            for &hi in &values {
                for &lo in &values {
                    assert_eq!(
                        div_wide(hi, lo, c),
                        div_wide_bitwise(hi, lo, c),
                        "{hi} {lo} {c}"
                    );
                }
            }
        }
    }

    #[test]
    fn wide_arithmetic() {
        let m = u128::MAX;
        assert_eq!(mul_wide(m, m), (m - 1, 1));
        assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
        assert_eq!(div_wide(m - 1, 1, m), Some(m));
        assert_eq!(div_wide(1, 0, 2), Some(1 << 127));
        assert_eq!(div_wide(1, 0, 1), None);
        assert_eq!(mul_div(10, 10, 3, false), Some(33));
        assert_eq!(mul_div(10, 10, 3, true), Some(33));
        assert_eq!(mul_div(10, 10, 6, true), Some(17));
        assert_eq!(mul_div(m, 1 << 64, 1 << 64, false), Some(m));
        assert_eq!(mul_div(1, 1, 0, false), None);
    }

    #[test]
    fn curve_clips_at_the_reserve_and_handles_empty_inputs() {
        assert_eq!(curve_out(0, 10, 1, 2, 5), 10);
        assert_eq!(curve_out(10, 0, 1, 2, 5), 0);
        assert_eq!(curve_out(10, 10, 1, 2, 0), 0);
        assert_eq!(curve_out(1, 10, 99, 1, u64::MAX), 10);
    }
}
