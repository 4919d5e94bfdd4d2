//! `cargo fuzz run scenario`: see `yumalab_fuzz::scenario`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yumalab_fuzz::scenario(data);
});
