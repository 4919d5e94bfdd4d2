//! Root registration by burn (spec §13.6.12), and the seats it gives.
//!
//! Since spec 441 only hotkeys holding a root UID earn root dividends (§13.5), and a root UID
//! is bought: the price starts at `MinBurn[0]` = 1 TAO, rises ×`BurnIncreaseMult` per
//! registration and decays like a subnet's burn (§8.1, half-life form); at most one
//! registration per block and two per 360-block interval; a new seat is immune for 7 200
//! blocks; a full root (64 seats) evicts its lowest-staked non-immune member (ties: the older
//! registration, then the lower id — yumalab's stand-in for the lower UID). If every member is
//! immune the registration fails. The burned TAO is recycled (`TotalIssuance` falls), as the
//! chain's burns of registration TAO are.
//!
//! An evicted hotkey's flushable basket credits are deposited before its seat goes; what is
//! left queued (below the flush threshold) is then recycled (§13.6.3, root churn).

use yumalab_agents::units::{ColdkeyId, HotkeyId};

use super::extrinsics::{ROOT_MAX_UIDS, Refusal};
use super::registration::{BurnState, u64f64_from_f64};
use super::state::Chain;

/// `MinBurn[0]`: the root registration price's floor, rao (1 TAO).
pub const ROOT_MIN_BURN: u64 = 1_000_000_000;
/// The root registration price's ceiling, rao (the subnets' default `MaxBurn`, 100 TAO).
pub const ROOT_MAX_BURN: u64 = 100_000_000_000;
/// Blocks a new root seat cannot be evicted.
pub const ROOT_IMMUNITY: u64 = 7_200;
/// Root registrations per block.
pub const ROOT_REGS_PER_BLOCK: u32 = 1;
/// Root registrations per interval.
pub const ROOT_REGS_PER_INTERVAL: u32 = 2;
/// The interval those are counted over, blocks.
pub const ROOT_INTERVAL: u64 = 360;

impl Chain {
    /// Gives `hotkey` a root seat at genesis (a scenario's starting root stakers): no burn,
    /// no eviction; `false` if root is full.
    pub fn root_register_at_genesis(&mut self, hotkey: HotkeyId) -> bool {
        if self.root.registered.contains(&hotkey) {
            return true;
        }
        if self.root.registered.len() >= ROOT_MAX_UIDS {
            return false;
        }
        self.root.registered.insert(hotkey);
        self.root.seat_blocks.insert(hotkey, self.block);
        true
    }

    /// The current root registration price, rao.
    pub fn root_burn(&self) -> u64 {
        self.root.burn.as_ref().map_or(ROOT_MIN_BURN, |b| b.burn)
    }

    /// Start of a block for root registration: the price decays, counters reset.
    pub(crate) fn root_on_block(&mut self, block: u64) {
        if let Some(b) = self.root.burn.as_mut() {
            b.on_block_at(block);
        }
        let interval = block / ROOT_INTERVAL;
        let (this_block, this_interval, index) = &mut self.root.registrations;
        *this_block = 0;
        if *index != interval {
            *index = interval;
            *this_interval = 0;
        }
    }

    /// `root_register` (§13.6.12): `coldkey` burns the root price for a seat for `hotkey`,
    /// evicting the lowest-staked non-immune member of a full root.
    ///
    /// # Errors
    /// Not the owner, already registered, the per-block or per-interval cap reached, every
    /// seat immune, or not enough free TAO; the state is then unchanged.
    pub(crate) fn root_register(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
    ) -> Result<(), Refusal> {
        self.owns(coldkey, hotkey)?;
        if self.root.registered.contains(&hotkey) {
            return Err(Refusal::AlreadyRegistered);
        }
        let (this_block, this_interval, _) = self.root.registrations;
        if this_block >= ROOT_REGS_PER_BLOCK || this_interval >= ROOT_REGS_PER_INTERVAL {
            return Err(Refusal::RegistrationsFull);
        }
        let price = self.root_burn();
        let available = self.coldkeys[coldkey.0 as usize].balance;
        if available < price {
            return Err(Refusal::InsufficientBalance {
                needed: price,
                available,
            });
        }
        let evict = if self.root.registered.len() >= ROOT_MAX_UIDS {
            Some(self.root_to_evict().ok_or(Refusal::NoPrunableUid)?)
        } else {
            None
        };
        if let Some(out) = evict {
            // Flushable credits are deposited while the seat is still held; the rest is
            // recycled once it is gone.
            self.flush_basket(out);
            self.root.registered.remove(&out);
            self.root.seat_blocks.remove(&out);
            self.flush_basket(out);
        }
        self.coldkeys[coldkey.0 as usize].balance -= price;
        self.ledger.tao.recycled += price;
        self.total_issuance -= price;
        self.root.registered.insert(hotkey);
        self.root.seat_blocks.insert(hotkey, self.block);
        let block = self.block;
        let burn = self.root.burn.get_or_insert_with(|| {
            let mut b = BurnState::new(
                ROOT_MIN_BURN,
                ROOT_MIN_BURN,
                ROOT_MAX_BURN,
                360,
                u64f64_from_f64(1.26),
            );
            b.on_block_at(block);
            b
        });
        burn.on_register();
        self.root.registrations.0 += 1;
        self.root.registrations.1 += 1;
        Ok(())
    }

    /// The member a full root evicts: the lowest root stake among seats older than the
    /// immunity period; ties to the older seat, then the lower id.
    pub fn root_to_evict(&self) -> Option<HotkeyId> {
        let block = self.block;
        self.root
            .registered
            .iter()
            .map(|&h| (h, self.root.seat_blocks.get(&h).copied().unwrap_or(0)))
            .filter(|&(_, at)| at + ROOT_IMMUNITY <= block)
            .min_by_key(|&(h, at)| (self.root.hotkey_stake(h), at, h))
            .map(|(h, _)| h)
    }
}
