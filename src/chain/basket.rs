//! Root Reborn (spec §13.6): root dividends kept as alpha in per-validator baskets.
//!
//! Since 2026-10 a validator's root dividend (after its take) is not sold or handed out at
//! once. It is queued ([`Baskets::pending`]), flushed one hotkey per block (or eagerly before
//! anything touches the hotkey's root stakers), and deposited *in place*: the alpha becomes
//! stake of the global escrow coldkey [`ESCROW`] on the validator's hotkey, a row of the
//! validator's fund. Root stakers own the fund through shares minted at NAV; a staker's
//! entitlement is `ρ·root_stake − watermark` shares, and a claim sells the claimant's fraction
//! of every row into the root subnet, paying TAO as root stake.
//!
//! Every fund row is ordinary stake, so the ledger needs one new entry only: queued credits
//! (alpha minted as `SubnetAlphaOut` that nobody owns until flushed), counted per subnet by
//! [`Baskets::queued_on`].
//!
//! Fixed point: the cumulative rate ρ is I96F32 ([`Fund::rate`] holds its bits, 2⁻³² per
//! unit), as on chain; watermarks are signed integers; values, shares and amounts are rao.
//! Storage order on chain is the hash order of hotkeys; here it is hotkey id order (the
//! round-robin flush visits hotkeys in that order).

use std::collections::BTreeMap;

use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};

use super::params::{BasketParams, RootDividends};
use super::pool::{MAX_INPUT_RATIO, Pool, PoolKind, SwapError};
use super::state::Chain;

/// The escrow coldkey E (§13.6.1): one global, inert account that holds every fund's rows
/// as stake positions (h, E, netuid). It is not a simulated wallet, so its id lies outside
/// the coldkey table.
pub const ESCROW: ColdkeyId = ColdkeyId(u32::MAX);

/// Fractional bits of the I96F32 rate.
const FRAC_BITS: u32 = 32;

/// One validator's fund (§13.6.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fund {
    /// `BasketShares[h]` P: outstanding fund shares.
    pub shares: u64,
    /// `BasketRate[h]` ρ: cumulative fund shares per rao of claimant root stake, as I96F32
    /// bits (ρ = rate / 2³²).
    pub rate: u128,
    /// `BasketClaimed[h][c]`: the signed claimed watermark m_hc, by claimant.
    pub claimed: BTreeMap<ColdkeyId, i128>,
    /// `BasketDepositedTao[h]` (display): Σ value added by deposits, rao.
    pub deposited_tao: u64,
    /// `BasketRedeemedTao[h]` (display): Σ TAO paid to claimants, rao.
    pub redeemed_tao: u64,
    /// The turnover bucket of the validator's trading (§13.6.10).
    pub turnover: Turnover,
}

impl Fund {
    /// A claimant's watermark (0 if none).
    pub fn watermark(&self, coldkey: ColdkeyId) -> i128 {
        self.claimed.get(&coldkey).copied().unwrap_or(0)
    }
}

/// Every fund, and the deposit queue (§13.6.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baskets {
    /// Funds by validator hotkey.
    pub funds: BTreeMap<HotkeyId, Fund>,
    /// `PendingBasketDeposits[h][netuid]`: queued dividend credits, alpha rao.
    pub pending: BTreeMap<HotkeyId, BTreeMap<NetUid, u64>>,
    /// `PendingBasketFlushCursor`: the last hotkey the per-block drain flushed.
    pub cursor: Option<HotkeyId>,
}

impl Baskets {
    /// Queues `alpha` for `hotkey`'s fund from subnet `netuid` (§13.6.2 step 2).
    pub fn enqueue(&mut self, hotkey: HotkeyId, netuid: NetUid, alpha: u64) {
        if alpha == 0 {
            return;
        }
        *self
            .pending
            .entry(hotkey)
            .or_default()
            .entry(netuid)
            .or_insert(0) += alpha;
    }

    /// Σ alpha queued from subnet `netuid` (part of its `SubnetAlphaOut`, owned by nobody).
    pub fn queued_on(&self, netuid: NetUid) -> u64 {
        self.pending
            .values()
            .filter_map(|rows| rows.get(&netuid))
            .sum()
    }

    /// The hotkey the per-block drain flushes next: the first queued key after the cursor,
    /// wrapping to the start (§13.6.3 (a)).
    pub fn next_to_flush(&self) -> Option<HotkeyId> {
        use std::ops::Bound::{Excluded, Unbounded};
        let after = match self.cursor {
            Some(c) => self.pending.range((Excluded(c), Unbounded)).next(),
            None => None,
        };
        after
            .or_else(|| self.pending.iter().next())
            .map(|(h, _)| *h)
    }
}

/// The take and the queued remainder of a root dividend (§13.6.2 steps 1–2):
/// take = ⌊τ·root_pay⌋ with τ = `take_u16`/65535, queued = ⌊root_pay − τ·root_pay⌋. The one
/// rao the two floors can lose stays in `SubnetAlphaOut`, owned by nobody.
pub fn take_and_queue(root_pay: u64, take_u16: u16) -> (u64, u64) {
    let take = root_pay as f64 * f64::from(take_u16) / 65535.0;
    let queued = (root_pay as f64 - take).floor().max(0.0) as u64;
    (take.floor() as u64, queued.min(root_pay))
}

