//! work (being written)
