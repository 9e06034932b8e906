//! safecalc against the evaluators a Rust user would pick instead.
//!
//! One criterion group per named case (see `cases.rs`), holding safecalc's
//! parse, evaluate and one-shot timings and each peer's one-shot timing, so
//! the ratios come from one run. Every spelling is evaluated and checked
//! against the expected value before it is timed, as nom's own benches do.
//!
//! `cargo bench --bench evaluators -- --measurement-time 2` for a quick run.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use safecalc::calc::{self, Limits, Session, Statement};

#[path = "suite/cases.rs"]
mod cases;
use cases::{Case, Peer};

/// fasteval's one-shot `ez_eval`, with the nesting limit raised from 32 to
/// 64 so that the depth-50 case runs (same steps, same cost otherwise).
/// A peer's one-shot evaluation, errors as text.
type PeerEval = fn(&str) -> Result<f64, String>;

fn fasteval_eval(line: &str) -> Result<f64, String> {
    use fasteval::{Evaler, Parser, Slab};
    let mut slab = Slab::new();
    let parser = Parser {
        expr_len_limit: fasteval::parser::DEFAULT_EXPR_LEN_LIMIT,
        expr_depth_limit: 64,
    };
    let expr = parser
        .parse_noclear(line, &mut slab.ps)
        .map_err(|e| e.to_string())?;
    slab.ps
        .get_expr(expr)
        .eval(&slab, &mut fasteval::EmptyNamespace)
        .map_err(|e| e.to_string())
}

/// evalexpr's one-shot `eval`, its number (or its boolean as 1 or 0, for
/// the comparison case).
fn evalexpr_eval(line: &str) -> Result<f64, String> {
    match evalexpr::eval(line).map_err(|e| e.to_string())? {
        evalexpr::Value::Boolean(b) => Ok(f64::from(u8::from(b))),
        other => other.as_number().map_err(|e| e.to_string()),
    }
}

fn meval_eval(line: &str) -> Result<f64, String> {
    meval::eval_str(line).map_err(|e| e.to_string())
}

fn session_for(case: &Case) -> Session {
    let mut session = Session::new();
    for line in case.setup {
        session.eval(line).unwrap();
    }
    session
}

fn check_peer(case: &Case, peer: &str, line: &str, got: Result<f64, String>) {
    let got = got.unwrap_or_else(|e| panic!("{peer} fails on {}: {e:?}", case.name));
    assert!(
        (got - case.value).abs() <= 1e-9 * case.value.abs(),
        "{peer} gives {got} for {line:?}, expected {}",
        case.value
    );
}

fn bench_case(c: &mut Criterion, case: &Case) {
    let line = case.safecalc.as_str();
    let mut session = session_for(case);
    // Check safecalc's answer before timing anything.
    let one_shot = |session: &mut Session| {
        if case.setup.is_empty() {
            calc::eval(line)
        } else {
            session.eval(line)
        }
    };
    let value = one_shot(&mut session).unwrap();
    assert_eq!(value.to_string(), case.repr, "safecalc on {}", case.name);
    let statement = calc::parse(line).unwrap();
    let Statement::Expr(expr) = &statement else {
        panic!("{} is not an expression", case.name)
    };

    let mut group = c.benchmark_group(case.name);
    group.bench_function("safecalc/parse", |b| {
        b.iter(|| calc::parse(black_box(line)).unwrap())
    });
    if case.setup.is_empty() {
        group.bench_function("safecalc/evaluate", |b| {
            b.iter(|| calc::evaluate(black_box(expr), &Limits::DEFAULT).unwrap())
        });
    } else {
        group.bench_function("safecalc/evaluate", |b| {
            b.iter(|| session.execute(black_box(&statement)).unwrap())
        });
    }
    group.bench_function("safecalc/one-shot", |b| {
        b.iter(|| one_shot(&mut session).unwrap())
    });

    let peers: [(&str, &Peer, PeerEval); 3] = [
        ("fasteval", &case.fasteval, fasteval_eval),
        ("evalexpr", &case.evalexpr, evalexpr_eval),
        ("meval", &case.meval, meval_eval),
    ];
    for (peer, spelling, eval) in peers {
        let line = match spelling {
            Peer::Runs(line) => line.as_str(),
            Peer::Skip(why) => {
                eprintln!("{}: skipping {peer}: {why}", case.name);
                continue;
            }
        };
        check_peer(case, peer, line, eval(line));
        group.bench_function(format!("{peer}/one-shot"), |b| {
            b.iter(|| eval(black_box(line)).unwrap())
        });
    }
    group.finish();
}

fn evaluators(c: &mut Criterion) {
    for case in cases::cases() {
        bench_case(c, &case);
    }
}

criterion_group!(benches, evaluators);
criterion_main!(benches);
