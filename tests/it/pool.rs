//! Pools (spec §6): the AMM vectors of `tests/data/chain-vectors.yaml` at their tolerances,
//! the curve's precision against a double-double reference, and proptest invariants of
//! swaps, price limits and injections.

use proptest::prelude::*;
use serde_json::Value;

use crate::vectors::vector;
use yumalab::chain::pool::{
    HALF_WEIGHT, MAX_WEIGHT, MIN_WEIGHT, PERQUINTILL, Pool, PoolKind, Swap,
};

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn cases(v: &Value) -> &Vec<Value> {
    v["cases"].as_array().expect("cases list")
}

/// A weight written with at most 9 decimals, as parts per 10¹⁸ (exactly).
fn parts(w: f64) -> u64 {
    (w * 1e9).round() as u64 * 1_000_000_000
}

const TAO: u64 = 1_000_000_000;

// ------------------------------------------------------------------ conformance vectors

#[test]
fn swap_balancer_even_weights() {
    let v = vector("swap_balancer_even_weights");
    // The reserves and fee rate are only in the description; pin the text we read them from.
    let description = v["description"].as_str().expect("description");
    assert!(description.contains("Reserves tao y = 1e9, alpha x = 4e9"));
    assert!(description.contains("weights 0.5/0.5, FeeRate 33/65535"));
    let tolerance = u(&v["tolerance"]);
    let pool = Pool::new(PoolKind::Balancer, TAO, 4 * TAO);
    for case in cases(&v) {
        let amount = u(&case["amount"]);
        let swap = match case["side"].as_str() {
            Some("buy") => pool.quote_buy(amount, 33, None),
            Some("sell") => pool.quote_sell(amount, 33, None),
            other => panic!("unknown side {other:?}"),
        }
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(swap.fee, u(&case["fee"]), "{case}");
        assert!(
            swap.amount_out.abs_diff(u(&case["out_rao"])) <= tolerance,
            "{case}: got {}",
            swap.amount_out
        );
        assert_eq!((swap.amount_in, swap.refund), (amount, 0), "{case}");
    }
}

#[test]
fn swap_balancer_uneven_weights() {
    let v = vector("swap_balancer_uneven_weights");
    let tolerance = u(&v["tolerance"]);
    for case in cases(&v) {
        let pool = Pool {
            tao: u(&case["y"]),
            alpha: u(&case["x"]),
            w_quote: parts(f(&case["w_quote"])),
            kind: PoolKind::Balancer,
        };
        let d = u(&case["d"]);
        let sell = pool.sell_output(d);
        let buy = pool.buy_output(d);
        assert!(
            sell.abs_diff(u(&case["sell_out"])) <= tolerance,
            "{case}: sell {sell}"
        );
        assert!(
            buy.abs_diff(u(&case["buy_out"])) <= tolerance,
            "{case}: buy {buy}"
        );
    }
}

#[test]
fn balancer_weight_update_on_injection() {
    let v = vector("balancer_weight_update_on_injection");
    assert_eq!(v["tolerance"], "relative 1e-12");
    for case in cases(&v) {
        let (dy, dx) = (u(&case["dy"]), u(&case["dx"]));
        let mut pool = Pool::new(PoolKind::Balancer, 1_000_000_000_000, 4_000_000_000_000);
        let p0 = pool.price();
        assert!(pool.inject(dy, dx), "{case}");
        assert_eq!(
            (pool.tao, pool.alpha),
            (1_000_000_000_000 + dy, 4_000_000_000_000 + dx)
        );
        let w = pool.w_quote as f64 / PERQUINTILL as f64;
        // The vector prints 10 decimals, so against it the tolerance is half a unit of the
        // last printed digit; the stated 1e-12 applies to the formula it was printed from:
        // w₂' = y'/(x'·p + y').
        let expect = f(&case["expect_w_quote"]);
        assert!((w - expect).abs() <= 5e-11, "{case}: got {w}");
        let y1 = pool.tao as f64;
        let formula = y1 / (pool.alpha as f64 * p0 + y1);
        assert!(
            (w / formula - 1.0).abs() <= 1e-12,
            "{case}: got {w}, formula {formula}"
        );
        assert!((pool.price() / p0 - 1.0).abs() <= 1e-12, "{case}");
    }
}

// ------------------------------------------------------------------ precision

/// Double-double arithmetic (~106-bit significands), for a reference the f64 curve can be
/// measured against. Algorithms after Dekker, Knuth (two-sum) and the QD library.
#[derive(Clone, Copy, Debug)]
struct Dd {
    hi: f64,
    lo: f64,
}

