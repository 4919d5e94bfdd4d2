//! shares (being written)
