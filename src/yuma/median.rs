//! The κ stake-weighted median of one column (spec §3.7).
//!
//! For scores `x_i` with stakes `s_i > 0` summing to `Σs`, and `m = Σs − κ`, the result is the
//! unique score `v` with `S(<v) ≤ m < Σs − S(>v)`: the largest score that at least κ of the
//! stake rates at or above. Because κ is slightly below ½, a 50/50 split yields the higher
//! score. Any routine that finds that `v` exactly gives the chain's answer; two are here.
//!
//! - [`MedianBuf::quantiles`], the epoch's, and [`MedianBuf::quantile`] for one column: stakes
//!   are exact integers (`I32F32` raw units, as the chain sums them), so every mass comparison
//!   is exact whatever the summation order. One pass spreads the column over [`BUCKETS`]
//!   equal-width value buckets between its minimum and maximum and adds each bucket's stake (a
//!   scalar scatter, the dominant cost); a scan of the bucket masses finds the bucket that
//!   holds `v`; its members are found eight at a time in a byte copy of the bucket numbers
//!   (SWAR), and only those few scores (about 3 for 64 spread-out scores) are compared
//!   pairwise. The bucket of a score is a monotone function of it, so equal scores share a
//!   bucket and every score in a lower bucket is strictly smaller: the bucket masses are exact
//!   `S(<·)` boundaries. A crowded bucket (clustered scores) falls back to quickselect on its
//!   members, so the cost degrades to quickselect's, never the result.
//!
//!   `quantiles` runs these steps on [`GROUP`] = 8 columns at once, reading the row-major
//!   matrix of raw u16 weights a short run per row (no transposed copy): scores, ranges and
//!   bucket numbers vectorise across the eight columns, the bucket masses are stored
//!   bucket-major so that one vectorised scan finds every column's target, and one SWAR pass
//!   over the rows' packed bucket bytes finds every column's members. A column whose minimum
//!   is 0 and whose zeros carry more than the minority (most columns of a winner-takes-all
//!   subnet) settles at 0 before any bucketing; with many tied zeros below the minority,
//!   bucket 0 is kept for the minimum alone.
//! - Quickselect, as the chain writes it (`weighted_median` in `math.rs`: the pivot is the
//!   middle element of the current partition, partitions keep the row order), for
//!   [`kappa_median`], which takes arbitrary f64 stakes and so keeps today's f64 sums, and as
//!   the fallback above. Each level sums the stake below and above the pivot in one pass and
//!   then compacts the side it keeps into a second buffer, stably and without data-dependent
//!   branches.
//!
//! Both work on caller-owned buffers and allocate nothing once the buffers have grown.

use std::ops::{Add, Sub};

use super::simd::{self, Isa, Kernel};

/// Number of value buckets per column in [`MedianBuf::quantile`]. 32 keeps the target bucket
/// at about two scores for 64 spread-out scores while the bucket scan stays short.
pub const BUCKETS: usize = 32;

/// A target bucket with more members than this is finished by quickselect instead of the
/// pairwise comparison (whose cost grows with the square of the size).
const PAIRWISE_MAX: usize = 12;

/// A stake mass: `i64` in `I32F32` raw units (exact) or `f64` (for [`kappa_median`]).
trait Mass: Copy + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Default {
    /// `self` if `keep`, else zero, without a branch (the compiler turns `if` selects into
    /// jumps, which mispredict on unsorted scores).
    fn masked(self, keep: bool) -> Self;
}

impl Mass for f64 {
    #[inline(always)]
    fn masked(self, keep: bool) -> f64 {
        f64::from_bits(self.to_bits() & 0u64.wrapping_sub(u64::from(keep)))
    }
}

impl Mass for i64 {
    #[inline(always)]
    fn masked(self, keep: bool) -> i64 {
        self & 0i64.wrapping_sub(i64::from(keep))
    }
}

/// Two structure-of-arrays halves used in turn by quickselect.
#[derive(Clone, Debug, Default)]
struct Halves<M> {
    x: [Vec<f64>; 2],
    s: [Vec<M>; 2],
}

impl<M: Mass> Halves<M> {
    /// Makes both halves hold at least `len` entries.
    fn reserve(&mut self, len: usize) {
        for b in 0..2 {
            if self.x[b].len() < len {
                self.x[b].resize(len, 0.0);
                self.s[b].resize(len, M::default());
            }
        }
    }

