//! Tables handed to Python through the Arrow PyCapsule interface (`__arrow_c_stream__`):
//! polars (`pl.DataFrame(table)`), pyarrow and others import them without a copy of the
//! schema and without files.

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::Schema;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// A table in Arrow record batches, with its schema (the Parquet file's).
#[pyclass(frozen, module = "yumalab")]
pub struct ArrowTable {
    schema: Arc<Schema>,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// A table of `batches` (each with `schema`).
    pub fn new(schema: Arc<Schema>, batches: Vec<RecordBatch>) -> ArrowTable {
        ArrowTable { schema, batches }
    }
}

#[pymethods]
impl ArrowTable {
    /// The Arrow C stream of the table, in a capsule named `arrow_array_stream`. The
    /// requested schema is ignored: the table's own schema is the contract.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Column names and Arrow types, in order.
    #[getter]
    fn columns(&self) -> Vec<(String, String)> {
        self.schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().to_string()))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowTable({} rows, {} columns)",
            self.num_rows(),
            self.schema.fields().len()
        )
    }
}