impl Dd {
    const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };
    const LN2: Dd = Dd {
        hi: std::f64::consts::LN_2,
        lo: 2.319_046_813_846_299_6e-17,
    };

    fn quick_two_sum(a: f64, b: f64) -> Dd {
        let s = a + b;
        Dd {
            hi: s,
            lo: b - (s - a),
        }
    }

    fn two_sum(a: f64, b: f64) -> Dd {
        let s = a + b;
        let bb = s - a;
        Dd {
            hi: s,
            lo: (a - (s - bb)) + (b - bb),
        }
    }

    fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    fn from_u64(n: u64) -> Dd {
        let hi = n as f64;
        Dd::quick_two_sum(hi, (i128::from(n) - hi as i128) as f64)
    }

    fn add(self, o: Dd) -> Dd {
        let s = Dd::two_sum(self.hi, o.hi);
        let t = Dd::two_sum(self.lo, o.lo);
        let r = Dd::quick_two_sum(s.hi, s.lo + t.hi);
        Dd::quick_two_sum(r.hi, r.lo + t.lo)
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    fn sub(self, o: Dd) -> Dd {
        self.add(o.neg())
    }

    fn mul(self, o: Dd) -> Dd {
        let p = self.hi * o.hi;
        let e = self.hi.mul_add(o.hi, -p);
        Dd::quick_two_sum(p, e + (self.hi * o.lo + self.lo * o.hi))
    }

    fn div(self, o: Dd) -> Dd {
        let q1 = self.hi / o.hi;
        let r = self.sub(o.mul(Dd::from_f64(q1)));
        let q2 = r.hi / o.hi;
        let r = r.sub(o.mul(Dd::from_f64(q2)));
        let q3 = r.hi / o.hi;
        Dd::quick_two_sum(q1, q2).add(Dd::from_f64(q3))
    }

    fn scale(self, k: f64) -> Dd {
        // k is a power of two: exact.
        Dd {
            hi: self.hi * k,
            lo: self.lo * k,
        }
    }

    /// exp: x = k·ln2 + r, exp(r) = (Taylor of r/16)^16, times 2^k.
    fn exp(self) -> Dd {
        if self.hi < -700.0 {
            return Dd::from_f64(0.0);
        }
        let k = (self.hi / Dd::LN2.hi).round();
        let r = self.sub(Dd::LN2.mul(Dd::from_f64(k))).scale(1.0 / 16.0);
        let (mut term, mut sum) = (Dd::ONE, Dd::ONE);
        for n in 1..=22 {
            term = term.mul(r).div(Dd::from_f64(f64::from(n)));
            sum = sum.add(term);
        }
        for _ in 0..4 {
            sum = sum.mul(sum);
        }
        sum.scale(2f64.powi(k as i32))
    }

    /// ln by Newton's method on exp from the f64 logarithm.
    fn ln(self) -> Dd {
        let mut y = Dd::from_f64(self.hi.ln());
        for _ in 0..3 {
            y = y.add(self.mul(y.neg().exp()).sub(Dd::ONE));
        }
        y
    }

    fn floor(self) -> i128 {
        let h = self.hi.floor();
        if h == self.hi {
            h as i128 + self.lo.floor() as i128
        } else {
            h as i128
        }
    }
}

#[test]
fn double_double_reference_is_sound() {
    // e and ln 10 to ~10⁻²⁹ relative (the reference needs ~10⁻²⁰ at outputs of 10¹⁶ rao).
    let e = Dd::ONE.exp();
    assert_eq!(e.hi, std::f64::consts::E);
    assert!((e.lo - 1.445_646_891_729_250_2e-16).abs() < 3e-29, "{e:?}");
    let ln10 = Dd::from_f64(10.0).ln();
    assert_eq!(ln10.hi, std::f64::consts::LN_10);
    assert!(
        (ln10.lo - -2.170_756_223_382_249_4e-16).abs() < 3e-29,
        "{ln10:?}"
    );
    // exp(ln v) = v to ~1e-30 relative.
    for v in [1e-9, 0.3, 1.0 + 1e-15, 7.0, 1.234_567e12] {
        let v = Dd::from_f64(v).add(Dd::from_f64(v * 1e-20));
        let back = v.ln().exp().sub(v).div(v);
        assert!(back.hi.abs() < 1e-29, "{v:?}: {back:?}");
    }
}

