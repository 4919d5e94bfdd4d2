//! yumalab: a deterministic discrete-event economic simulator for Bittensor-style networks.
//!
//! The foundation is [`yuma`], a chain-faithful Yuma Consensus epoch as pure functions,
//! checked against the chain's own test vectors. [`chain`] is the simulated chain (dTAO
//! emission, pools, staking, registration) and [`engine`] steps it block by block with agents
//! and observers. [`replay`] runs recorded or hand-made
//! sequences of (stakes, weights) through it; [`report`] writes what it produced as text, JSON
//! or Parquet.

pub mod chain;
pub mod engine;
pub mod replay;
pub mod report;
pub mod yaml;
pub mod yuma;

pub use yumalab_agents::units;
