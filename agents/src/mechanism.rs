//! mechanism (being written)
