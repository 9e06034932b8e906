//! Times the most expensive 4 KiB lines we could construct against the
//! default limits, to calibrate `Limits::max_work` (run with `--release`).
//!
//! Each line repeats one costly piece (a near-limit power, a big gcd, a
//! float rounding, ...) until it fills 4 KiB, so the work budget, not the
//! line length, decides how much is done (or the line is a single loop that
//! only the budget stops). The column `total` must stay near a millisecond;
//! `parse` shows how much of it is parsing.

use std::time::{Duration, Instant};

use safecalc::calc::{self, Session};

const LINE_BYTES: usize = 4000;

/// `unit sep unit sep ...` up to `LINE_BYTES`.
fn fill(unit: &str, sep: &str) -> String {
    let mut s = String::from(unit);
    while s.len() + sep.len() + unit.len() <= LINE_BYTES {
        s.push_str(sep);
        s.push_str(unit);
    }
    s
}

fn mean_time(runs: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    start.elapsed() / runs
}

fn main() {
    let cases: Vec<(&str, String)> = vec![
        ("near-limit powers", fill("9**4500", "+")),
        ("big floor division", fill("9**4500//7**3000", "+")),
        ("factorials", fill("factorial(1700)", "+")),
        ("float rounding", fill("round(1e-300,323)", "+")),
        ("float rounding <0", fill("round(1e300,-300)", "+")),
        ("big variable sum", fill("x", "+")),
        ("max of big values", format!("max({})", fill("x", ","))),
        ("big mul and div", fill("x*x//x", "+")),
        ("big true division", fill("x/(x-1)", "+")),
        ("big gcd", fill("gcd(x,x-1)", "+")),
        ("log of big ints", fill("log(x)", "+")),
        ("floor of 1e308", fill("floor(1e308)", "*0+")),
        ("big modulo", fill("x%(x-7)", "+")),
        ("small int ops", fill("1", "+")),
        ("float ops", fill("1.5", "*")),
        ("decimal literal", "7".repeat(LINE_BYTES)),
        ("hex literal", format!("0x{}", "f".repeat(3500))),
        ("round big int", fill("round(x,-2000)", "+")),
        // Issue 13's constructs: loops, sequences, the math module.
        (
            "endless generator",
            "sum(1 for _ in range(10**12))".to_string(),
        ),
        (
            "nested loops",
            "sum(a*b for a in range(10**6) for b in range(a) if a ^ b)".to_string(),
        ),
        (
            "list comprehensions",
            fill("len([i*i for i in range(10000)])", "+"),
        ),
        (
            "sorting",
            fill("sorted(range(10000), reverse=True)[0]", "+"),
        ),
        ("repetition", fill("len([x]*10000)", "+")),
        ("sequence compare", fill("[x]*9999==[x]*9999", "+")),
        ("bitwise on big ints", fill("(x|x>>7)&~x^x<<9", "+")),
        ("big shifts", fill("1<<332000", ">>1+")),
        ("comb and perm", fill("comb(3000,1500)", "+")),
        ("isqrt and lcm", fill("isqrt(x)+lcm(x,x-1)", "+")),
        (
            "fsum of spread floats",
            "fsum(2.0**(2*k) for k in range(-500, 500))".to_string(),
        ),
        ("big ranges", fill("range(x)[x//2:x//3:-7][999]", "+")),
    ];
    let mut session = Session::new();
    if let Err(e) = session.eval("x = 9**4500") {
        eprintln!("setup failed: {e}");
        return;
    }
    println!(
        "{:20} {:>6} {:>10} {:>10}  result",
        "case", "bytes", "total", "parse"
    );
    for (name, line) in cases {
        let mut outcome = String::new();
        let total = mean_time(20, || {
            outcome = match session.clone().eval(&line) {
                Ok(v) => format!("ok, {} characters", v.to_string().len()),
                Err(e) => format!("error: {e}"),
            };
        });
        let parse = mean_time(20, || {
            let _ = calc::parse(&line);
        });
        println!(
            "{name:20} {:>6} {:>10.1?} {:>10.1?}  {outcome}",
            line.len(),
            total,
            parse
        );
    }
}
