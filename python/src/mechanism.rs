//! `kind: python` mechanisms: a Python function called for each validator's evaluation.
//!
//! The function gets an [`Observation`] and returns one raw weight per visible miner (any
//! array-like of finite numbers `>= 0`); the engine max-upscales the row to u16 exactly as it
//! does for built-in mechanisms. A wrong length, a negative or non-finite weight, or an
//! exception is recorded (function, subnet, validator, epoch, block, Python traceback), the
//! run's stop flag is set, and the run stops before its next block; the caller then raises
//! `yumalab.MechanismError` with the first failure.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use numpy::ndarray::ArrayView2;
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
use yumalab::scenario::Scenario;
use yumalab_agents::mechanism::{Evaluation, ExternalMechanism, Observation as RsObservation};

/// The first failure of a run's Python code, shared with every mechanism and agent of the
/// run: the exception to raise (`MechanismError`, `AgentError`) and its message.
#[derive(Clone, Default)]
pub struct Failures(Arc<Mutex<Option<(&'static str, String)>>>);

impl Failures {
    /// Keeps `message` (raised as `yumalab.errors.<error>`) unless a failure came first.
    pub fn record(&self, error: &'static str, message: String) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert((error, message));
    }

    /// The first failure, if any: the exception's name and its message.
    pub fn take(&self) -> Option<(&'static str, String)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// What one validator observed at one evaluation, as handed to a Python mechanism.
///
/// Miners are in ascending uid order (the validator's own uid excluded, and only uids that
/// served work); every array has one entry per visible miner, and `scores` one row per
/// environment. The arrays are made on first access (a mechanism that reads only `scores`
/// pays for no other), and the same array is returned on every access.
#[pyclass(frozen, module = "yumalab")]
pub struct Observation {
    uids: Vec<u16>,
    /// Environment-major, `environments × n`.
    scores: Vec<f64>,
    environments: usize,
    copy_detected: Vec<bool>,
    served_at: Vec<u64>,
    previous: Vec<f64>,
    /// The arrays, once made: uids, scores, copy_detected, served_at, previous.
    arrays: [PyOnceLock<Py<PyAny>>; 5],
    /// The subnet's netuid.
    #[pyo3(get)]
    pub netuid: u16,
    /// The validator's uid.
    #[pyo3(get)]
    pub validator: u16,
    /// The validator's hotkey id.
    #[pyo3(get)]
    pub hotkey: u64,
    /// The validator's stake weight at the last epoch (rao).
    #[pyo3(get)]
    pub stake: f64,
    /// The subnet's epoch index (epochs run so far).
    #[pyo3(get)]
    pub epoch: u64,
    /// The current block.
    #[pyo3(get)]
    pub block: u64,
    /// The mechanism's `params` from the scenario (a dict; the same object every call).
    #[pyo3(get)]
    pub params: Py<PyAny>,
}

impl Observation {
    fn array<'py>(
        &self,
        py: Python<'py>,
        k: usize,
        make: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.arrays[k]
            .get_or_try_init(py, || make().map(Bound::unbind))
            .map(|a| a.bind(py).clone())
    }
}

#[pymethods]
impl Observation {
    /// `uint16[n]`: the visible miners' uids.
    #[getter]
    fn uids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.array(
            py,
            0,
            || Ok(PyArray1::from_slice(py, &self.uids).into_any()),
        )
    }

    /// `float64[environments, n]`: observed score per environment (true quality plus the
    /// validator's noise); `scores[e]` is environment `e`.
    #[getter]
    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.array(py, 1, || {
            let view = ArrayView2::from_shape((self.environments, self.uids.len()), &self.scores)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
            Ok(PyArray2::from_array(py, &view).into_any())
        })
    }

    /// `bool[n]`: the validator detected the miner's work as a copy (built-ins score it 0).
    #[getter]
    fn copy_detected<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.array(py, 2, || {
            Ok(PyArray1::from_slice(py, &self.copy_detected).into_any())
        })
    }

    /// `uint64[n]`: block at which each miner served its work.
    #[getter]
    fn served_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.array(py, 3, || {
            Ok(PyArray1::from_slice(py, &self.served_at).into_any())
        })
    }

    /// `float64[n]`: the u16 weight this validator gave each miner in its previous row (0 when
    /// absent or at its first evaluation).
    #[getter]
    fn previous<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.array(py, 4, || {
            Ok(PyArray1::from_slice(py, &self.previous).into_any())
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Observation(netuid={}, validator={}, epoch={}, block={}, stake={}, miners={})",
            self.netuid,
            self.validator,
            self.epoch,
            self.block,
            self.stake,
            self.uids.len()
        )
    }
}

/// A Python function as an [`ExternalMechanism`].
pub struct PyMechanism {
    name: String,
    function: Py<PyAny>,
    params: Py<PyAny>,
    asarray: Py<PyAny>,
    stop: Arc<AtomicBool>,
    failures: Failures,
}

