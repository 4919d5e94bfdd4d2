//! Reports: what a run or replay produced, written for people (text) and for analysis tools
//! (JSON on stdout, Parquet tables on disk).
//!
//! This is one of the two places (with the binary's `cli`) that prints or touches the file
//! system; the library below it only returns values.
//!
//! - [`charts`]: figures as data, drawn as PNG and SVG;
//! - [`replay`]: the output of `yumalab replay`;
//! - [`summary`]: who earned what in a run;
//! - [`sweep`]: a sweep's one-row-per-run summary table;
//! - [`tables`]: a run's Parquet tables, written while it goes.

pub mod charts;
pub mod replay;
pub mod summary;
pub mod sweep;
pub mod tables;
