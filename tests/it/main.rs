//! Integration tests, one binary; modules are named by behaviour.

mod chain_rules;
mod chain_sim;
mod conformance;
mod epoch;
mod metrics;
mod pool;
mod regression;
mod replay;
mod scenario;
mod scenarios;
mod sweep;
mod tables;
mod validation;
mod vectors;