    /// Quickselect over `x[0][..len]`, `s[0][..len]` (consumed). `lo_bound` is the stake
    /// strictly below these entries and `hi_bound` the stake at or below the largest of them;
    /// for a whole column, 0 and Σs. Returns 0 for no entries.
    fn select(&mut self, mut len: usize, minority: M, mut lo_bound: M, mut hi_bound: M) -> f64 {
        let mut cur = 0;
        loop {
            if len == 0 {
                return 0.0;
            }
            let (src_x, src_s) = (&self.x[cur][..len], &self.s[cur][..len]);
            if len == 1 {
                return src_x[0];
            }
            let pivot = src_x[len / 2];
            // Four independent accumulators per sum: the adds do not wait on each other.
            let (mut lo4, mut hi4) = ([M::default(); 4], [M::default(); 4]);
            let (mut n_lo, mut n_hi) = (0usize, 0usize);
            let (cx, cs) = (src_x.chunks_exact(4), src_s.chunks_exact(4));
            let (rx, rs) = (cx.remainder(), cs.remainder());
            for (x4, s4) in cx.zip(cs) {
                for t in 0..4 {
                    let (below, above) = (x4[t] < pivot, x4[t] > pivot);
                    lo4[t] = lo4[t] + s4[t].masked(below);
                    hi4[t] = hi4[t] + s4[t].masked(above);
                    n_lo += usize::from(below);
                    n_hi += usize::from(above);
                }
            }
            for (t, (&x, &s)) in rx.iter().zip(rs).enumerate() {
                let (below, above) = (x < pivot, x > pivot);
                lo4[t] = lo4[t] + s.masked(below);
                hi4[t] = hi4[t] + s.masked(above);
                n_lo += usize::from(below);
                n_hi += usize::from(above);
            }
            let lo = (lo4[0] + lo4[1]) + (lo4[2] + lo4[3]);
            let hi = (hi4[0] + hi4[1]) + (hi4[2] + hi4[3]);
            let below = lo_bound + lo;
            let at_or_below = hi_bound - hi;
            let keep_lower = if below <= minority && minority < at_or_below {
                return pivot;
            } else if minority < below && n_lo > 0 {
                hi_bound = below;
                true
            } else if at_or_below <= minority && n_hi > 0 {
                lo_bound = at_or_below;
                false
            } else {
                return pivot;
            };
            // Stable branchless compaction of the kept side into the other buffer.
            let [x0, x1] = &mut self.x;
            let [s0, s1] = &mut self.s;
            let (sx, dx, ss, ds) = if cur == 0 {
                (&*x0, x1, &*s0, s1)
            } else {
                (&*x1, x0, &*s1, s0)
            };
            // Keep x < pivot (lower) or x > pivot (upper): both as `sign·x < sign·pivot`.
            let sign = if keep_lower { 1.0 } else { -1.0 };
            let limit = sign * pivot;
            let mut k = 0;
            for (&x, &s) in sx[..len].iter().zip(&ss[..len]) {
                dx[k] = x;
                ds[k] = s;
                k += usize::from(sign * x < limit);
            }
            len = k;
            cur = 1 - cur;
        }
    }
}

/// Reusable buffers for [`MedianBuf::quantile`].
#[derive(Clone, Debug, Default)]
pub struct MedianBuf {
    /// The instruction set [`MedianBuf::quantiles`] runs with.
    isa: Isa,
    /// Bucket of each score, in the low bits.
    bucket: Vec<u64>,
    /// Bucket of each score as a byte, padded to whole u64 words.
    bytes: Vec<u8>,
    /// The members of the target bucket.
    next: Vec<u32>,
    /// Quickselect buffers for a crowded target bucket or a degenerate column.
    halves: Halves<i64>,
    /// [`MedianBuf::quantiles`]: one group of columns' scores, row by row.
    group_scores: Vec<[f64; GROUP]>,
    /// Their buckets, one byte per column, row by row.
    group_buckets: Vec<u64>,
    /// The rows in each column's target bucket: entry `c` lane `l` is column `l`'s `c`-th.
    group_members: Vec<[u32; GROUP]>,
    /// One column's scores (degenerate columns).
    col: Vec<f64>,
    /// One column's stakes ([`MedianBuf::quantiles_sparse`]).
    col_stakes: Vec<i64>,
}

impl MedianBuf {
    /// The κ-quantile of one column: `scores[k]` with stake `stakes[k] ≥ 0` in `I32F32` raw
    /// units (`stake·2³²`), `total = Σ stakes` and `minority = total − κ·2³²`. Entries with
    /// zero stake may be present; they never decide the result. Returns 0 when no entry has
    /// stake. Degenerate κ as the chain's quickselect resolves it: `minority < 0` gives the
    /// smallest voting score, `minority ≥ total` the largest.
    ///
    /// # Panics
    /// If `stakes` is shorter than `scores`.
    pub fn quantile(&mut self, scores: &[f64], stakes: &[i64], minority: i64, total: i64) -> f64 {
        // The portable code: these loops were tuned for it, and their AVX2 build is slower
        // (the scatter reads back, one by one, buckets just written as 256-bit vectors).
        // The epoch uses `quantiles`.
        self.quantile_body(scores, stakes, minority, total)
    }

    /// Buffers whose [`MedianBuf::quantiles`] runs with `isa` (the default is
    /// [`Isa::detect`]; every choice gives the same results).
    pub fn with_isa(isa: Isa) -> MedianBuf {
        MedianBuf {
            isa,
            ..MedianBuf::default()
        }
    }

    /// The κ-quantile of every column of a row-major `m × n` matrix of scores: column `j`'s
    /// goes to `out[j]` (`n = out.len()`), the score of row `r` being
    /// `f64::from(raw[r·n + j]) · scale[r]` with stake `stakes[r]` (`m = scale.len()`);
    /// `minority` and `total` as for [`MedianBuf::quantile`], whose results these are.
    ///
    /// Works on [`GROUP`] columns at a time, straight from the row-major matrix: each row
    /// contributes one short contiguous run to every step, so the steps vectorise across
    /// columns and no transposed copy is needed.
    ///
    /// # Panics
    /// If `raw` is shorter than `m·n` or `stakes` shorter than `m`.
    pub fn quantiles(
        &mut self,
        raw: &[u16],
        scale: &[f64],
        stakes: &[i64],
        minority: i64,
        total: i64,
        out: &mut [f64],
    ) {
        simd::dispatch(
            self.isa,
            Quantiles {
                buf: self,
                raw,
                scale,
                stakes,
                minority,
                total,
                out,
            },
        );
    }

