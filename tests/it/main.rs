//! Integration tests, one binary; modules are named by behaviour.

mod chain_rules;
mod chain_sim;
mod conformance;
mod epoch;
mod pool;
mod replay;
mod scenario;
