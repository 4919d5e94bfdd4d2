//! `yumalab replay`: end-to-end through the binary.
