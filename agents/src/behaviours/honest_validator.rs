//! honest_validator (being written)
