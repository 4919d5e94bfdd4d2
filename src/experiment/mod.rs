//! The experiment layer: sweep designs ([`spec`], [`design`], [`sobol`]), sensitivity
//! estimators ([`sensitivity`]) and the bookkeeping that lets sweeps resume and merge
//! ([`manifest`]). Pure computation: the command line does the files and the clock.

pub mod design;
pub mod manifest;
pub mod sensitivity;
pub mod sobol;
pub mod spec;

pub use spec::{Design, Dist, Param, Sweep};