/// Whether a queued credit is large enough to flush (§13.6.3 step 3): ⌊spot·alpha⌋ ≥
/// `RootClaimableThreshold[0]`. The spot price is used deliberately (it over-marks).
pub fn flushable(spot: f64, alpha: u64, threshold: u64) -> bool {
    (spot * alpha as f64).floor() >= threshold as f64
}

/// What `alpha` rao would realise in a pool (§13.6.4): the TAO of a fee-free sell at the
/// current reserves and weights, in chunks of at most the pool's maximum single-swap input,
/// each at the reserves the previous left. Stable (root) pools value 1:1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quote {
    /// TAO out, rao.
    pub tao: u64,
    /// Alpha the sell takes (less than asked only if the pool runs dry or the rest rounds
    /// to nothing).
    pub alpha: u64,
    /// The pool cannot realise even one rao (reserves below the minimum, invalid weights):
    /// valued 0.
    pub terminal: bool,
}

/// The realizable value of `alpha` in `pool` (§13.6.4), without changing the pool.
pub fn realizable(pool: &Pool, alpha: u64) -> Quote {
    realizable_at_fee(pool, alpha, 0)
}

/// [`realizable`] at swap fee rate `fee_rate` (u16 proportion, taken in alpha as an unstake
/// takes it): what a holder of `alpha` would be paid for unstaking it alone now, without
/// changing the pool. Reports value holdings with it (`crate::report::summary`).
pub fn realizable_at_fee(pool: &Pool, alpha: u64, fee_rate: u16) -> Quote {
    let mut p = pool.clone();
    sell_chunked_at_fee(&mut p, alpha, fee_rate)
}

/// Sells `alpha` fee-free into `pool` in reserve-bounded chunks (§13.6.4, §13.6.6 step 7),
/// changing the pool; what it realised.
pub fn sell_chunked(pool: &mut Pool, alpha: u64) -> Quote {
    sell_chunked_at_fee(pool, alpha, 0)
}

/// [`sell_chunked`] at swap fee rate `fee_rate`; `alpha` taken includes the fee.
fn sell_chunked_at_fee(pool: &mut Pool, alpha: u64, fee_rate: u16) -> Quote {
    if pool.kind == PoolKind::Stable {
        return Quote {
            tao: alpha,
            alpha,
            terminal: false,
        };
    }
    let mut q = Quote::default();
    let mut left = alpha;
    while left > 0 {
        let chunk = left.min(MAX_INPUT_RATIO.saturating_mul(pool.alpha).max(1));
        match pool.sell_alpha(chunk, fee_rate, None) {
            Ok(s) if s.amount_in > 0 => {
                q.tao += s.amount_out;
                q.alpha += s.amount_in;
                left -= s.amount_in;
            }
            Ok(_) | Err(SwapError::ZeroOutput { .. }) => break,
            Err(_) => {
                q.terminal = q.tao == 0;
                break;
            }
        }
    }
    q
}

/// The price that anchors a row at a claim (§13.6.6 step 4): the fast EMA once seeded;
/// before, the slow-EMA-guarded mark min(spot, slow EMA) (spot while the slow EMA is unset).
pub fn claim_mark(fast: f64, spot: f64, slow: f64) -> f64 {
    if fast > 0.0 {
        fast
    } else if slow > 0.0 {
        spot.min(slow)
    } else {
        spot
    }
}

/// The stakers' part of a deposit's value (§13.6.4 step 5): the escrow root slot's fraction
/// enters the fund unminted.
pub fn stakers_value(value_added: u64, total_root: u64, escrow_root: u64) -> u64 {
    let den = u128::from(total_root) + u128::from(escrow_root);
    if den == 0 {
        return 0;
    }
    (u128::from(value_added) * u128::from(total_root) / den) as u64
}

/// Shares minted for `stakers_value` (§13.6.4 step 6, `basket_shares_for_value`): at par into
/// an empty fund; into a fund marked at 0 only as a dust revival (P ≤ ⌊value/100⌋); otherwise
/// at NAV.
pub fn shares_for_value(stakers_value: u64, nav_before: u64, shares: u64) -> u64 {
    if shares == 0 {
        stakers_value
    } else if nav_before == 0 {
        if shares <= stakers_value / 100 {
            stakers_value
        } else {
            0
        }
    } else {
        (u128::from(stakers_value) * u128::from(shares) / u128::from(nav_before)) as u64
    }
}

/// The rate increment shares/total_root in I96F32 bits (§13.6.4 step 7), truncated.
pub fn rate_increment(shares: u64, total_root: u64) -> u128 {
    if total_root == 0 {
        return 0;
    }
    (u128::from(shares) << FRAC_BITS) / u128::from(total_root)
}