/// Exact output of the curve, r_out·(1 − (r_in/(r_in+Δ))^{w_in/w_out}), in double-double.
fn reference_out(r_in: u64, r_out: u64, w_in: u64, w_out: u64, delta: u64) -> Dd {
    let e = Dd::from_u64(w_in).div(Dd::from_u64(w_out));
    let ratio = Dd::from_u64(r_in).div(Dd::from_u64(r_in + delta));
    let t = e.mul(ratio.ln()).exp();
    Dd::from_u64(r_out).mul(Dd::ONE.sub(t))
}

/// SplitMix64: a fixed sample for the precision measurement.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-uniform in [lo, hi].
    fn log_uniform(&mut self, lo: f64, hi: f64) -> u64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp() as u64
    }
}

/// The documented precision (module docs of `yumalab::chain::pool`, "Precision"): on
/// reserves in [10⁶, 10¹⁶] rao, weights in [0.01, 0.99] and net inputs from 1 rao to 1000×
/// the input reserve, the output is the exact floor or off by 1 rao, and off only where the
/// exact value lies within a relative 4.5·10⁻¹⁶ (2 ulps) of an integer; the worst measured
/// on 3·10⁶ swaps (other seeds) was 3.3·10⁻¹⁶. The w₁ = w₂ path is exact integer arithmetic
/// and must match the reference.
#[test]
fn curve_precision_against_double_double() {
    const CASES: usize = 20_000;
    let mut rng = SplitMix(0x005E_ED0F_B0A7);
    for i in 0..CASES {
        let x = rng.log_uniform(1e6, 1e16);
        let y = rng.log_uniform(1e6, 1e16);
        let w_quote = if i.is_multiple_of(10) {
            HALF_WEIGHT
        } else {
            MIN_WEIGHT + rng.next() % (MAX_WEIGHT - MIN_WEIGHT + 1)
        };
        let pool = Pool {
            tao: y,
            alpha: x,
            w_quote,
            kind: PoolKind::Balancer,
        };
        let w_base = PERQUINTILL - w_quote;
        let buy = rng.next().is_multiple_of(2);
        let (r_in, r_out, w_in, w_out) = if buy {
            (y, x, w_quote, w_base)
        } else {
            (x, y, w_base, w_quote)
        };
        let delta = rng.log_uniform(1.0, 1000.0 * r_in as f64).max(1);
        let ours = if buy {
            pool.buy_output(delta)
        } else {
            pool.sell_output(delta)
        };
        let exact = reference_out(r_in, r_out, w_in, w_out, delta);
        let err = i128::from(ours) - exact.floor().min(i128::from(r_out));
        // How far the exact value is from the nearest integer, relative to the output.
        let frac = exact.sub(Dd::from_f64(exact.hi.round())).hi.abs() / exact.hi.max(1.0);
        if w_quote == HALF_WEIGHT {
            assert!(
                err == 0 || frac < 1e-25,
                "w = 0.5 path not exact: {pool:?} {delta}"
            );
        }
        assert!(
            err.abs() <= 1,
            "{pool:?} buy={buy} Δ={delta}: ours {ours}, exact {exact:?}"
        );
        if err != 0 {
            assert!(
                frac <= 4.5e-16,
                "{pool:?} buy={buy} Δ={delta}: off by {err} with the exact value {frac:e} from an integer"
            );
        }
    }
}

// ------------------------------------------------------------------ invariants

/// A Balancer or constant-product pool with reserves in [10⁶, 10¹⁶] rao; Balancer weights
/// are 0.5 half of the time.
fn any_pool() -> impl Strategy<Value = Pool> {
    (
        prop_oneof![Just(PoolKind::Balancer), Just(PoolKind::ConstantProduct)],
        6.0f64..16.0,
        6.0f64..16.0,
        prop_oneof![Just(HALF_WEIGHT), MIN_WEIGHT..=MAX_WEIGHT],
    )
        .prop_map(|(kind, lx, ly, w)| Pool {
            tao: 10f64.powf(ly) as u64,
            alpha: 10f64.powf(lx) as u64,
            w_quote: if kind == PoolKind::Balancer {
                w
            } else {
                HALF_WEIGHT
            },
            kind,
        })
}

/// Amounts from 1 rao to 10¹⁹ (log-uniform), so that every guard is met sometimes.
fn any_amount() -> impl Strategy<Value = u64> {
    (0.0f64..19.0).prop_map(|a| 10f64.powf(a) as u64)
}

