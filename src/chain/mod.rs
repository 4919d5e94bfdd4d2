//! The simulated chain: state and its transitions (spec `chain-model.md` §1, §2, §4–§9).
//!
//! - [`state`]: accounts, hotkeys, root, subnets; [`ledger`]: where every rao went, and the
//!   conservation check; [`stake`]: share pools;
//! - [`basket`]: Root Reborn funds (root dividends kept as alpha, §13.6);
//! - [`block`]: one block in the chain's order (emission, coinbase, epochs, payouts);
//! - [`network`]: subnet pruning, dissolution and the registration queue (§8.3, §13.12);
//! - [`root`]: root seats bought by burn (§13.6.12);
//! - [`extrinsics`]: agents' actions (registration, weights, staking);
//! - [`view`]: what agents may observe;
//! - [`params`]: chain and subnet parameters, and the named regimes;
//! - [`collateral`]: miner registration collateral (§13.8);
//! - pure rules: [`pool`] (the AMMs), [`emission`] (halvings), [`registration`] (burn
//!   pricing, pruning, lock cost), [`shares`] (emission shares, injection, alpha split).

pub mod basket;
pub mod block;
pub mod collateral;
pub mod emission;
pub mod extrinsics;
pub mod ledger;
pub mod network;
pub mod params;
pub mod pool;
pub mod registration;
pub mod root;
pub mod shares;
pub mod stake;
pub mod state;
pub mod view;