/// ⌊ρ·x⌋ for the I96F32 rate ρ and an amount x ≥ 0, saturating.
pub fn rate_times(rate: u128, x: u64) -> u128 {
    let (hi, lo) = (rate >> FRAC_BITS, rate & ((1u128 << FRAC_BITS) - 1));
    let x = u128::from(x);
    hi.saturating_mul(x).saturating_add((lo * x) >> FRAC_BITS)
}

/// ⌊ρ·Δ⌋ for a signed stake change Δ (§13.6.5), saturating.
pub fn rebase(rate: u128, delta: i128) -> i128 {
    let magnitude = delta.unsigned_abs().min(u128::from(u64::MAX)) as u64;
    let whole = rate_times(rate, magnitude).min(i128::MAX as u128) as i128;
    if delta >= 0 {
        whole
    } else {
        let lo = rate & ((1u128 << FRAC_BITS) - 1);
        let exact = (lo * u128::from(magnitude)) & ((1u128 << FRAC_BITS) - 1) == 0;
        -(whole + i128::from(!exact))
    }
}

/// A staker's owed fund shares (§13.6.5): max(0, ⌊ρ·root_stake − m⌋).
pub fn owed(rate: u128, root_stake: u64, watermark: i128) -> u64 {
    let gross = rate_times(rate, root_stake).min(i128::MAX as u128) as i128;
    gross
        .saturating_sub(watermark)
        .clamp(0, i128::from(u64::MAX)) as u64
}

/// The claimant's slice of a row and whether the row is dust at a partial claim
/// (§13.6.6 step 5). `owed < p` is the caller's to check (a whole-fund claim skips nothing).
pub fn dust_row(
    anchored: u64,
    anchored_nav: u64,
    owed: u64,
    p: u64,
    params: &BasketParams,
) -> (u64, bool) {
    if p == 0 {
        return (0, false);
    }
    let slice = ((u128::from(owed) * u128::from(anchored) / u128::from(p)) as u64).min(anchored);
    let row_floor = params
        .row_dust_cap
        .min((u128::from(anchored_nav) * u128::from(params.row_dust_bps) / 10_000) as u64);
    let dust = params.forfeit_cap > 0
        && slice <= params.forfeit_cap
        && ((row_floor > 0 && anchored < row_floor)
            || (params.slice_dust > 0 && slice < params.slice_dust));
    (slice, dust)
}

/// What a claim did (§13.6.6), rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Claimed {
    /// Fund shares redeemed.
    pub shares: u64,
    /// TAO paid to the claimant as root stake (root cash + sale proceeds up to entitlement).
    pub tao: u64,
    /// Sale proceeds above the entitlement, kept in the fund's root slot.
    pub retained: u64,
}

/// One row of a fund at a claim.
#[derive(Clone, Copy, Debug)]
struct Row {
    /// `None`: the root slot.
    netuid: Option<NetUid>,
    held: u64,
    value: u64,
    anchored: u64,
    terminal: bool,
    dust: bool,
}

impl Chain {
    /// Whether this chain keeps root dividends in baskets (§13.6).
    pub fn uses_baskets(&self) -> bool {
        self.params.root_dividends == RootDividends::Baskets
    }

    /// The escrow's alpha on `hotkey` on a subnet: the fund row `held_i`.
    pub fn basket_row(&self, hotkey: HotkeyId, netuid: NetUid) -> u64 {
        self.subnets
            .get(&netuid)
            .and_then(|s| s.stakes.get(&hotkey))
            .map_or(0, |p| p.stake_of(ESCROW))
    }

    /// The fund's root slot (root stake of (h, E)), rao.
    pub fn basket_root_slot(&self, hotkey: HotkeyId) -> u64 {
        self.root.pool(hotkey).map_or(0, |p| p.stake_of(ESCROW))
    }

    /// N_h (§13.6.4): Σ over the fund's rows of each row's realizable value alone.
    pub fn basket_nav(&self, hotkey: HotkeyId) -> u64 {
        let mut nav = self.basket_root_slot(hotkey);
        for s in self.subnets.values() {
            let held = s.stakes.get(&hotkey).map_or(0, |p| p.stake_of(ESCROW));
            if held > 0 {
                nav = nav.saturating_add(realizable(&s.pool, held).tao);
            }
        }
        nav
    }

    /// The claimant base of `hotkey` (§13.6.4 step 1): its root stake without the escrow's.
    pub fn basket_claimant_base(&self, hotkey: HotkeyId) -> u64 {
        self.root.hotkey_stake(hotkey) - self.basket_root_slot(hotkey)
    }

    /// The fund shares `coldkey` is owed by `hotkey`'s fund (§13.6.5), capped at P.
    pub fn basket_owed(&self, hotkey: HotkeyId, coldkey: ColdkeyId) -> u64 {
        let Some(fund) = self.baskets.funds.get(&hotkey) else {
            return 0;
        };
        let stake = self.root.pool(hotkey).map_or(0, |p| p.stake_of(coldkey));
        owed(fund.rate, stake, fund.watermark(coldkey)).min(fund.shares)
    }