    #[inline(always)]
    fn quantiles_body(
        &mut self,
        raw: &[u16],
        scale: &[f64],
        stakes: &[i64],
        minority: i64,
        total: i64,
        out: &mut [f64],
    ) {
        let (m, n) = (scale.len(), out.len());
        let raw = &raw[..m * n];
        let stakes = &stakes[..m];
        if total <= 0 || minority < 0 || minority >= total || n == 0 {
            // Degenerate κ or no votes: column by column.
            for (j, o) in out.iter_mut().enumerate() {
                self.col.clear();
                self.col.extend(
                    scale
                        .iter()
                        .enumerate()
                        .map(|(r, &k)| f64::from(raw[r * n + j]) * k),
                );
                let col = std::mem::take(&mut self.col);
                *o = self.quickselect_all(&col, stakes, minority, total);
                self.col = col;
            }
            return;
        }
        self.group_scores.resize(m, [0.0; GROUP]);
        self.group_buckets.resize(m, 0);
        self.group_members.resize(m, [0; GROUP]);
        let top = (BUCKETS - 1) as f64;
        for j0 in (0..n).step_by(GROUP) {
            let width = GROUP.min(n - j0);
            // The scores and each column's range (a last, narrower group zero-padded).
            let sc = &mut self.group_scores[..];
            let (lo, hi) = simd::dispatch(
                self.isa,
                GroupScores {
                    raw,
                    n,
                    j0,
                    scale,
                    sc,
                },
            );
            // Per column: settled already (every score equal; also the padding columns of a
            // narrower group), bucketed, or a column whose range overflows the bucket factor
            // (quickselect). Settled and overflowing columns get factor 0 (every row in
            // bucket 0) and no member search. Branch-free per lane, so it vectorises too.
            let mut factor = [0.0; GROUP];
            let mut settled = [false; GROUP];
            let mut overflow = [false; GROUP];
            for l in 0..GROUP {
                let f = top / (hi[l] - lo[l]);
                let finite = f < f64::INFINITY;
                settled[l] = lo[l] == hi[l];
                overflow[l] = !settled[l] & !finite;
                factor[l] = if finite { f } else { 0.0 };
            }
            // A column whose minimum is 0 (a sparse column, or a validator's own column) may
            // hold many tied zeros. Its quantile is 0 when the stake on its zeros exceeds the
            // minority (a sparse column, typically: settled here); otherwise, with more zeros
            // than the pairwise search takes, bucket 0 is kept for the minimum alone, and a
            // target bucket 0 still settles the column.
            let mut exact_min = false;
            if (0..GROUP).any(|l| lo[l] == 0.0 && !settled[l]) {
                let (zero_mass, zero_count) = simd::dispatch(
                    self.isa,
                    GroupZeros {
                        sc: &self.group_scores,
                        stakes,
                    },
                );
                for l in 0..GROUP {
                    settled[l] |= (lo[l] == 0.0) & (zero_mass[l] > minority);
                    overflow[l] &= !settled[l];
                    exact_min |= !settled[l]
                        & !overflow[l]
                        & (lo[l] == 0.0)
                        & (zero_count[l] > PAIRWISE_MAX as u64);
                }
            }
            if (0..GROUP).all(|l| settled[l] | overflow[l]) {
                // Nothing left to search (an empty or sparse stretch of columns).
                for l in 0..width {
                    out[j0 + l] = if settled[l] {
                        lo[l]
                    } else {
                        self.column_quickselect(l, stakes, minority, total)
                    };
                }
                continue;
            }
            let mut mass = [0i64; BUCKETS * GROUP];
            simd::dispatch(
                self.isa,
                GroupBuckets {
                    sc: &self.group_scores,
                    lo: &lo,
                    factor: &factor,
                    stakes,
                    exact_min,
                    buckets: &mut self.group_buckets,
                    mass: &mut mass,
                },
            );
            // Each column's target bucket (as in `quantile`), as one byte of a search pattern;
            // columns that need no search get a byte no bucket has.
            let (below, target) = group_targets(&mass, minority);
            let mut pattern = 0u64;
            for l in 0..GROUP {
                // A target bucket 0 that holds only the minimum: that is the quantile.
                settled[l] |= exact_min & !overflow[l] & (target[l] == 0);
                // A column's bytes are ≡ l (mod GROUP), so l ^ 1 matches none of them.
                let byte = if settled[l] || overflow[l] {
                    l ^ 1
                } else {
                    target[l] * GROUP + l
                };
                pattern |= (byte as u64) << (8 * l);
            }
            let count = group_members(&self.group_buckets, pattern, &mut self.group_members);
            for l in 0..width {
                out[j0 + l] = if settled[l] {
                    lo[l]
                } else if overflow[l] {
                    self.column_quickselect(l, stakes, minority, total)
                } else {
                    let (sc, members) = (&self.group_scores, &self.group_members);
                    finish(
                        &mut self.halves,
                        count[l],
                        |t| {
                            let r = members[t][l] as usize;
                            (sc[r][l], stakes[r])
                        },
                        minority,
                        below[l],
                        mass[target[l] * GROUP + l],
                    )
                };
            }
        }
    }

