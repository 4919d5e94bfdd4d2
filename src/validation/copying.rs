//! Study E (stub).
use super::{Size, Study};
/// Stub.
pub fn study(size: Size) -> Study {
    let _ = size;
    unimplemented!()
}