    /// The TAO value of what `coldkey` is owed by every fund, ⌊owed·N/P⌋ each (capped at N),
    /// without queued credits: what it would claim at today's marks.
    pub fn basket_claimable_value(&self, coldkey: ColdkeyId) -> u64 {
        let mut total = 0u64;
        for (h, fund) in &self.baskets.funds {
            let owed = self.basket_owed(*h, coldkey);
            if owed == 0 || fund.shares == 0 {
                continue;
            }
            let nav = self.basket_nav(*h);
            let v = (u128::from(owed) * u128::from(nav) / u128::from(fund.shares)) as u64;
            total = total.saturating_add(v.min(nav));
        }
        total
    }

    /// Recycles `alpha` of queued or escrowed alpha on `netuid` (§13.6.8):
    /// `SubnetAlphaOut` −= alpha.
    fn recycle_alpha(&mut self, netuid: NetUid, alpha: u64) {
        if let Some(s) = self.subnets.get_mut(&netuid) {
            s.alpha_out -= alpha;
            self.ledger.alpha.entry(netuid).or_default().recycled += alpha;
        }
    }

    /// The per-block drain (§13.6.3 (a)): flushes the next queued hotkey after the cursor.
    pub fn flush_next_basket(&mut self) {
        if let Some(h) = self.baskets.next_to_flush() {
            self.baskets.cursor = Some(h);
            self.flush_basket(h);
        }
    }

    /// `flush(h)` (§13.6.3): deposits `hotkey`'s queued credits that reach the threshold;
    /// credits of hotkeys not on root (or of vanished subnets) are recycled; credits below
    /// the threshold, and credits whose deposit fails, stay queued.
    pub fn flush_basket(&mut self, hotkey: HotkeyId) {
        let Some(rows) = self.baskets.pending.remove(&hotkey) else {
            return;
        };
        let on_root = self.root.is_registered(hotkey);
        let threshold = self.params.basket.claimable_threshold;
        let mut keep: BTreeMap<NetUid, u64> = BTreeMap::new();
        let mut batch: Vec<(NetUid, u64)> = Vec::new();
        for (netuid, a) in rows {
            let Some(s) = self.subnets.get(&netuid) else {
                continue; // a vanished subnet's alpha vanished with it
            };
            if !on_root {
                self.recycle_alpha(netuid, a);
            } else if !flushable(s.pool.price(), a, threshold) {
                keep.insert(netuid, a);
            } else {
                batch.push((netuid, a));
            }
        }
        if !batch.is_empty() && self.deposit_basket(hotkey, &batch).is_err() {
            if batch.len() > 1 {
                for credit in batch {
                    if self.deposit_basket(hotkey, &[credit]).is_err() {
                        *keep.entry(credit.0).or_insert(0) += credit.1;
                    }
                }
            } else {
                let (netuid, a) = batch[0];
                *keep.entry(netuid).or_insert(0) += a;
            }
        }
        if !keep.is_empty() {
            let rows = self.baskets.pending.entry(hotkey).or_default();
            for (netuid, a) in keep {
                *rows.entry(netuid).or_insert(0) += a;
            }
        }
    }

    /// Deposits a batch into `hotkey`'s fund, accumulating in place and minting shares at NAV
    /// (§13.6.4). `Err` (state unchanged) if the deposit would mint nothing: the caller
    /// re-queues. A batch with no claimant base is recycled (`Ok`).
    fn deposit_basket(&mut self, hotkey: HotkeyId, batch: &[(NetUid, u64)]) -> Result<(), ()> {
        let escrow_root = self.basket_root_slot(hotkey);
        let total_root = self.basket_claimant_base(hotkey);
        if total_root == 0 {
            for &(netuid, a) in batch {
                self.recycle_alpha(netuid, a);
            }
            return Ok(());
        }
        let nav_before = self.basket_nav(hotkey);
        let mut undo = Vec::with_capacity(batch.len());
        let mut value_added = 0u64;
        let mut recycled = Vec::new();
        for &(netuid, a) in batch {
            let s = self.subnets.get_mut(&netuid).expect("checked by flush");
            let pool = s.stakes.entry(hotkey).or_default();
            let before = pool.clone();
            let v0 = realizable(&s.pool, pool.stake_of(ESCROW));
            pool.deposit(ESCROW, a);
            let v1 = realizable(&s.pool, pool.stake_of(ESCROW));
            if v0.terminal || v1.terminal {
                *pool = before;
                recycled.push((netuid, a));
                continue;
            }
            value_added += v1.tao.saturating_sub(v0.tao);
            undo.push((netuid, before));
        }
        let fund = self.baskets.funds.entry(hotkey).or_default();
        let sv = stakers_value(value_added, total_root, escrow_root);
        let shares = shares_for_value(sv, nav_before, fund.shares);
        let increment = rate_increment(shares, total_root);
        if !undo.is_empty() && (shares == 0 || increment == 0) {
            for (netuid, before) in undo {
                let s = self.subnets.get_mut(&netuid).expect("subnet");
                s.stakes.insert(hotkey, before);
            }
            if self
                .baskets
                .funds
                .get(&hotkey)
                .is_some_and(|f| *f == Fund::default())
            {
                self.baskets.funds.remove(&hotkey);
            }
            return Err(());
        }
        fund.shares += shares;
        fund.rate = fund.rate.saturating_add(increment);
        fund.deposited_tao = fund.deposited_tao.saturating_add(value_added);
        for (netuid, a) in recycled {
            self.recycle_alpha(netuid, a);
        }
        Ok(())
    }

