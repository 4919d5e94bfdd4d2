//! Subnet pruning, dissolution and the registration queue (spec §8.3, §13.3.4, §13.12):
//! `r13_new_pool_seed_median`, `r13_registration_queue_fifo` and `r13_reservoir_dissolve`.

use crate::vectors::vector_2026_10 as vector;
use yumalab::chain::params::{ChainParams, Regime, SubnetParams};
use yumalab::chain::pool::{PoolKind, new_subnet_pool};
use yumalab::chain::state::Chain;
use yumalab::units::{NetUid, Rao};
use yumalab_agents::Action;

const TAO: u64 = 1_000_000_000;

fn step(chain: &mut Chain, blocks: u64) {
    let mut epochs = Vec::new();
    for _ in 0..blocks {
        chain.step_block(&mut epochs);
    }
}

#[test]
fn r13_new_pool_seed_median() {
    let v = vector("r13_new_pool_seed_median");
    assert_eq!(v["status"], "asserted");
    let min_lock = ChainParams::default().network_min_lock;
    let lock = 2 * min_lock;
    let pool = new_subnet_pool(PoolKind::Balancer, lock, min_lock, Some(2.0));
    assert_eq!(pool.tao, lock);
    assert_eq!(pool.alpha, lock / 2);
}

/// A network of `n` started subnets at the limit, subnet k with moving price 0.01·(k+1)
/// (subnet 2 the cheapest once subnet 1's price is raised), past the immunity period.
fn full_network(n: u16) -> (Chain, Vec<NetUid>) {
    let mut params = ChainParams::for_regime(Regime::Y2026_10);
    params.subnet_limit = n;
    params.network_immunity = 100;
    let mut chain = Chain::new(params);
    let mut netuids = Vec::new();
    for k in 0..n {
        let c = chain.add_coldkey(format!("owner{k}"), 0);
        let h = chain.add_hotkey(format!("owner{k}-hk"), c);
        let netuid = chain.add_subnet_genesis(
            SubnetParams::default(),
            c,
            h,
            1_000 * TAO,
            100_000 * TAO,
            Some(1),
        );
        netuids.push(netuid);
    }
    step(&mut chain, 200);
    for (k, n) in netuids.iter().enumerate() {
        chain.subnets.get_mut(n).expect("subnet").moving_price = 0.01 * (k as f64 + 1.0);
    }
    chain
        .subnets
        .get_mut(&netuids[0])
        .expect("subnet")
        .moving_price = 1.0;
    (chain, netuids)
}

#[test]
fn r13_registration_queue_fifo() {
    let v = vector("r13_registration_queue_fifo");
    assert_eq!(v["status"], "asserted");
    let (mut chain, netuids) = full_network(3);
    let fee = chain.params.tx_fees.expect("fees").other;
    let a = chain.add_coldkey("a", 1_000_000 * TAO);
    let a_hk = chain.add_hotkey("a-hk", a);
    let b = chain.add_coldkey("b", 1_000_000 * TAO);
    let b_hk = chain.add_hotkey("b-hk", b);
    chain.params.network_rate_limit = 0;
    let lock_a = chain.network_lock_cost();
    let balance = chain.coldkeys[a.0 as usize].balance;
    chain
        .apply(&Action::RegisterSubnet {
            coldkey: a,
            hotkey: a_hk,
        })
        .expect("queued");
    // The cheapest non-immune subnet (the second) is dissolved at once; the lock is escrowed.
    assert!(!chain.subnets.contains_key(&netuids[1]));
    assert_eq!(chain.registration_queue.len(), 1);
    assert_eq!(chain.registration_queue[0].lock, lock_a);
    assert_eq!(chain.coldkeys[a.0 as usize].balance, balance - lock_a - fee);
    chain.check_conservation().expect("conserved");
    // A second registration the same block: the network is full again (cleanup pending):
    // the next cheapest is pruned and b queues behind a.
    chain
        .apply(&Action::RegisterSubnet {
            coldkey: b,
            hotkey: b_hk,
        })
        .expect("queued");
    assert_eq!(chain.registration_queue.len(), 2);
    assert_eq!(chain.registration_queue[1].hotkey, b_hk);
    let cleanup = chain.params.dissolve_cleanup_blocks;
    // While the cleanups run nothing settles.
    step(&mut chain, cleanup - 1);
    assert_eq!(chain.registration_queue.len(), 2, "waits for the cleanup");
    // Then one entry per block, first in first out, on the reused netuid.
    step(&mut chain, 1);
    assert_eq!(chain.registration_queue.len(), 1);
    let first = chain
        .subnets
        .values()
        .find(|s| s.owner_hotkey == a_hk)
        .expect("a's subnet");
    assert_eq!(first.netuid, netuids[1], "the dissolved netuid is reused");
    assert_eq!(first.pool.tao, lock_a, "SubnetLocked = the queued lock");
    step(&mut chain, 1);
    assert!(chain.registration_queue.is_empty());
    assert!(chain.subnets.values().any(|s| s.owner_hotkey == b_hk));
    assert_eq!(chain.subnets.len(), 3);
    chain.check_conservation().expect("conserved");
}