fn any_fee_rate() -> impl Strategy<Value = u16> {
    prop_oneof![Just(0u16), Just(33u16), 0u16..=2000]
}

fn swap(pool: &mut Pool, buy: bool, amount: u64, rate: u16, limit: Option<f64>) -> Option<Swap> {
    let before = pool.clone();
    let quote = if buy {
        before.quote_buy(amount, rate, limit)
    } else {
        before.quote_sell(amount, rate, limit)
    };
    let done = if buy {
        pool.buy_alpha(amount, rate, limit)
    } else {
        pool.sell_alpha(amount, rate, limit)
    };
    assert_eq!(quote, done, "a quote must be what the swap does");
    match done {
        Ok(s) => Some(s),
        Err(_) => {
            assert_eq!(
                *pool, before,
                "a refused swap must leave the pool unchanged"
            );
            None
        }
    }
}

/// (input reserve, output reserve).
fn sides(p: &Pool, buy: bool) -> (u64, u64) {
    if buy {
        (p.tao, p.alpha)
    } else {
        (p.alpha, p.tao)
    }
}

/// (input weight, output weight) as fractions.
fn side_weights(p: &Pool, buy: bool) -> (f64, f64) {
    let w2 = p.w_quote as f64 / PERQUINTILL as f64;
    let w1 = (PERQUINTILL - p.w_quote) as f64 / PERQUINTILL as f64;
    if buy { (w2, w1) } else { (w1, w2) }
}

