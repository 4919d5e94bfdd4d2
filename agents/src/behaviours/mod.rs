//! Built-in behaviours, one file each.
//!
//! - [`fixed_weights`]: a validator that submits the same weights every tempo.

pub mod fixed_weights;
