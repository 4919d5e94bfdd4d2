//! emission (being written)
