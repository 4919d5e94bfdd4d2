//! Chain rules: emission, registration, shares: conformance vectors and invariants.
