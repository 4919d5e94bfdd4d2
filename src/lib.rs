//! yumalab: a deterministic discrete-event economic simulator for Bittensor-style networks.
//!
//! - [`yuma`]: a chain-faithful Yuma Consensus epoch as pure functions, checked against the
//!   chain's own test vectors;
//! - [`chain`]: the simulated chain (dTAO emission and halvings, subnet pools, staking,
//!   registration, commit-reveal), with a ledger that accounts for every rao;
//! - [`engine`]: steps the chain block by block, drives agents (`yumalab_agents`) and feeds
//!   observers;
//! - [`replay`]: runs recorded or hand-made sequences of (stakes, weights) through Yuma;
//!   [`report`] writes results as Parquet;
//! - [`world`]: a chain built from a snapshot of a live network (`yumalab coinbase`).
//!
//! Lifecycle: build a network with [`engine::SimulationBuilder`] (accounts, subnets,
//! scheduled actions, agents, observers), `build()` it once into a
//! [`engine::Simulation`], then `step()`, `run_until(block)` or `run()`. Observers receive
//! typed records ([`chain::block::EpochRecord`]) as the run goes.
//!
//! ```
//! use yumalab::chain::params::{ChainParams, SubnetParams};
//! use yumalab::engine::SimulationBuilder;
//! use yumalab::units::Rao;
//! use yumalab_agents::Action;
//! use yumalab_agents::behaviours::fixed_weights::FixedWeights;
//!
//! const TAO: u64 = 1_000_000_000;
//! let mut b = SimulationBuilder::new(ChainParams::default());
//! let owner = b.coldkey("owner", 0);
//! let owner_hk = b.hotkey("owner-hk", owner);
//! let params = SubnetParams { tempo: 100, ..SubnetParams::default() };
//! // A subnet whose pool holds 1000 TAO against 50 000 alpha (price 0.02), emitting from block 1.
//! let netuid = b.subnet(params, owner, owner_hk, 1_000 * TAO, 50_000 * TAO, Some(1));
//! let validator = b.coldkey("validator", 500 * TAO);
//! let vhk = b.hotkey("validator-hk", validator);
//! let miner = b.coldkey("miner", 10 * TAO);
//! let mhk = b.hotkey("miner-hk", miner);
//! b.at(1, Action::Register { coldkey: validator, hotkey: vhk, netuid }); // uid 1
//! b.at(1, Action::Register { coldkey: miner, hotkey: mhk, netuid });     // uid 2
//! b.at(1, Action::AddStake { coldkey: validator, hotkey: vhk, netuid, tao: Rao(100 * TAO), limit_price: None });
//! b.agent(Box::new(FixedWeights::new(vhk, netuid, vec![(2, 65535)], 2)));
//! b.end_at(1_000);
//! let mut sim = b.build()?;
//! sim.run();
//! let chain = sim.chain();
//! chain.check_conservation()?;
//! // The miner earned alpha: its stake on its own hotkey.
//! assert!(chain.subnets[&netuid].hotkey_alpha(mhk) > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod adversary;
pub mod chain;
pub mod engine;
pub mod experiment;
pub mod metrics;
pub mod population;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod sweep;
mod team;
pub mod validation;
pub mod world;
pub mod yaml;
pub mod yuma;

pub use yumalab_agents::units;
