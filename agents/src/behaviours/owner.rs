//! owner (being written)
