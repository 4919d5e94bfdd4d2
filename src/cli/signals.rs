//! SIGINT and SIGTERM during a run or a sweep: the first sets a flag that the run loop reads
//! before every block ([`yumalab::engine::Simulation::run_or_stop`]), so the command stops
//! within a block, removes what it had started writing, leaves an `error.txt`, and exits with
//! 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). A second signal exits at once
//! with the same status, without cleaning up.
//!
//! Only the commands that read the flag install the handlers ([`install`]); the others keep
//! the default (the process ends at once).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::anyhow;
use signal_hook::consts::{SIGINT, SIGTERM};

use super::Failure;

/// The flag a run reads, and which signal set it.
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    /// The flag to hand to the run loop.
    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    /// The signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            s => i32::try_from(s).ok(),
        }
    }

    /// The signal received as a failure (exit status 128 + its number), if any; `during`
    /// says what was going on (`after block 1200 of 50400`).
    pub fn failure(&self, during: &str) -> Option<Failure> {
        let signal = self.signal()?;
        let name = match signal {
            SIGINT => "SIGINT",
            SIGTERM => "SIGTERM",
            _ => "a signal",
        };
        Some(Failure::Interrupted {
            signal,
            error: anyhow!("interrupted by {name} {during}"),
        })
    }
}

static INTERRUPT: OnceLock<Interrupt> = OnceLock::new();

/// Installs the handlers (once per process) and returns the flag they set.
///
/// # Errors
/// [`Failure::Internal`] if the operating system refuses a handler.
pub fn install() -> Result<&'static Interrupt, Failure> {
    if let Some(i) = INTERRUPT.get() {
        return Ok(i);
    }
    let interrupt = Interrupt {
        flag: Arc::new(AtomicBool::new(false)),
        signal: Arc::new(AtomicUsize::new(0)),
    };
    for signal in [SIGINT, SIGTERM] {
        let number = usize::try_from(signal).unwrap_or(0);
        // The shutdown goes first: it sees the flag still unset on the first signal, and
        // set (so it exits) on the second.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            128 + signal,
            interrupt.flag.clone(),
        )
        .and_then(|_| signal_hook::flag::register_usize(signal, interrupt.signal.clone(), number))
        .and_then(|_| signal_hook::flag::register(signal, interrupt.flag.clone()))
        .map_err(|e| {
            Failure::Internal(anyhow!("cannot install a handler for signal {signal}: {e}"))
        })?;
    }
    Ok(INTERRUPT.get_or_init(|| interrupt))
}
