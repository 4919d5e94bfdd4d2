//! speculator (being written)
