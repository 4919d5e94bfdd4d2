//! registration (being written)
