//! `cargo fuzz run replay`: see `yumalab_fuzz::replay`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yumalab_fuzz::replay(data);
});