    /// The κ-quantile of every column of a sparse `m × n` matrix (`n = out.len()`), from its
    /// non-zero entries only: column `j`'s are `col_start[j]..col_start[j + 1]` of `col_rows`
    /// (the row) and `col_raw` (the raw weight), each scoring `f64::from(raw) · scale[row]`
    /// with stake `stakes[row]`; every other row scores 0. `minority` and `total` as for
    /// [`MedianBuf::quantile`], whose results these are (the quantile is defined by exact
    /// integer masses, so any exact routine gives the same value): the stake on a column's
    /// zeros is one entry, a column whose zeros carry more than the minority is 0 at once,
    /// and the others go to [`MedianBuf::quantile`] with their few entries.
    ///
    /// # Panics
    /// If the offsets or rows fall outside the slices.
    #[allow(clippy::too_many_arguments)]
    pub fn quantiles_sparse(
        &mut self,
        col_start: &[u32],
        col_rows: &[u32],
        col_raw: &[u16],
        scale: &[f64],
        stakes: &[i64],
        minority: i64,
        total: i64,
        out: &mut [f64],
    ) {
        let mut scores = std::mem::take(&mut self.col);
        let mut masses = std::mem::take(&mut self.col_stakes);
        for (j, o) in out.iter_mut().enumerate() {
            let (s, e) = (col_start[j] as usize, col_start[j + 1] as usize);
            if s == e && 0 <= minority && minority < total {
                // No weights: every voter scores 0, which carries all the stake.
                *o = 0.0;
                continue;
            }
            scores.clear();
            masses.clear();
            let mut mass = 0i64;
            for (&r, &v) in col_rows[s..e].iter().zip(&col_raw[s..e]) {
                let r = r as usize;
                if stakes[r] > 0 {
                    scores.push(f64::from(v) * scale[r]);
                    masses.push(stakes[r]);
                    mass += stakes[r];
                }
            }
            let zero = total - mass;
            *o = if minority >= 0 && zero > minority {
                // S(<0) = 0 ≤ minority < S(≤0): the quantile is 0.
                0.0
            } else {
                if zero > 0 {
                    scores.push(0.0);
                    masses.push(zero);
                }
                self.quantile_body(&scores, &masses, minority, total)
            };
        }
        self.col = scores;
        self.col_stakes = masses;
    }

    #[inline]
    fn quantile_body(&mut self, scores: &[f64], stakes: &[i64], minority: i64, total: i64) -> f64 {
        let len = scores.len();
        let stakes = &stakes[..len];
        if total <= 0 || minority < 0 || minority >= total {
            return self.quickselect_all(scores, stakes, minority, total);
        }
        let (lo, hi) = min_max(scores);
        if lo == hi {
            return lo;
        }
        // Bucket k ≈ round(t), t = (x − lo)·(B−1)/(hi − lo) ∈ [0, B−1]. Each step (subtract,
        // multiply by a positive factor, min, round) is monotone non-decreasing in x, so the
        // bucket order never contradicts the score order. Rounding uses the 2⁵² trick (adding
        // 2⁵² leaves round(t) in the low mantissa bits), which vectorises, where `as` casts
        // would add saturation checks; the bucket stays in a u64 so nothing is narrowed. The
        // `min` is written as a comparison: `f64::min`'s NaN rule costs extra instructions.
        let top = (BUCKETS - 1) as f64;
        let scale = top / (hi - lo);
        if !scale.is_finite() {
            return self.quickselect_all(scores, stakes, minority, total);
        }
        const ROUND: f64 = 4_503_599_627_370_496.0; // 2⁵²
        self.bucket.clear();
        self.bucket.extend(scores.iter().map(|&x| {
            let t = (x - lo) * scale;
            (if t < top { t } else { top } + ROUND).to_bits()
        }));
        // Stake per bucket, and each score's bucket as a byte (padded to whole u64 words with
        // a value no bucket has) for the member search below.
        let mut mass = [0i64; BUCKETS];
        self.bytes.clear();
        self.bytes.resize(len.div_ceil(8) * 8, u8::MAX);
        for ((&b, &s), byte) in self.bucket.iter().zip(stakes).zip(self.bytes.iter_mut()) {
            let b = (b as usize) % BUCKETS;
            mass[b] += s;
            *byte = b as u8;
        }
        // The target bucket: the first whose inclusive stake prefix exceeds the minority.
        // `below` is then S(< every score in it). Exists because minority < total.
        let mut below = 0i64;
        let mut b = 0;
        while b < BUCKETS - 1 && below + mass[b] <= minority {
            below += mass[b];
            b += 1;
        }
        // Its members: the bytes equal to b, eight at a time (SWAR: a zero byte of
        // word ^ b·0x0101… gets its top bit set, exactly, by the add-and-mask below).
        const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        let pattern = (b as u64) * 0x0101_0101_0101_0101;
        self.next.clear();
        for (w, word) in self.bytes.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(word.try_into().unwrap_or([u8::MAX; 8])) ^ pattern;
            let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
            while hits != 0 {
                self.next.push((w * 8) as u32 + hits.trailing_zeros() / 8);
                hits &= hits - 1;
            }
        }
        let (scores_of, next) = (&scores, &self.next);
        finish(
            &mut self.halves,
            next.len(),
            |t| {
                let k = next[t] as usize;
                (scores_of[k], stakes[k])
            },
            minority,
            below,
            mass[b],
        )
    }

    /// Quickselect over column `l` of the current group (a column whose range overflows the
    /// bucket factor).
    fn column_quickselect(&mut self, l: usize, stakes: &[i64], minority: i64, total: i64) -> f64 {
        let mut col = std::mem::take(&mut self.col);
        col.clear();
        col.extend(self.group_scores.iter().map(|x| x[l]));
        let v = self.quickselect_all(&col, stakes, minority, total);
        self.col = col;
        v
    }

    /// Quickselect over the entries with positive stake (degenerate and fallback cases).
    fn quickselect_all(
        &mut self,
        scores: &[f64],
        stakes: &[i64],
        minority: i64,
        total: i64,
    ) -> f64 {
        self.halves.reserve(scores.len());
        let mut n = 0;
        for (&x, &s) in scores.iter().zip(stakes) {
            if s > 0 {
                self.halves.x[0][n] = x;
                self.halves.s[0][n] = s;
                n += 1;
            }
        }
        self.halves.select(n, minority, 0, total)
    }
}

