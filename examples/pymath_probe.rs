//! Calibration of `pymath`'s work unit: for each integer function and a
//! range of sizes, the estimated and counted work and the time per
//! counted unit (best of several runs). Run with
//! `cargo run --release --example pymath_probe`.
use std::time::Instant;

use num_bigint::BigInt;
use num_traits::One;
use safecalc::calc::pymath::{self, Arg};

fn probe(name: &str, vals: &[BigInt]) {
    let args: Vec<Arg<'_>> = vals.iter().map(Arg::Big).collect();
    let call = pymath::prepare(name, &args, &[]).unwrap();
    let cost = call.cost();
    let mut best = f64::INFINITY;
    let mut work = 0;
    let runs = 5;
    for _ in 0..runs {
        let c = call.clone();
        let t = Instant::now();
        let (r, w) = c.run_counted();
        let elapsed = t.elapsed().as_nanos() as f64;
        std::hint::black_box(r).unwrap();
        best = best.min(elapsed);
        work = w;
    }
    let shown: Vec<String> = vals
        .iter()
        .map(|v| {
            if v.bits() > 40 {
                format!("<{} bits>", v.bits())
            } else {
                v.to_string()
            }
        })
        .collect();
    println!(
        "{:<34} est {:>11} counted {:>11} (x{:>5.2})  {:>10.1} us  {:.3} ns/unit",
        format!("{name}({})", shown.join(", ")),
        cost.work,
        work,
        cost.work as f64 / work as f64,
        best / 1000.0,
        best / work as f64
    );
}

/// How long pricing a call takes (prepare and cost, nothing computed).
fn price(name: &str, vals: &[BigInt]) {
    let args: Vec<Arg<'_>> = vals.iter().map(Arg::Big).collect();
    let rounds = 1000;
    let t = Instant::now();
    let mut cost = None;
    for _ in 0..rounds {
        cost = Some(pymath::prepare(name, &args, &[]).unwrap().cost());
    }
    let each = t.elapsed().as_nanos() as f64 / f64::from(rounds);
    let shown: Vec<String> = vals
        .iter()
        .map(|v| {
            if v.bits() > 64 {
                format!("<{} bits>", v.bits())
            } else {
                v.to_string()
            }
        })
        .collect();
    println!(
        "price {name}({}): {:?} in {:.2} us",
        shown.join(", "),
        cost.unwrap(),
        each / 1000.0
    );
}

fn main() {
    let i = |n: u64| BigInt::from(n);
    price("factorial", &[i(1_000_000)]);
    price("factorial", &[i(i64::MAX as u64)]);
    price("comb", &[i(1_000_000), i(500_000)]);
    price("perm", &[i(1_000_000), i(500_000)]);
    price("comb", &[i(i64::MAX as u64), i(1 << 62)]);
    price("comb", &[BigInt::one() << 100_000u32, i(1 << 40)]);
    price("isqrt", &[BigInt::one() << 10_000_000u32]);
    for n in [100, 1000, 3000, 10_000, 30_000] {
        probe("factorial", &[i(n)]);
    }
    for (n, k) in [
        (100, 50),
        (1000, 500),
        (2000, 1000),
        (10_000, 5000),
        (30_000, 15_000),
        (100_000, 200),
        (10_000, 2000),
        (1_000_000, 20),
        (300, 7),
    ] {
        probe("comb", &[i(n), i(k)]);
        probe("perm", &[i(n), i(k)]);
    }
    let big: BigInt = (BigInt::one() << 2000u32) + 17;
    probe("comb", &[big.clone(), i(300)]);
    probe("perm", &[big, i(300)]);
    for bits in [100u32, 1000, 10_000, 100_000, 1_000_000] {
        probe("isqrt", &[(BigInt::one() << bits) - 12345]);
    }
    for bits in [100u32, 1000, 10_000, 50_000] {
        let a: BigInt = (BigInt::one() << bits) / 3 * 7;
        let b: BigInt = (BigInt::one() << (bits - 7)) / 5 * 11 + 1;
        probe("gcd", &[a.clone(), b.clone()]);
        probe("lcm", &[a, b]);
    }
}