#[test]
fn a_full_network_of_immune_subnets_refuses() {
    let (mut chain, _) = full_network(2);
    chain.params.network_immunity = 1_000_000;
    let a = chain.add_coldkey("a", 1_000_000 * TAO);
    let a_hk = chain.add_hotkey("a-hk", a);
    assert!(
        chain
            .apply(&Action::RegisterSubnet {
                coldkey: a,
                hotkey: a_hk,
            })
            .is_err()
    );
    assert!(chain.registration_queue.is_empty());
}

#[test]
fn r13_reservoir_dissolve() {
    let v = vector("r13_reservoir_dissolve");
    let i = &v["inputs"];
    let n = |k: &str| i[k].as_u64().expect("integer");
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let staker = chain.add_coldkey("staker", 0);
    let netuid = chain.add_subnet_genesis(SubnetParams::default(), owner, owner_hk, 0, 0, None);
    // The vector's state: empty reserves, both reservoirs at 100, a staker holding 100 alpha.
    assert_eq!(
        n("subnet_tao") + n("alpha_in_reserve") + n("protocol_alpha"),
        0
    );
    chain.add_external_issuance(0);
    chain.ledger.tao.genesis += n("tao_reservoir");
    chain.total_issuance += n("tao_reservoir");
    chain
        .stake_at_genesis(staker, owner_hk, netuid, n("staker_alpha"))
        .expect("stake");
    {
        let s = chain.subnets.get_mut(&netuid).expect("subnet");
        s.tao_reservoir = n("tao_reservoir");
        s.alpha_reservoir = n("alpha_reservoir");
    }
    chain.ledger.alpha.get_mut(&netuid).expect("ledger").minted += n("alpha_reservoir");
    chain.check_conservation().expect("conserved before");
    let issuance = chain.total_issuance;
    let d = chain.dissolve_subnet(netuid).expect("dissolved");
    assert_eq!(
        chain.coldkeys[staker.0 as usize].balance,
        v["expect"]["staker_tao_received"]
            .as_u64()
            .expect("integer")
    );
    assert_eq!(d.recycled, 50, "the protocol's half");
    assert!(chain.total_issuance < issuance);
    assert!(
        !chain.subnets.contains_key(&netuid),
        "reservoirs removed with it"
    );
    chain.check_conservation().expect("conserved after");
}

/// A subnet with stakers, a basket row and queued credits dissolves without losing a rao:
/// stakers are paid TAO, the fund's row becomes root cash, and the queue forgets the subnet.
#[test]
fn dissolution_pays_stakers_and_funds_and_conserves() {
    let (mut chain, netuids) = full_network(2);
    let target = netuids[1];
    let fee = chain.params.tx_fees.expect("fees").stake;
    let staker = chain.add_coldkey("staker", 100 * TAO + fee);
    let hk = chain.subnets[&target].owner_hotkey;
    chain
        .apply(&Action::AddStake {
            coldkey: staker,
            hotkey: hk,
            netuid: target,
            tao: Rao(100 * TAO),
            limit_price: None,
        })
        .expect("stake");
    let s = chain.subnets.get_mut(&target).expect("subnet");
    s.alpha_out += 5 * TAO;
    chain.ledger.alpha.entry(target).or_default().minted += 5 * TAO;
    chain.baskets.enqueue(hk, target, 5 * TAO);
    chain.check_conservation().expect("conserved before");
    let d = chain.dissolve_subnet(target).expect("dissolved");
    assert!(d.paid > 0 && chain.coldkeys[staker.0 as usize].balance > 0);
    assert!(chain.baskets.pending.is_empty());
    chain.check_conservation().expect("conserved after");
    step(&mut chain, 5);
    chain.check_conservation().expect("conserved later");
}
