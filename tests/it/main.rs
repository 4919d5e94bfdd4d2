//! Integration tests, one binary; modules are named by behaviour.

mod conformance;
mod replay;