    /// Before a change of `hotkey`'s root stake (§13.6.3 (b)): flush its queue, so that a
    /// staker arriving now cannot capture dividends queued before.
    pub(crate) fn before_root_stake_change(&mut self, hotkey: HotkeyId) {
        if self.uses_baskets() {
            self.flush_basket(hotkey);
        }
    }

    /// After `coldkey`'s root stake on `hotkey` changed by `delta` (§13.6.5): m += ⌊ρ·Δ⌋, so
    /// that what it is owed does not change.
    pub(crate) fn after_root_stake_change(
        &mut self,
        hotkey: HotkeyId,
        coldkey: ColdkeyId,
        delta: i128,
    ) {
        if let Some(fund) = self.baskets.funds.get_mut(&hotkey)
            && fund.rate > 0
            && delta != 0
        {
            let m = fund.claimed.entry(coldkey).or_insert(0);
            *m = m.saturating_add(rebase(fund.rate, delta));
        }
    }

    /// `claim_root` (§13.6.6): claims from every fund where `coldkey` has root stake or a
    /// negative watermark, in hotkey order. Returns the total paid.
    pub fn claim_root(&mut self, coldkey: ColdkeyId) -> Claimed {
        let hotkeys: Vec<HotkeyId> = self
            .baskets
            .funds
            .iter()
            .filter(|(h, f)| {
                f.watermark(coldkey) < 0
                    || self.root.pool(**h).is_some_and(|p| p.stake_of(coldkey) > 0)
            })
            .map(|(h, _)| *h)
            .collect();
        let mut total = Claimed::default();
        for h in hotkeys {
            let c = self.claim_root_with_hotkey(coldkey, h);
            total.shares += c.shares;
            total.tao += c.tao;
            total.retained += c.retained;
        }
        total
    }

