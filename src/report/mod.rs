//! Reports: what a run or replay produced, written for people (text) and for analysis tools
//! (JSON on stdout, Parquet tables on disk).
//!
//! This is one of the two places (with the binary's `cli`) that prints or touches the file
//! system; the library below it only returns values.
//!
//! - [`analysis`]: the three questions (concentration, inflation vs value, gaming) as metrics;
//! - [`charts`]: figures as data, drawn as PNG and SVG;
//! - [`check`]: a summary against a committed baseline, under tolerances;
//! - [`coinbase`]: the output of `yumalab coinbase`;
//! - [`document`]: `report.md` and `index.html` of a run or sweep, with their charts;
//! - [`read`]: the tables read back (for `yumalab report` and `yumalab check`);
//! - [`replay`]: the output of `yumalab replay`;
//! - [`summary`]: who earned what in a run;
//! - [`sweep`]: a sweep's one-row-per-run summary table;
//! - [`tables`]: a run's Parquet tables, written while it goes;
//! - [`units`]: TAO's USD price, costs and value prices a run's analysis converts with.

pub mod analysis;
pub mod charts;
pub mod check;
pub mod coinbase;
pub mod document;
pub mod read;
pub mod replay;
pub mod summary;
pub mod sweep;
pub mod tables;
pub mod units;
