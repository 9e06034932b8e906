//! Runs one evaluator on one case of the benchmark suite N times, for
//! counting instructions under callgrind, which (unlike wall time on a
//! shared machine) gives the same count on every run:
//!
//! ```text
//! cargo build --release --example evalcount
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/evalcount safecalc-one-shot tiny 10000
//! ```
//!
//! `scripts/evalcount.sh` runs it twice (N and 2N) and prints the
//! difference / N: instructions per call, without start-up costs.
//! Evaluators: safecalc-parse, safecalc-evaluate, safecalc-one-shot,
//! fasteval, evalexpr, meval.
//!
//! Two more modes serve `scripts/bench_python_peers.py`, which times the
//! Python evaluators on the same cases in the same run: `evalcount --list`
//! prints the cases (`name<TAB>setup lines joined by ';'<TAB>line<TAB>repr`),
//! and `evalcount --time CASE SECONDS` prints safecalc's one-shot time per
//! call in nanoseconds (the median of five timed batches).

use std::hint::black_box;

use safecalc::calc::{self, Limits, Session, Statement};

#[path = "../benches/suite/cases.rs"]
mod cases;
use cases::Peer;

fn fasteval_eval(line: &str) -> f64 {
    use fasteval::{Evaler, Parser, Slab};
    let mut slab = Slab::new();
    let parser = Parser {
        expr_len_limit: fasteval::parser::DEFAULT_EXPR_LEN_LIMIT,
        expr_depth_limit: 64,
    };
    let expr = parser.parse_noclear(line, &mut slab.ps).unwrap();
    slab.ps
        .get_expr(expr)
        .eval(&slab, &mut fasteval::EmptyNamespace)
        .unwrap()
}

/// evalexpr's one-shot `eval`, its number (or its boolean as 1 or 0), as
/// `benches/evaluators.rs` runs it.
fn evalexpr_eval(line: &str) -> f64 {
    match evalexpr::eval(line).unwrap() {
        evalexpr::Value::Boolean(b) => f64::from(u8::from(b)),
        other => other.as_number().unwrap(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--list") => return list(),
        Some("--time") => return time(&args[2..]),
        _ => {}
    }
    let [_, evaluator, case_name, runs] = &args[..] else {
        eprintln!("usage: evalcount EVALUATOR CASE RUNS");
        std::process::exit(2);
    };
    let runs: u64 = runs.parse().unwrap();
    let case = cases::cases()
        .into_iter()
        .find(|c| c.name == case_name)
        .unwrap_or_else(|| panic!("no case {case_name}"));
    let mut session = Session::new();
    for line in case.setup {
        session.eval(line).unwrap();
    }
    let line = case.safecalc.as_str();
    let check = |v: f64| assert!((v - case.value).abs() <= 1e-9 * case.value.abs(), "{v}");
    let peer_line = |p: &Peer| match p {
        Peer::Runs(l) => l.clone(),
        Peer::Skip(why) => {
            eprintln!("{evaluator} skips {case_name}: {why}");
            std::process::exit(3);
        }
    };
    match evaluator.as_str() {
        "safecalc-parse" => {
            // Checked once, as the benches do.
            let value = if case.setup.is_empty() {
                calc::eval(line)
            } else {
                session.eval(line)
            };
            assert_eq!(value.unwrap().to_string(), case.repr);
            for _ in 0..runs {
                black_box(calc::parse(black_box(line)).unwrap());
            }
        }
        "safecalc-evaluate" => {
            let statement = calc::parse(line).unwrap();
            let Statement::Expr(expr) = &statement else {
                panic!()
            };
            for _ in 0..runs {
                if case.setup.is_empty() {
                    black_box(calc::evaluate(black_box(expr), &Limits::DEFAULT).unwrap());
                } else {
                    black_box(session.execute(black_box(&statement)).unwrap());
                }
            }
        }
        "safecalc-one-shot" => {
            for _ in 0..runs {
                if case.setup.is_empty() {
                    black_box(calc::eval(black_box(line)).unwrap());
                } else {
                    black_box(session.eval(black_box(line)).unwrap());
                }
            }
        }
        "fasteval" => {
            let l = peer_line(&case.fasteval);
            check(fasteval_eval(&l));
            for _ in 0..runs {
                black_box(fasteval_eval(black_box(&l)));
            }
        }
        "evalexpr" => {
            let l = peer_line(&case.evalexpr);
            check(evalexpr_eval(&l));
            for _ in 0..runs {
                black_box(evalexpr_eval(black_box(&l)));
            }
        }
        "meval" => {
            let l = peer_line(&case.meval);
            check(meval::eval_str(&l).unwrap());
            for _ in 0..runs {
                black_box(meval::eval_str(black_box(&l)).unwrap());
            }
        }
        other => panic!("unknown evaluator {other}"),
    }
}

/// `--list`: the cases, one per line, for other harnesses.
fn list() {
    for case in cases::cases() {
        println!(
            "{}\t{}\t{}\t{}",
            case.name,
            case.setup.join(";"),
            case.safecalc,
            case.repr
        );
    }
}

/// `--time CASE SECONDS`: safecalc's one-shot time per call, in
/// nanoseconds, the median of five batches of about `SECONDS / 5` each.
fn time(args: &[String]) {
    let [case_name, seconds] = args else {
        eprintln!("usage: evalcount --time CASE SECONDS");
        std::process::exit(2);
    };
    let seconds: f64 = seconds.parse().unwrap_or(1.0);
    let case = cases::cases()
        .into_iter()
        .find(|c| c.name == case_name)
        .unwrap_or_else(|| panic!("no case {case_name}"));
    let mut session = Session::new();
    for line in case.setup {
        session.eval(line).unwrap();
    }
    let line = case.safecalc.as_str();
    let mut run = || {
        if case.setup.is_empty() {
            black_box(calc::eval(black_box(line)).unwrap());
        } else {
            black_box(session.eval(black_box(line)).unwrap());
        }
    };
    // Calls per batch: about a fifth of the time asked for.
    let start = std::time::Instant::now();
    let mut calibration = 0u64;
    while start.elapsed().as_secs_f64() < 0.05 {
        run();
        calibration += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / calibration as f64;
    let batch = ((seconds / 5.0) / per_call).max(1.0) as u64;
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..batch {
                run();
            }
            start.elapsed().as_secs_f64() * 1e9 / batch as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("{:.1}", times[2]);
}