/// [`MedianBuf::quantiles`] as a [`Kernel`].
struct Quantiles<'a> {
    buf: &'a mut MedianBuf,
    raw: &'a [u16],
    scale: &'a [f64],
    stakes: &'a [i64],
    minority: i64,
    total: i64,
    out: &'a mut [f64],
}

impl Kernel for Quantiles<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.buf.quantiles_body(
            self.raw,
            self.scale,
            self.stakes,
            self.minority,
            self.total,
            self.out,
        );
    }
}

/// [`group_scores`] of the columns `j0..` of a row-major matrix with `n` columns (a group
/// narrower than [`GROUP`] at the end is zero-padded), as a [`Kernel`].
struct GroupScores<'a> {
    raw: &'a [u16],
    n: usize,
    j0: usize,
    scale: &'a [f64],
    sc: &'a mut [[f64; GROUP]],
}

impl Kernel for GroupScores<'_> {
    type Output = ([f64; GROUP], [f64; GROUP]);
    #[inline(always)]
    fn run(self) -> Self::Output {
        let GroupScores {
            raw,
            n,
            j0,
            scale,
            sc,
        } = self;
        let width = GROUP.min(n - j0);
        if width == GROUP {
            let mut at = j0;
            let rows = scale.iter().map(|_| {
                let row = raw.get(at..at + GROUP).unwrap_or(&[0; GROUP]);
                at += n;
                <[u16; GROUP]>::try_from(row).unwrap_or([0; GROUP])
            });
            group_scores(rows, scale, sc)
        } else {
            let rows = raw.chunks_exact(n).map(|row| {
                let mut block = [0; GROUP];
                block[..width].copy_from_slice(&row[j0..]);
                block
            });
            group_scores(rows, scale, sc)
        }
    }
}

/// Each column's stake on its zero scores, and their number, as a [`Kernel`].
struct GroupZeros<'a> {
    sc: &'a [[f64; GROUP]],
    stakes: &'a [i64],
}

impl Kernel for GroupZeros<'_> {
    type Output = ([i64; GROUP], [u64; GROUP]);
    #[inline(always)]
    fn run(self) -> Self::Output {
        let (mut mass, mut count) = ([0i64; GROUP], [0u64; GROUP]);
        for (&x, &s) in self.sc.iter().zip(self.stakes) {
            for l in 0..GROUP {
                let zero = x[l] == 0.0;
                mass[l] += if zero { s } else { 0 };
                count[l] += if zero { 1 } else { 0 };
            }
        }
        (mass, count)
    }
}

/// [`group_buckets`] as a [`Kernel`].
struct GroupBuckets<'a> {
    sc: &'a [[f64; GROUP]],
    lo: &'a [f64; GROUP],
    factor: &'a [f64; GROUP],
    stakes: &'a [i64],
    exact_min: bool,
    buckets: &'a mut [u64],
    mass: &'a mut [i64; BUCKETS * GROUP],
}

impl Kernel for GroupBuckets<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        // One loop per case, so the common one pays nothing for the other.
        if self.exact_min {
            group_buckets::<true>(
                self.sc,
                self.lo,
                self.factor,
                self.stakes,
                self.buckets,
                self.mass,
            );
        } else {
            group_buckets::<false>(
                self.sc,
                self.lo,
                self.factor,
                self.stakes,
                self.buckets,
                self.mass,
            );
        }
    }
}

/// Columns [`MedianBuf::quantiles`] processes together: eight f64 lanes, two AVX2 or four
/// SSE2 registers per step.
pub const GROUP: usize = 8;

/// One group's scores `f64::from(raw) · scale` row by row into `sc`, and each column's
/// (min, max). Comparisons rather than `f64::min`/`max` (no NaNs: scores are finite).
#[inline(always)]
fn group_scores(
    rows: impl Iterator<Item = [u16; GROUP]>,
    scale: &[f64],
    sc: &mut [[f64; GROUP]],
) -> ([f64; GROUP], [f64; GROUP]) {
    let mut lo = [f64::INFINITY; GROUP];
    let mut hi = [f64::NEG_INFINITY; GROUP];
    // Rows arrive by value (loaded whole before anything is stored, which lets the
    // compiler vectorise the row without proving that the buffers do not overlap).
    for ((raw, &k), x) in rows.zip(scale).zip(sc.iter_mut()) {
        for l in 0..GROUP {
            x[l] = f64::from(raw[l]) * k;
            lo[l] = if lo[l] < x[l] { lo[l] } else { x[l] };
            hi[l] = if hi[l] > x[l] { hi[l] } else { x[l] };
        }
    }
    (lo, hi)
}

