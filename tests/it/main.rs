//! Integration tests, one binary; modules are named by behaviour.

mod baskets;
mod chain_2026_10;
mod chain_rules;
mod chain_sim;
mod charts;
mod collateral;
mod conformance;
mod epoch;
mod faults;
mod fuzz;
mod hostile;
mod long_run;
mod metrics;
mod network;
mod pool;
mod regression;
mod replay;
mod report;
mod scenario;
mod scenarios;
mod snapshot;
mod sweep;
mod tables;
mod validate_suite;
mod validation;
mod vectors;
