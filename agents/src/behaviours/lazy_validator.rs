//! lazy_validator (being written)