/// Each score's bucket `b` (as in [`MedianBuf::quantile`]:
/// `round(min((x − lo)·factor, B − 1))`, monotone in `x`; with `EXACT_MIN`, bucket 0 holds
/// exactly the minimum and larger scores start at bucket 1), as the byte `b·GROUP + l` for
/// column `l` of `buckets[r]`, and each column's stake per bucket, bucket-major
/// (`mass[b·GROUP + l]`). The bucket computation vectorises across the columns; adding the
/// stake is a scalar scatter, two instructions per score (the byte is the index).
#[inline(always)]
fn group_buckets<const EXACT_MIN: bool>(
    sc: &[[f64; GROUP]],
    lo: &[f64; GROUP],
    factor: &[f64; GROUP],
    stakes: &[i64],
    buckets: &mut [u64],
    mass: &mut [i64; BUCKETS * GROUP],
) {
    const ROUND: f64 = 4_503_599_627_370_496.0; // 2⁵²
    let top = (BUCKETS - 1) as f64;
    for ((&x, word), &s) in sc.iter().zip(buckets.iter_mut()).zip(stakes) {
        let mut at = [0u64; GROUP];
        for l in 0..GROUP {
            let t = (x[l] - lo[l]) * factor[l];
            // Bucket 0 holds exactly the column's minimum; every larger score goes to bucket 1
            // or above (still monotone in x).
            let t = if t < top { t } else { top };
            let t = if EXACT_MIN {
                let t = if t > 1.0 { t } else { 1.0 };
                if x[l] > lo[l] { t } else { 0.0 }
            } else {
                t
            };
            let b = (t + ROUND).to_bits() % BUCKETS as u64;
            at[l] = b * GROUP as u64 + l as u64;
        }
        let mut packed = 0;
        for (l, &a) in at.iter().enumerate() {
            packed |= a << (8 * l);
        }
        *word = packed;
        for l in 0..GROUP {
            mass[at[l] as usize % (BUCKETS * GROUP)] += s;
        }
    }
}

/// Each column's target bucket, the first whose inclusive stake prefix exceeds the minority
/// (at most the last), and the stake below it: the scan of [`MedianBuf::quantile`], for all
/// columns at once (prefix sums of non-negative masses grow, so "still at or below the
/// minority" holds for a prefix of the buckets, and counting it finds the target).
#[inline(always)]
fn group_targets(mass: &[i64; BUCKETS * GROUP], minority: i64) -> ([i64; GROUP], [usize; GROUP]) {
    let mut acc = [0i64; GROUP];
    let mut below = [0i64; GROUP];
    let mut over = [0u64; GROUP];
    for m in mass.chunks_exact(GROUP).take(BUCKETS - 1) {
        for l in 0..GROUP {
            acc[l] += m[l];
            below[l] = if acc[l] <= minority { acc[l] } else { below[l] };
            // 1 when the prefix exceeds the minority (no overflow: both lie in [0, total]),
            // as a shift, which vectorises where a bool-to-integer count does not.
            over[l] += (minority - acc[l]) as u64 >> 63;
        }
    }
    (below, over.map(|o| BUCKETS - 1 - o as usize))
}

/// The rows whose bucket byte equals the pattern's byte, per column, eight columns per word
/// (SWAR: a zero byte of `word ^ pattern` gets its top bit set, exactly, by the add-and-mask
/// below). Returns each column's count.
#[inline(always)]
fn group_members(buckets: &[u64], pattern: u64, members: &mut [[u32; GROUP]]) -> [usize; GROUP] {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let mut count = [0usize; GROUP];
    for (r, &word) in buckets.iter().enumerate() {
        let x = word ^ pattern;
        let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
        while hits != 0 {
            let l = (hits.trailing_zeros() / 8) as usize % GROUP;
            if let Some(slot) = members.get_mut(count[l]) {
                slot[l] = r as u32;
            }
            count[l] += 1;
            hits &= hits - 1;
        }
    }
    count
}

/// The quantile among the `count` members of the target bucket (`member(t)` gives the `t`-th
/// as (score, stake)), whose stake lies between `below` and `below + bucket_mass`: the unique
/// `v` with `below + S_b(<v) ≤ minority < below + S_b(≤v)`. Pairwise for a few members,
/// quickselect bounded by the bucket's masses for a crowded bucket.
#[inline(always)]
fn finish(
    halves: &mut Halves<i64>,
    count: usize,
    member: impl Fn(usize) -> (f64, i64),
    minority: i64,
    below: i64,
    bucket_mass: i64,
) -> f64 {
    if count <= PAIRWISE_MAX {
        let mut members = [(0.0_f64, 0_i64); PAIRWISE_MAX];
        for (t, m) in members[..count].iter_mut().enumerate() {
            *m = member(t);
        }
        let members = &members[..count];
        for &(v, _) in members {
            let (mut lt, mut le) = (below, below);
            for &(u, s) in members {
                lt += s.masked(u < v);
                le += s.masked(u <= v);
            }
            if lt <= minority && minority < le {
                return v;
            }
        }
    }
    halves.reserve(count);
    for t in 0..count {
        let (x, s) = member(t);
        halves.x[0][t] = x;
        halves.s[0][t] = s;
    }
    halves.select(count, minority, below, below + bucket_mass)
}

