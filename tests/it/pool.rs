//! Pools: conformance vectors and invariants.
