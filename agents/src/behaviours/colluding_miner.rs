//! colluding_miner (being written)
