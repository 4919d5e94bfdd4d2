//! sybil_miner (being written)