impl PyMechanism {
    fn observation<'py>(
        &self,
        py: Python<'py>,
        ev: &Evaluation<'_>,
        obs: &[RsObservation],
    ) -> PyResult<Bound<'py, Observation>> {
        let n = obs.len();
        let envs = obs.iter().map(|o| o.scores.len()).max().unwrap_or(0);
        let mut scores = vec![f64::NAN; envs * n];
        for (i, o) in obs.iter().enumerate() {
            for (e, s) in o.scores.iter().enumerate() {
                scores[e * n + i] = *s;
            }
        }
        let uids: Vec<u16> = obs.iter().map(|o| o.uid).collect();
        let mut previous = vec![0.0; n];
        let mut p = ev.previous.iter().peekable();
        for (i, u) in uids.iter().enumerate() {
            while p.next_if(|w| w.0 < *u).is_some() {}
            if let Some(w) = p.next_if(|w| w.0 == *u) {
                previous[i] = f64::from(w.1);
            }
        }
        let o = Observation {
            uids,
            scores,
            environments: envs,
            copy_detected: obs.iter().map(|o| o.copy_detected).collect(),
            served_at: obs.iter().map(|o| o.served_at).collect(),
            previous,
            arrays: std::array::from_fn(|_| PyOnceLock::new()),
            netuid: ev.netuid,
            validator: ev.validator_uid,
            hotkey: ev.hotkey,
            stake: ev.stake,
            epoch: ev.epoch,
            block: ev.block,
            params: self.params.clone_ref(py),
        };
        Bound::new(py, o)
    }

    /// The raw row, or what went wrong.
    fn call(
        &self,
        py: Python<'_>,
        ev: &Evaluation<'_>,
        obs: &[RsObservation],
        raw: &mut Vec<f64>,
    ) -> Result<(), String> {
        let observation = self
            .observation(py, ev, obs)
            .map_err(|e| format!("building the observation failed: {e}"))?;
        let returned = self
            .function
            .bind(py)
            .call1((observation,))
            .map_err(|e| format!("raised an exception:\n{}", traceback(py, &e)))?;
        let array = match returned.extract::<PyReadonlyArray1<'_, f64>>() {
            Ok(a) => a,
            Err(_) => self
                .asarray
                .bind(py)
                .call1((&returned, "float64"))
                .and_then(|a| a.extract::<PyReadonlyArray1<'_, f64>>())
                .map_err(|e| {
                    let shape = returned
                        .getattr("shape")
                        .map_or_else(|_| String::new(), |s| format!(" of shape {s}"));
                    format!(
                        "returned `{}`{shape}, expected a 1-d array of {} weights: {e}",
                        returned
                            .get_type()
                            .name()
                            .map_or_else(|_| "?".into(), |n| n.to_string()),
                        obs.len()
                    )
                })?,
        };
        if array.len() != obs.len() {
            return Err(format!(
                "returned {} weights for {} visible miners (one per miner, in `obs.uids` order)",
                array.len(),
                obs.len()
            ));
        }
        raw.clear();
        match array.as_slice() {
            Ok(s) => raw.extend_from_slice(s),
            Err(_) => raw.extend(array.as_array().iter().copied()),
        }
        if let Some((i, w)) = raw
            .iter()
            .enumerate()
            .find(|(_, w)| !(**w >= 0.0 && w.is_finite()))
        {
            let what = if w.is_finite() {
                "negative"
            } else {
                "not finite"
            };
            return Err(format!(
                "returned weight `{w}` for miner uid {} (index {i}): {what}; weights must be finite and >= 0",
                obs[i].uid
            ));
        }
        Ok(())
    }
}

/// The exception with its Python traceback, as `traceback.format_exception` prints it.
pub(crate) fn traceback(py: Python<'_>, e: &PyErr) -> String {
    let formatted = py.import("traceback").and_then(|tb| {
        let args = PyTuple::new(
            py,
            [
                e.get_type(py).into_any(),
                e.value(py).clone().into_any(),
                e.traceback(py)
                    .map_or_else(|| py.None().into_bound(py), Bound::into_any),
            ],
        )?;
        let lines: Vec<String> = tb.call_method1("format_exception", args)?.extract()?;
        Ok(lines.concat())
    });
    formatted.unwrap_or_else(|_| e.to_string())
}

impl ExternalMechanism for PyMechanism {
    fn weights(&self, ev: &Evaluation<'_>, obs: &[RsObservation], raw: &mut Vec<f64>) {
        raw.clear();
        if self.stop.load(Ordering::Relaxed) {
            return;
        }
        let result = Python::attach(|py| self.call(py, ev, obs, raw));
        if let Err(e) = result {
            raw.clear();
            self.failures.record(
                "MechanismError",
                format!(
                    "mechanism `{}` (subnet {}, validator uid {}, epoch {}, block {}) {e}",
                    self.name, ev.netuid, ev.validator_uid, ev.epoch, ev.block
                ),
            );
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}

/// Resolves every `kind: python` mechanism of `scenario`: `resolver(function)` returns the
/// callable (the Python half imports it), `params` become a dict.
///
/// # Errors
/// Whatever `resolver` raises (a module or attribute that cannot be found).
pub fn resolve(
    py: Python<'_>,
    scenario: &mut Scenario,
    resolver: &Bound<'_, PyAny>,
    stop: &Arc<AtomicBool>,
    failures: &Failures,
) -> PyResult<()> {
    let mechanisms = scenario.external_mechanisms();
    if mechanisms.is_empty() {
        return Ok(()); // numpy is not imported for runs without Python code
    }
    let json = py.import("json")?;
    let asarray = py.import("numpy")?.getattr("asarray")?.unbind();
    for (_, e) in mechanisms {
        let function = resolver.call1((e.function.as_str(),))?.unbind();
        let params = if e.params.is_null() {
            pyo3::types::PyDict::new(py).into_any().unbind()
        } else {
            json.call_method1("loads", (e.params.to_string(),))?
                .unbind()
        };
        let implementation = PyMechanism {
            name: e.function.clone(),
            function,
            params,
            asarray: asarray.clone_ref(py),
            stop: stop.clone(),
            failures: failures.clone(),
        };
        e.resolve(Arc::new(implementation));
    }
    Ok(())
}