/// ln(1 + k/r) for −r < k, accurate for small and large changes alike.
fn ln_ratio(r: u64, k: i128) -> f64 {
    if k.unsigned_abs() * 2 < u128::from(r) {
        (k as f64 / r as f64).ln_1p()
    } else {
        ((i128::from(r) + k) as f64 / r as f64).ln()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Conservation to the rao, reserves never emptied, price direction, and the invariant:
    /// x·y never decreases (exactly, in u128) for constant product and 0.5/0.5 pools;
    /// x^{w₁}·y^{w₂} never decreases in log space for other weights, up to a tolerance of
    /// (a) one rao of output, the documented worst case of the f64 curve, which moves
    /// ln x^{w_out} by w_out/x', plus (b) 8 ulps of each of the two log terms for their
    /// own f64 evaluation (each is one rounded quotient and one libm logarithm).
    #[test]
    fn swaps_conserve_and_keep_the_invariant(
        pool in any_pool(), amount in any_amount(), rate in any_fee_rate(), buy: bool,
    ) {
        let mut p = pool.clone();
        let Some(s) = swap(&mut p, buy, amount, rate, None) else { return Ok(()) };
        prop_assert_eq!(s.amount_in + s.refund, amount);
        prop_assert_eq!(s.refund, 0);
        prop_assert_eq!(u128::from(s.fee), u128::from(amount) * u128::from(rate) / 65535);
        let (in0, out0) = sides(&pool, buy);
        let (in1, out1) = sides(&p, buy);
        prop_assert!(out1 >= 1);
        prop_assert_eq!(out0 - out1, s.amount_out);
        let into_pool = in1 - in0;
        match pool.kind {
            PoolKind::Balancer => prop_assert_eq!(into_pool + s.fee, s.amount_in),
            _ => prop_assert_eq!(into_pool, s.amount_in),
        }
        prop_assert_eq!(p.w_quote, pool.w_quote);
        if buy {
            prop_assert!(p.price() >= pool.price());
        } else {
            prop_assert!(p.price() <= pool.price());
        }
        if pool.kind == PoolKind::ConstantProduct || pool.w_quote == HALF_WEIGHT {
            prop_assert!(
                u128::from(p.tao) * u128::from(p.alpha)
                    >= u128::from(pool.tao) * u128::from(pool.alpha)
            );
        } else {
            let (w_in, w_out) = side_weights(&pool, buy);
            let t_in = w_in * ln_ratio(in0, i128::from(into_pool));
            let t_out = w_out * ln_ratio(out0, -i128::from(s.amount_out));
            let tol = w_out / out1 as f64 + 8.0 * f64::EPSILON * (t_in.abs() + t_out.abs());
            prop_assert!(t_in + t_out >= -tol, "Δ ln invariant {} < -{}", t_in + t_out, tol);
        }
    }

    /// Buying and selling straight back never returns more than was paid, either way round.
    #[test]
    fn round_trips_never_profit(
        pool in any_pool(), amount in any_amount(), rate in any_fee_rate(), buy_first: bool,
    ) {
        let mut p = pool.clone();
        let Some(first) = swap(&mut p, buy_first, amount, rate, None) else { return Ok(()) };
        let Some(back) = swap(&mut p, !buy_first, first.amount_out, rate, None) else {
            return Ok(());
        };
        prop_assert!(
            back.amount_out <= first.amount_in,
            "paid {} got back {}", first.amount_in, back.amount_out
        );
    }

    /// A price limit is never crossed; a passed limit takes nothing; a binding limit ends
    /// close to it (one more rao of net input moves ln p by at most 1/(w·r) ≤ 10⁻⁴ here).
    #[test]
    fn price_limits_are_never_crossed(
        pool in any_pool(), amount in any_amount(), rate in any_fee_rate(), buy: bool,
        g in -1.0f64..1.0,
    ) {
        let p0 = pool.price();
        let limit = p0 * g.exp();
        let mut p = pool.clone();
        let Some(s) = swap(&mut p, buy, amount, rate, Some(limit)) else { return Ok(()) };
        prop_assert_eq!(s.amount_in + s.refund, amount);
        let passed = if buy { p0 > limit } else { p0 < limit };
        if passed {
            prop_assert_eq!(s.amount_in, 0);
            prop_assert_eq!(&p, &pool);
            return Ok(());
        }
        if buy {
            prop_assert!(p.price() <= limit, "{} > {}", p.price(), limit);
        } else {
            prop_assert!(p.price() >= limit, "{} < {}", p.price(), limit);
        }
        if s.refund > 0 {
            let net = s.amount_in - s.fee;
            prop_assert_eq!(u128::from(s.fee), (u128::from(net) * u128::from(rate) / u128::from(65535 - rate)).min(u128::from(amount - net)));
            prop_assert!((p.price() / limit - 1.0).abs() <= 1e-3, "ended at {} for {}", p.price(), limit);
        }
    }

    /// Injection keeps a Balancer pool's price within 10⁻⁹ and adds exactly what it is given,
    /// or refuses and changes nothing, and refuses only near the weight bounds.
    #[test]
    fn injection_keeps_the_price(
        pool in any_pool(), ly in 0.0f64..16.0, lx in 0.0f64..16.0, zero in 0u8..4,
    ) {
        let mut pool = pool;
        pool.kind = PoolKind::Balancer;
        let dy = if zero == 1 { 0 } else { 10f64.powf(ly) as u64 };
        let dx = if zero == 2 { 0 } else { 10f64.powf(lx) as u64 };
        let mut p = pool.clone();
        let p0 = pool.price();
        let expected = {
            let y1 = (pool.tao + dy) as f64;
            y1 / ((pool.alpha + dx) as f64 * p0 + y1)
        };
        if p.inject(dy, dx) {
            prop_assert!((p.price() / p0 - 1.0).abs() <= 1e-9, "{} vs {}", p.price(), p0);
            prop_assert_eq!((p.tao, p.alpha), (pool.tao + dy, pool.alpha + dx));
            prop_assert!((MIN_WEIGHT..=MAX_WEIGHT).contains(&p.w_quote));
        } else {
            prop_assert_eq!(&p, &pool);
            prop_assert!(!(0.010_000_001..=0.989_999_999).contains(&expected), "{}", expected);
        }
    }

    /// A constant-product pool keeps its price only for additions in proportion.
    #[test]
    fn constant_product_injection_in_proportion(pool in any_pool(), k in 0u64..100) {
        let mut p = Pool { kind: PoolKind::ConstantProduct, w_quote: HALF_WEIGHT, ..pool };
        let p0 = p.price();
        let (y, x) = (p.tao, p.alpha);
        prop_assert!(p.inject(k * y, k * x));
        prop_assert!((p.price() / p0 - 1.0).abs() <= 2.0 * f64::EPSILON);
        prop_assert_eq!(p.w_quote, HALF_WEIGHT);
    }
}

#[test]
fn limits_on_a_stable_pool() {
    let mut p = Pool::stable();
    let s = p.buy_alpha(10 * TAO, 33, Some(1.0)).unwrap();
    assert_eq!((s.amount_out, s.fee, s.refund), (10 * TAO, 0, 0));
    let s = p.sell_alpha(TAO, 33, Some(1.0001)).unwrap();
    assert_eq!((s.amount_in, s.refund), (0, TAO));
    assert_eq!(p.tao, 10 * TAO);
}
