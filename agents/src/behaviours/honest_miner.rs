//! honest_miner (being written)