    /// `claim_root_with_hotkey` (§13.6.6): sells `coldkey`'s fraction owed/P of every non-dust
    /// row of `hotkey`'s fund and pays the TAO as root stake on `hotkey`. A claim below the
    /// threshold is a no-op (dust consolidation still happens).
    pub fn claim_root_with_hotkey(&mut self, coldkey: ColdkeyId, hotkey: HotkeyId) -> Claimed {
        // 1.
        self.flush_basket(hotkey);
        // 2.
        let Some(fund) = self.baskets.funds.get(&hotkey) else {
            return Claimed::default();
        };
        let p = fund.shares;
        let owed = self.basket_owed(hotkey, coldkey);
        if owed == 0 || p == 0 {
            return Claimed::default();
        }
        let params = self.params.basket;
        let threshold = params.claimable_threshold;
        // 3. Dust consolidation.
        let netuids: Vec<NetUid> = self.subnets.keys().copied().collect();
        for &netuid in &netuids {
            let held = self.basket_row(hotkey, netuid);
            if held == 0 {
                continue;
            }
            let s = self.subnets.get_mut(&netuid).expect("subnet");
            let q = realizable(&s.pool, held);
            if q.terminal {
                s.stakes
                    .get_mut(&hotkey)
                    .expect("row")
                    .withdraw(ESCROW, held)
                    .expect("held");
                s.alpha_burned += held;
                self.ledger.alpha.entry(netuid).or_default().burned += held;
            } else if q.tao < threshold && q.tao > 0 {
                let sold = sell_chunked(&mut s.pool, held);
                s.stakes
                    .get_mut(&hotkey)
                    .expect("row")
                    .withdraw(ESCROW, sold.alpha)
                    .expect("held");
                s.alpha_out -= sold.alpha;
                s.flow.record_protocol_flow(-(sold.tao as i64));
                self.root.pool_entry(hotkey).deposit(ESCROW, sold.tao);
            }
        }
        // 4. Value every row.
        let mut rows: Vec<Row> = Vec::new();
        let slot = self.basket_root_slot(hotkey);
        if slot > 0 {
            rows.push(Row {
                netuid: None,
                held: slot,
                value: slot,
                anchored: slot,
                terminal: false,
                dust: false,
            });
        }
        for &netuid in &netuids {
            let held = self.basket_row(hotkey, netuid);
            if held == 0 {
                continue;
            }
            let s = &self.subnets[&netuid];
            let q = realizable(&s.pool, held);
            let mark = (held as f64
                * claim_mark(s.fast_moving_price, s.pool.price(), s.moving_price))
            .floor() as u64;
            rows.push(Row {
                netuid: Some(netuid),
                held,
                value: q.tao,
                anchored: q.tao.min(mark),
                terminal: q.terminal,
                dust: false,
            });
        }
        // 5. Dust rows (a claimant redeeming the whole fund skips nothing).
        if owed < p {
            let anchored_nav: u64 = rows.iter().map(|r| r.anchored).sum();
            for r in rows
                .iter_mut()
                .filter(|r| r.netuid.is_some() && !r.terminal)
            {
                r.dust = dust_row(r.anchored, anchored_nav, owed, p, &params).1;
            }
        }
        // 6. Threshold on the estimated payout.
        let any_terminal = rows.iter().any(|r| r.terminal);
        let sum: u64 = rows.iter().filter(|r| !r.dust).map(|r| r.value).sum();
        let est = ((u128::from(owed) * u128::from(sum) / u128::from(p)) as u64).min(sum);
        if !any_terminal && (est < threshold || est == 0) {
            return Claimed::default();
        }
        // 7. Plan the sales (each row's pool is separate, so quotes are exact).
        let mut root_cash = 0u64;
        let mut claimant = 0u64;
        let mut retained = 0u64;
        let mut written_off = false;
        let mut plan: Vec<(Row, u64, Quote)> = Vec::new();
        for r in rows.iter().filter(|r| !r.dust) {
            let entitlement =
                ((u128::from(owed) * u128::from(r.value) / u128::from(p)) as u64).min(r.value);
            let mut take = (u128::from(r.held) * u128::from(owed) / u128::from(p)) as u64;
            if take == 0 && entitlement > 0 && r.netuid.is_some() && !r.terminal {
                take = 1;
            }
            if take == 0 {
                continue;
            }
            let q = match r.netuid {
                None => {
                    root_cash += take;
                    Quote::default()
                }
                Some(_) if r.terminal => {
                    written_off = true;
                    Quote::default()
                }
                Some(netuid) => {
                    let q = realizable(&self.subnets[&netuid].pool, take);
                    let to_claimant = if owed == p {
                        q.tao
                    } else {
                        q.tao.min(entitlement)
                    };
                    claimant += to_claimant;
                    retained += q.tao - to_claimant;
                    q
                }
            };
            plan.push((*r, take, q));
        }
        // 8. Nothing to pay and nothing written off: a no-op.
        if root_cash + claimant == 0 && !written_off {
            return Claimed::default();
        }
        // Commit the plan.
        for (r, take, q) in plan {
            match r.netuid {
                None => {
                    self.root
                        .pool_mut(hotkey)
                        .expect("slot")
                        .withdraw(ESCROW, take)
                        .expect("held");
                }
                Some(netuid) => {
                    let s = self.subnets.get_mut(&netuid).expect("subnet");
                    if r.terminal {
                        s.stakes
                            .get_mut(&hotkey)
                            .expect("row")
                            .withdraw(ESCROW, take)
                            .expect("held");
                        s.alpha_burned += take;
                        self.ledger.alpha.entry(netuid).or_default().burned += take;
                    } else {
                        let sold = sell_chunked(&mut s.pool, take);
                        debug_assert_eq!((sold.tao, sold.alpha), (q.tao, q.alpha));
                        s.stakes
                            .get_mut(&hotkey)
                            .expect("row")
                            .withdraw(ESCROW, sold.alpha)
                            .expect("held");
                        s.alpha_out -= sold.alpha;
                        s.flow.record_protocol_flow(-(sold.tao as i64));
                    }
                }
            }
        }
        // 9. The concavity surplus stays in the fund's root slot.
        let mut root = self.root.pool_entry(hotkey);
        root.deposit(ESCROW, retained);
        // 10. Pay the claimant as root stake on the hotkey.
        let total = root_cash + claimant;
        root.deposit(coldkey, total);
        // 11–12. Rebase for the new stake, then redeem the shares.
        let fund = self.baskets.funds.get_mut(&hotkey).expect("fund");
        let m = fund.claimed.entry(coldkey).or_insert(0);
        *m = m
            .saturating_add(rebase(fund.rate, i128::from(total)))
            .saturating_add(i128::from(owed));
        fund.shares -= owed;
        fund.redeemed_tao = fund.redeemed_tao.saturating_add(total);
        Claimed {
            shares: owed,
            tao: total,
            retained,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_floors_towards_minus_infinity() {
        let quarter = 1u128 << 30; // 0.25
        assert_eq!(rebase(quarter, 10), 2);
        assert_eq!(rebase(quarter, -10), -3);
        assert_eq!(rebase(quarter, -8), -2);
        assert_eq!(rebase(0, -8), 0);
    }

    #[test]
    fn owed_is_never_negative() {
        assert_eq!(owed(1u128 << 32, 100, 150), 0);
        assert_eq!(owed(1u128 << 32, 100, -5), 105);
    }

    #[test]
    fn next_to_flush_wraps_around() {
        let mut b = Baskets::default();
        b.enqueue(HotkeyId(3), NetUid(1), 5);
        b.enqueue(HotkeyId(7), NetUid(1), 5);
        assert_eq!(b.next_to_flush(), Some(HotkeyId(3)));
        b.cursor = Some(HotkeyId(3));
        assert_eq!(b.next_to_flush(), Some(HotkeyId(7)));
        b.cursor = Some(HotkeyId(7));
        assert_eq!(b.next_to_flush(), Some(HotkeyId(3)));
        assert_eq!(b.queued_on(NetUid(1)), 10);
    }
}

/// `MIN_BASKET_TRADE_TAO` (§13.6.10): the smallest sell leg, rao.
pub const MIN_BASKET_TRADE: u64 = 500_000_000;
/// `BasketDailyTurnoverCap`, `BasketLiquidityCap` (u16 proportions, 10 %).
pub const BASKET_TURNOVER_CAP: u16 = 6_553;
/// See [`BASKET_TURNOVER_CAP`].
pub const BASKET_LIQUIDITY_CAP: u16 = 6_553;
/// `BasketConcentrationCap` (4096/65535 = 1/16).
pub const BASKET_CONCENTRATION_CAP: u16 = 4_096;
/// Blocks over which the turnover bucket refills.
pub const BASKET_REFILL_BLOCKS: u64 = 7_200;
/// The price band of a leg, basis points (2 %).
pub const BASKET_MAX_SLIPPAGE_BPS: u64 = 200;

/// A fund's turnover bucket (§13.6.10): TAO it may still trade, refilled linearly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Turnover {
    /// TAO left in the bucket, rao.
    pub level: u64,
    /// The block of the last refill.
    pub at: u64,
    /// Whether the bucket was ever filled (a new fund starts full).
    pub started: bool,
}

impl Turnover {
    /// The level at block `b` for a capacity `cap`: refilled by cap·(b − at)/7200, at most cap.
    pub fn refill(&mut self, b: u64, cap: u64) -> u64 {
        if !self.started {
            self.started = true;
            self.level = cap;
        } else {
            let add = (u128::from(cap) * u128::from(b.saturating_sub(self.at))
                / u128::from(BASKET_REFILL_BLOCKS)) as u64;
            self.level = self.level.saturating_add(add).min(cap);
        }
        self.at = b;
        self.level
    }
}

fn u16_of(x: u64, p: u16) -> u64 {
    (u128::from(x) * u128::from(p) / 65_535) as u64
}

impl Chain {
    /// The fund's NAV with every subnet row capped at its slow-EMA mark (§13.6.10: the guarded
    /// NAV the turnover cap reads).
    pub fn basket_nav_guarded(&self, hotkey: HotkeyId) -> u64 {
        let mut nav = self.basket_root_slot(hotkey);
        for s in self.subnets.values() {
            let held = s.stakes.get(&hotkey).map_or(0, |p| p.stake_of(ESCROW));
            if held > 0 {
                let mark = (held as f64 * s.moving_price).floor() as u64;
                nav = nav.saturating_add(realizable(&s.pool, held).tao.min(mark));
            }
        }
        nav
    }

