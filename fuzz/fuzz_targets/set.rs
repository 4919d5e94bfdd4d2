//! `cargo fuzz run set`: see `yumalab_fuzz::set`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yumalab_fuzz::set(data);
});