/// (min, max) of a non-empty slice without NaNs, eight accumulators each (four SSE2 registers:
/// the min/max latency, not throughput, would bound fewer). Comparisons rather than
/// `f64::min`/`max`, whose NaN rule doubles the instruction count.
fn min_max(xs: &[f64]) -> (f64, f64) {
    #[inline(always)]
    fn min(a: f64, b: f64) -> f64 {
        if a < b { a } else { b }
    }
    #[inline(always)]
    fn max(a: f64, b: f64) -> f64 {
        if a > b { a } else { b }
    }
    let (mut lo, mut hi) = ([xs[0]; 8], [xs[0]; 8]);
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..8 {
            lo[t] = min(lo[t], c[t]);
            hi[t] = max(hi[t], c[t]);
        }
    }
    for (t, x) in rest.iter().enumerate() {
        lo[t] = min(lo[t], *x);
        hi[t] = max(hi[t], *x);
    }
    let lo = lo.iter().fold(lo[0], |a, b| min(a, *b));
    let hi = hi.iter().fold(hi[0], |a, b| max(a, *b));
    (lo, hi)
}

/// The κ-quantile of `scores` under `stakes`, ignoring entries with non-positive stake and
/// normalising the rest, as the chain's `weighted_median_col_sparse` does. Works in f64 by
/// quickselect and allocates; the epoch uses [`MedianBuf::quantiles`].
pub fn kappa_median(stakes: &[f64], scores: &[f64], kappa: f64) -> f64 {
    let total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    let mut h = Halves::<f64>::default();
    for (s, x) in stakes.iter().zip(scores) {
        if *s > 0.0 {
            h.x[0].push(*x);
            h.s[0].push(s / total);
        }
    }
    let len = h.x[0].len();
    let sum: f64 = h.s[0].iter().sum();
    h.reserve(len);
    h.select(len, sum - kappa, 0.0, sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, by brute force: the largest score whose at-or-above mass is ≥ κ.
    fn reference(stakes: &[f64], scores: &[f64], kappa: f64) -> f64 {
        let total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
        let mut best = 0.0_f64;
        let mut found = false;
        for (s, &x) in stakes.iter().zip(scores) {
            if *s <= 0.0 {
                continue;
            }
            let mass: f64 = stakes
                .iter()
                .zip(scores)
                .filter(|(t, y)| **t > 0.0 && **y >= x)
                .map(|(t, _)| t / total)
                .sum();
            if mass >= kappa - 1e-12 && (!found || x > best) {
                best = x;
                found = true;
            }
        }
        best
    }

    /// The integer definition: the largest score whose at-or-above stake is ≥ total −
    /// minority; for minority < 0 the smallest and for minority ≥ total the largest voting
    /// score (0 without votes).
    fn reference_int(stakes: &[i64], scores: &[f64], minority: i64) -> f64 {
        let total: i64 = stakes.iter().sum();
        let voting = || scores.iter().zip(stakes).filter(|(_, s)| **s > 0);
        if total == 0 {
            return 0.0;
        }
        if minority < 0 {
            return voting().map(|(x, _)| *x).fold(f64::INFINITY, f64::min);
        }
        if minority >= total {
            return voting().map(|(x, _)| *x).fold(f64::NEG_INFINITY, f64::max);
        }
        voting()
            .map(|(x, _)| *x)
            .filter(|&v| {
                let above: i64 = voting().filter(|(y, _)| **y >= v).map(|(_, s)| *s).sum();
                above >= total - minority
            })
            .fold(f64::NEG_INFINITY, f64::max)
    }

    #[test]
    fn half_split_takes_the_higher_score_because_kappa_is_below_half() {
        let kappa = 32767.0 / 65535.0;
        assert_eq!(kappa_median(&[0.5, 0.5], &[0.2, 0.8], kappa), 0.8);
        let k = (crate::yuma::fixed::to_i32f32(kappa) * 4_294_967_296.0) as i64;
        let mut buf = MedianBuf::default();
        let half = 1i64 << 31;
        let total = 2 * half;
        assert_eq!(
            buf.quantile(&[0.2, 0.8], &[half, half], total - k, total),
            0.8
        );
    }

    #[test]
    fn no_stake_gives_zero() {
        assert_eq!(kappa_median(&[0.0, 0.0], &[0.2, 0.8], 0.5), 0.0);
        assert_eq!(kappa_median(&[], &[], 0.5), 0.0);
        let mut buf = MedianBuf::default();
        assert_eq!(buf.quantile(&[0.2, 0.8], &[0, 0], -5, 0), 0.0);
        assert_eq!(buf.quantile(&[], &[], -5, 0), 0.0);
    }

    proptest! {
        /// [`MedianBuf::quantiles`] on a matrix gives, column by column and with every
        /// instruction set, what [`MedianBuf::quantile`] gives on that column: widths that are
        /// not a multiple of [`GROUP`], clustered and tied scores, zero rows and zero stakes,
        /// and degenerate κ.
        #[test]
        fn quantiles_of_a_matrix_match_the_columns(
            m in 1usize..40,
            n in 1usize..40,
            seed in any::<u64>(),
            tie_level in 0u32..4,
            minority_frac in -0.1f64..1.1,
        ) {
            let mut state = seed;
            let mut next = move || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                state >> 33
            };
            // Few distinct raw values when tie_level is high.
            let levels = [65_536u64, 1000, 7, 2][tie_level as usize];
            let raw: Vec<u16> = (0..m * n).map(|_| (next() % levels) as u16).collect();
            let scale: Vec<f64> = (0..m).map(|_| 1.0 / (1 + next() % 500_000) as f64).collect();
            let stakes: Vec<i64> = (0..m)
                .map(|_| if next() % 5 == 0 { 0 } else { (next() % 1_000_000) as i64 * 4099 })
                .collect();
            let total: i64 = stakes.iter().sum();
            let minority = (total as f64 * minority_frac) as i64;
            for isa in Isa::available() {
                let mut buf = MedianBuf::with_isa(isa);
                let mut out = vec![f64::NAN; n];
                buf.quantiles(&raw, &scale, &stakes, minority, total, &mut out);
                for (j, got) in out.iter().enumerate() {
                    let col: Vec<f64> =
                        (0..m).map(|r| f64::from(raw[r * n + j]) * scale[r]).collect();
                    let want = MedianBuf::with_isa(Isa::Portable).quantile(&col, &stakes, minority, total);
                    prop_assert_eq!(got.to_bits(), want.to_bits(), "{} column {}", isa.name(), j);
                    prop_assert_eq!(want, reference_int(&stakes, &col, minority));
                }
            }
        }

        /// [`MedianBuf::quantiles_sparse`] on the non-zero entries gives what
        /// [`MedianBuf::quantiles`] gives on the dense matrix: sparse and empty columns, ties,
        /// zero stakes, rows with weights but no stake, degenerate κ.
        #[test]
        fn sparse_quantiles_match_the_dense_matrix(
            m in 1usize..40,
            n in 1usize..40,
            seed in any::<u64>(),
            density in prop::sample::select(vec![0.0, 0.05, 0.3, 0.7, 1.0]),
            tie_level in 0u32..4,
            minority_frac in -0.1f64..1.1,
        ) {
            let mut state = seed;
            let mut next = move || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                state >> 33
            };
            let levels = [65_535u64, 1000, 7, 2][tie_level as usize];
            let raw: Vec<u16> = (0..m * n)
                .map(|_| {
                    let on = (next() % 1000) as f64 / 1000.0 < density;
                    if on { 1 + (next() % levels) as u16 } else { 0 }
                })
                .collect();
            let scale: Vec<f64> = (0..m).map(|_| 1.0 / (1 + next() % 500_000) as f64).collect();
            let stakes: Vec<i64> = (0..m)
                .map(|_| if next() % 5 == 0 { 0 } else { (next() % 1_000_000) as i64 * 4099 })
                .collect();
            let total: i64 = stakes.iter().sum();
            let minority = (total as f64 * minority_frac) as i64;
            let mut col_start = vec![0u32; n + 1];
            let (mut col_rows, mut col_raw) = (Vec::new(), Vec::new());
            for j in 0..n {
                for r in 0..m {
                    if raw[r * n + j] != 0 {
                        col_rows.push(r as u32);
                        col_raw.push(raw[r * n + j]);
                    }
                }
                col_start[j + 1] = col_rows.len() as u32;
            }
            let mut sparse = vec![f64::NAN; n];
            MedianBuf::default().quantiles_sparse(
                &col_start, &col_rows, &col_raw, &scale, &stakes, minority, total, &mut sparse,
            );
            let mut dense = vec![0.0; n];
            if total > 0 {
                MedianBuf::default().quantiles(&raw, &scale, &stakes, minority, total, &mut dense);
            }
            for j in 0..n {
                prop_assert_eq!(sparse[j].to_bits(), dense[j].to_bits(), "column {}", j);
            }
        }

        #[test]
        fn matches_the_definition(
            pairs in prop::collection::vec((0u32..100, 0u32..6), 1..40),
            kappa_milli in 10u32..990,
        ) {
            // Few distinct scores so ties are common; the κ offset keeps the brute-force
            // definition clear of rounding ambiguity at the boundary.
            let stakes: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
            let scores: Vec<f64> = pairs.iter().map(|p| f64::from(p.1) / 5.0).collect();
            let kappa = f64::from(kappa_milli) / 1000.0 + 1e-7;
            prop_assert_eq!(kappa_median(&stakes, &scores, kappa), reference(&stakes, &scores, kappa));
        }

        /// The bucketed quantile on integer stakes, exactly, including zero-stake entries,
        /// clustered and tied scores (crowded buckets) and degenerate κ.
        #[test]
        fn bucketed_quantile_matches_the_definition(
            pairs in prop::collection::vec((0i64..1000, 0u32..40, any::<bool>()), 1..150),
            spread in prop::sample::select(vec![1.0, 1e-3, 1e-9]),
            minority_frac in -0.1f64..1.1,
        ) {
            let stakes: Vec<i64> = pairs.iter().map(|p| p.0 * 1_000_003).collect();
            // Half the entries cluster near 0.5 unless `spread` is 1: buckets get crowded.
            let scores: Vec<f64> = pairs
                .iter()
                .map(|p| if p.2 { 0.5 + f64::from(p.1) * spread } else { f64::from(p.1) / 40.0 })
                .collect();
            let total: i64 = stakes.iter().sum();
            let minority = (total as f64 * minority_frac) as i64;
            let mut buf = MedianBuf::default();
            prop_assert_eq!(
                buf.quantile(&scores, &stakes, minority, total),
                reference_int(&stakes, &scores, minority)
            );
        }
    }
}
