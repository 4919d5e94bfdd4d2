//! The simulated chain: state and its transitions (spec `chain-model.md` §1, §2, §4–§9).
//!
//! - [`pool`]: the subnet AMMs (Balancer-style weighted pool, constant product);
//! - [`emission`]: block emission and halvings;
//! - [`registration`]: neuron burn pricing, pruning order, subnet lock cost;
//! - [`shares`]: how the block emission is shared between subnets, per regime.

pub mod emission;
pub mod pool;
pub mod registration;
pub mod shares;
