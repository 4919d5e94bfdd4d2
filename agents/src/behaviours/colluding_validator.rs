//! colluding_validator (being written)
