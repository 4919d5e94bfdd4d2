//! Conformance against the chain vectors.
