//! copying_miner (being written)
