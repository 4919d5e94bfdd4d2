//! `yumalab-agents`: the bottom of yumalab's dependency graph.
//!
//! It holds the units every other part shares ([`units`]). The agent API (what an agent may
//! observe, the actions it may take, and the built-in behaviours) grows here too, so that
//! agents never depend on the engine: the engine depends on them.

pub mod units;

pub use units::{Block, NetUid, Rao, Uid, derive_seed, stable_id};
