//! Runtime-dispatched instruction sets for the epoch's loops, and one of the crate's two `unsafe`
//! boundaries (the other is the engine's thread team, `crate::engine::team`).
//!
//! The epoch's hot loops are plain Rust written so that the compiler vectorises them (see
//! [`super::kernels`]). The portable build targets the baseline of its architecture (SSE2 on
//! x86-64, two f64 lanes; NEON on aarch64, which every aarch64 CPU has, so the portable build
//! is already vectorised there). On x86-64, [`dispatch`] runs the same source (a [`Kernel`])
//! compiled a second time with AVX2 enabled (four f64 lanes, 256-bit integer shuffles and
//! variable shifts), chosen by [`Isa::detect`] at run time. The epoch, the bonds models and
//! the median's per-group steps are kernels; each AVX2 entry point is a separate function,
//! which also keeps the compiler's vectorisation decisions for one step independent of the
//! rest.
//!
//! **Why every path gives the same bytes.** Both are the same Rust source. Rust never
//! contracts `a·b + c` into a fused multiply-add and never reassociates floating-point
//! operations (LLVM gets neither `contract` nor `reassoc`), whatever the target features: a
//! vectorised loop performs, lane by lane, exactly the IEEE operations of the scalar loop, in
//! the same order, and reductions keep the order written in the code (the multi-accumulator
//! kernels fix it explicitly). There is no hand-written intrinsic whose rounding could differ.
//! The property tests `simd_and_portable_epochs_are_bit_identical` (`tests/it/epoch.rs`),
//! `quantiles_of_a_matrix_match_the_columns` ([`super::median`]) and
//! `kernels_give_the_same_bits_on_every_instruction_set` ([`super::kernels`]) compare the
//! paths bit for bit on random inputs; run them in a release build (`cargo test --release`),
//! where the code is vectorised.
//!
//! AVX-512 is not used: no machine this was measured on has it, and an untested path would be
//! a liability (adding it is one more [`Isa`] variant and one more entry point).

#![allow(unsafe_code)]

/// An instruction set the epoch's loops can be compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// The architecture's baseline (SSE2 on x86-64, NEON on aarch64): always available.
    Portable,
    /// x86-64 with AVX2 (Haswell, Zen and later).
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Isa {
    /// The best instruction set this CPU supports (cheap: the standard library caches the
    /// CPUID result).
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Isa::Avx2;
        }
        Isa::Portable
    }

    /// Every instruction set this CPU supports, [`Isa::Portable`] first (for tests that
    /// compare the paths).
    pub fn available() -> Vec<Isa> {
        let mut all = vec![Isa::Portable];
        if Isa::detect() != Isa::Portable {
            all.push(Isa::detect());
        }
        all
    }

    /// The name used in reports and benchmarks (`portable`, `avx2`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => "avx2",
        }
    }
}

impl Default for Isa {
    /// [`Isa::detect`].
    fn default() -> Isa {
        Isa::detect()
    }
}

/// A piece of work to compile once per instruction set: [`dispatch`] runs it.
///
/// Implementations must mark [`Kernel::run`] `#[inline(always)]`: that is what places its
/// code (and what it inlines in turn) inside the AVX2 entry point, where the compiler
/// vectorises it with AVX2. A `run` that is not inlined still gives the same results, only
/// with the portable code. The hot helpers a kernel calls are `#[inline(always)]` for the same
/// reason.
pub trait Kernel {
    /// What the work returns.
    type Output;
    /// Does the work (see the trait docs: `#[inline(always)]`).
    fn run(self) -> Self::Output;
}

/// Runs `kernel`, compiled for `isa`.
///
/// An `isa` the CPU does not support falls back to the portable code: [`Isa::Avx2`] is
/// checked again here (a cached bit test), since an `Isa` can be written by hand rather than
/// taken from [`Isa::detect`].
#[inline(always)]
pub fn dispatch<K: Kernel>(isa: Isa, kernel: K) -> K::Output {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if std::arch::is_x86_feature_detected!("avx2") => {
            // SAFETY: `avx2` is safe Rust compiled with AVX2 enabled; calling it is sound
            // exactly when the CPU executes AVX2 instructions, which the guard above has just
            // checked (`is_x86_feature_detected!` reads CPUID, including the operating
            // system's support for the YMM registers). It takes and returns ordinary Rust
            // values, so no other invariant is involved.
            unsafe { avx2(kernel) }
        }
        _ => kernel.run(),
    }
}

/// `kernel.run()` with AVX2 enabled (see [`dispatch`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
fn avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_is_always_available_and_first() {
        let all = Isa::available();
        assert_eq!(all[0], Isa::Portable);
        assert!(all.contains(&Isa::detect()));
        struct Add(u32, u32);
        impl Kernel for Add {
            type Output = u32;
            #[inline(always)]
            fn run(self) -> u32 {
                self.0 + self.1
            }
        }
        for isa in all {
            assert_eq!(dispatch(isa, Add(2, 2)), 4);
        }
    }
}