    /// `swap_basket` (§13.6.10): the validator's owner sells `amount` of `hotkey`'s fund row
    /// `from` (alpha, or TAO of the root slot when `from` is 0) and buys row `to` (0: the root
    /// slot), at the AMM's fees, within the bounds: each leg fills completely within 2 % of the
    /// strictest of the slow EMA, the fast EMA and spot; the sell leg yields at least 0.5 TAO;
    /// the TAO passing through fits the turnover bucket (10 % of the guarded NAV per 7 200
    /// blocks); after the buy the row holds at most 10 % of the pool's alpha reserve and is
    /// worth at most 1/16 of the NAV (skipped while fewer than 16 subnets exist). Shares, rate
    /// and watermarks are untouched. Basket trading is live since spec 469.
    ///
    /// # Errors
    /// A [`Refusal`] naming the bound; the state is then unchanged.
    pub(crate) fn swap_basket(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        from: NetUid,
        to: NetUid,
        amount: u64,
    ) -> Result<(), super::extrinsics::Refusal> {
        use super::extrinsics::{MIN_STAKE, Refusal};
        let bad = |why: String| Err(Refusal::BasketTrade(why));
        self.owns(coldkey, hotkey)?;
        if !self.uses_baskets() {
            return Err(Refusal::NoBaskets);
        }
        if !self.root.is_registered(hotkey) {
            return Err(Refusal::NotRegistered);
        }
        if from == to {
            return bad("the origin and destination rows are the same".into());
        }
        for n in [from, to] {
            if n.0 != 0 && !self.subnets.contains_key(&n) {
                return Err(Refusal::UnknownSubnet(n));
            }
        }
        self.flush_basket(hotkey);
        let fee = self.params.swap_fee;
        let band = |p: f64, up: bool| {
            let k = BASKET_MAX_SLIPPAGE_BPS as f64 / 10_000.0;
            if up { p * (1.0 + k) } else { p * (1.0 - k) }
        };
        // The sell leg.
        let tao = if from.0 == 0 {
            let slot = self.basket_root_slot(hotkey);
            if amount > slot {
                return Err(Refusal::InsufficientStake {
                    needed: amount,
                    available: slot,
                });
            }
            amount
        } else {
            let held = self.basket_row(hotkey, from);
            if amount > held {
                return Err(Refusal::InsufficientStake {
                    needed: amount,
                    available: held,
                });
            }
            let s = &self.subnets[&from];
            let spot = s.pool.price();
            let reference = spot.max(s.moving_price).max(s.fast_moving_price);
            let floor = band(reference, false);
            if spot < floor {
                return bad(format!(
                    "spot {spot} is already below the sell floor {floor}"
                ));
            }
            let q = s
                .pool
                .quote_sell(amount, fee, Some(floor))
                .map_err(|e| Refusal::Swap(e.to_string()))?;
            if q.refund > 0 {
                return bad(format!("the sell does not fill within 2 % of {reference}"));
            }
            q.amount_out
        };
        let minimum = MIN_STAKE.max(MIN_BASKET_TRADE);
        if tao < minimum {
            return Err(Refusal::BelowMinimum(tao));
        }
        let cap = u16_of(self.basket_nav_guarded(hotkey), BASKET_TURNOVER_CAP);
        let b = self.block;
        let fund = self.baskets.funds.entry(hotkey).or_default();
        let mut bucket = fund.turnover;
        if tao > bucket.refill(b, cap) {
            return bad(format!(
                "{tao} rao exceeds the turnover bucket's {} rao (10 % of the guarded NAV a day)",
                bucket.level
            ));
        }
        // The buy leg.
        let bought = if to.0 == 0 {
            tao
        } else {
            let s = &self.subnets[&to];
            let spot = s.pool.price();
            let mut reference = spot;
            for p in [s.moving_price, s.fast_moving_price] {
                if p > 0.0 {
                    reference = reference.min(p);
                }
            }
            let ceiling = band(reference, true);
            if spot > ceiling {
                return bad(format!(
                    "spot {spot} is already above the buy ceiling {ceiling}"
                ));
            }
            let q = s
                .pool
                .quote_buy(tao, fee, Some(ceiling))
                .map_err(|e| Refusal::Swap(e.to_string()))?;
            if q.refund > 0 {
                return bad(format!("the buy does not fill within 2 % of {reference}"));
            }
            let after = self.basket_row(hotkey, to) + q.amount_out;
            let liquidity = u16_of(s.pool.alpha, BASKET_LIQUIDITY_CAP);
            if after > liquidity {
                return bad(format!(
                    "the row would hold {after} alpha, above 10 % of the pool's {} alpha",
                    s.pool.alpha
                ));
            }
            if self.subnets.len() >= 16 {
                let mut pool = s.pool.clone();
                let _ = pool.buy_alpha(tao, fee, None);
                let value = realizable(&pool, after).tao;
                let nav = self.basket_nav(hotkey);
                if value > u16_of(nav, BASKET_CONCENTRATION_CAP) {
                    return bad(format!(
                        "the row would be worth {value} rao, above 1/16 of the NAV {nav}"
                    ));
                }
            }
            q.amount_out
        };
        // Commit: the sell, then the buy; the AMM fees go to the block author.
        if from.0 == 0 {
            self.root
                .pool_mut(hotkey)
                .expect("slot")
                .withdraw(ESCROW, amount)
                .expect("checked");
        } else {
            let s = self.subnets.get_mut(&from).expect("subnet");
            let reference = s.pool.price().max(s.moving_price).max(s.fast_moving_price);
            let swap = s
                .pool
                .sell_alpha(amount, fee, Some(band(reference, false)))
                .expect("quoted");
            s.stakes
                .get_mut(&hotkey)
                .expect("row")
                .withdraw(ESCROW, swap.amount_in)
                .expect("held");
            s.alpha_out -= swap.amount_in;
            let mut author = 0;
            if swap.fee > 0 && s.pool.kind == PoolKind::Balancer {
                match s.pool.sell_alpha(swap.fee, 0, None) {
                    Ok(f) => author = f.amount_out,
                    Err(_) => s.pool.alpha += swap.fee,
                }
            }
            s.flow
                .record_user_flow(-((swap.amount_out + author) as i64));
            self.ledger.tao.author_fees += author;
        }
        if to.0 == 0 {
            self.root.pool_entry(hotkey).deposit(ESCROW, bought);
        } else {
            let s = self.subnets.get_mut(&to).expect("subnet");
            let mut reference = s.pool.price();
            for p in [s.moving_price, s.fast_moving_price] {
                if p > 0.0 {
                    reference = reference.min(p);
                }
            }
            let swap = s
                .pool
                .buy_alpha(tao, fee, Some(band(reference, true)))
                .expect("quoted");
            let author = if s.pool.kind == PoolKind::Balancer {
                swap.fee
            } else {
                0
            };
            s.flow.record_user_flow((swap.amount_in - author) as i64);
            self.ledger.tao.author_fees += author;
            s.alpha_out += swap.amount_out;
            s.stakes
                .entry(hotkey)
                .or_default()
                .deposit(ESCROW, swap.amount_out);
        }
        bucket.level -= tao;
        self.baskets.funds.entry(hotkey).or_default().turnover = bucket;
        Ok(())
    }
}
