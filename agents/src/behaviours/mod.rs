//! Built-in behaviours, one file each. Every behaviour documents its parameters; parameter
//! structs deserialize from scenario files (unknown fields rejected).
//!
//! Miners: [`honest_miner`], [`copying_miner`], [`sybil_miner`], [`colluding_miner`].
//! Validators: [`honest_validator`], [`lazy_validator`], [`weight_copier`],
//! [`colluding_validator`], and the benchmark's [`fixed_weights`].
//! Delegators: [`speculator`]. Subnet owners: [`owner`].

pub mod colluding_miner;
pub mod colluding_validator;
pub mod copying_miner;
pub mod fixed_weights;
pub mod honest_miner;
pub mod honest_validator;
pub mod lazy_validator;
pub mod owner;
pub mod speculator;
pub mod sybil_miner;
pub mod weight_copier;
