//! The chain's conformance vectors (`tests/data/chain-vectors.yaml`, a copy of
//! `shared/spec/chain-vectors.yaml`), shared by the test modules that check against them.

use serde_json::Value;

/// Every vector, read through yumalab's one YAML module.
pub fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/chain-vectors.yaml");
    let text = std::fs::read_to_string(path).expect("read chain-vectors.yaml");
    let doc: Value = yumalab::yaml::from_str(&text).expect("parse chain-vectors.yaml");
    doc["vectors"].as_array().expect("vectors list").clone()
}

/// One vector by id.
pub fn vector(id: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}
