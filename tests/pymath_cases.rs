//! `safecalc::calc::pymath` against CPython 3.11's `math` module.
//!
//! `tests/data/math_cases.tsv` holds CPython's answers (results as
//! `float.hex()` or exact ints, exceptions as class and message) for over
//! 200,000 calls: hand-picked edges, every call shape, and random blocks
//! whose inputs are drawn by the same generator here as in
//! `scripts/gen_math_cases.py` (which documents the notation). Every row
//! must agree exactly, and on every row the call's [`Cost`] must bound the
//! result's size and the work actually done.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};
use proptest::prelude::*;
use safecalc::calc::pymath::{self, Arg, Cost, Integer, MathError, MathValue};

const FIXTURE: &str = include_str!("data/math_cases.tsv");

/// The fixture must be big enough that the test cannot pass vacuously.
const MIN_CASES: usize = 200_000;

/// How many mismatches to print in full.
const SHOW: usize = 40;

// ---------------------------------------------------------------------
// Values: an owned argument tree, and its conversion to `Arg`.
// ---------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Val {
    Int(BigInt),
    Bool(bool),
    Float(f64),
    Other(String),
    Seq(String, Vec<Val>),
}

/// A call: positional arguments and keyword arguments.
#[derive(Debug, Clone, Default)]
struct Args {
    positional: Vec<Val>,
    keywords: Vec<(String, Val)>,
}

/// How ints are handed over: as machine words where they fit (what a
/// caller normally does), or always as big integers (which it may do too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ints {
    Small,
    Big,
}

fn scalar(v: &Val, ints: Ints) -> Arg<'_> {
    match v {
        Val::Int(b) => match b.to_i64() {
            Some(i) if ints == Ints::Small => Arg::Small(i),
            _ => Arg::Big(b),
        },
        Val::Bool(b) => Arg::Bool(*b),
        Val::Float(x) => Arg::Float(*x),
        Val::Other(name) => Arg::Other(name),
        Val::Seq(..) => panic!("nested sequences are not used by the fixture"),
    }
}

/// Runs `f` on the call's arguments as `Arg`s (sequences one level deep).
fn with_args<R>(args: &Args, ints: Ints, f: impl FnOnce(&[Arg<'_>], &[(&str, Arg<'_>)]) -> R) -> R {
    let all: Vec<&Val> = args
        .positional
        .iter()
        .chain(args.keywords.iter().map(|(_, v)| v))
        .collect();
    let inner: Vec<Vec<Arg<'_>>> = all
        .iter()
        .map(|v| match v {
            Val::Seq(_, items) => items.iter().map(|v| scalar(v, ints)).collect(),
            _ => Vec::new(),
        })
        .collect();
    let converted: Vec<Arg<'_>> = all
        .iter()
        .zip(&inner)
        .map(|(v, items)| match v {
            Val::Seq(name, _) => Arg::Seq(name, items),
            other => scalar(other, ints),
        })
        .collect();
    let (positional, keyword_values) = converted.split_at(args.positional.len());
    let keywords: Vec<(&str, Arg<'_>)> = args
        .keywords
        .iter()
        .zip(keyword_values)
        .map(|((k, _), v)| (k.as_str(), *v))
        .collect();
    f(positional, &keywords)
}

// ---------------------------------------------------------------------
// The fixture's notation
// ---------------------------------------------------------------------

/// A float in `float.hex()` form, or `inf`/`-inf`/`nan`/`-nan`.
fn parse_hex_float(text: &str) -> f64 {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match body {
        "inf" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            let body = body
                .strip_prefix("0x")
                .unwrap_or_else(|| panic!("bad hex float {text}"));
            let (mantissa, exponent) = body.split_once('p').unwrap();
            let (lead, fraction) = mantissa.split_once('.').unwrap();
            let exponent: i32 = exponent.parse().unwrap();
            let fraction =
                u64::from_str_radix(fraction, 16).unwrap() << (4 * (13 - fraction.len()));
            match lead {
                "1" => f64::from_bits((((exponent + 1023) as u64) << 52) | fraction),
                "0" if fraction == 0 => 0.0,
                "0" => {
                    assert_eq!(exponent, -1022, "{text}");
                    f64::from_bits(fraction)
                }
                _ => panic!("bad hex float {text}"),
            }
        }
    };
    if negative { -magnitude } else { magnitude }
}

/// Python's `float.hex()`, with the sign of NaN kept.
fn hex_float(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0x0.0p+0");
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (lead, exponent) = if biased == 0 {
        (0, -1022)
    } else {
        (1, biased - 1023)
    };
    format!("{sign}0x{lead}.{fraction:013x}p{exponent:+}")
}

fn parse_int(text: &str) -> BigInt {
    // `[-]B^E[+-C]`, or decimal.
    let Some((base, rest)) = text.trim_start_matches('-').split_once('^') else {
        return text.parse().unwrap_or_else(|_| panic!("bad int {text}"));
    };
    let split = rest.find(['+', '-']).unwrap_or(rest.len());
    let (exponent, offset) = rest.split_at(split);
    let base: BigInt = base.parse().unwrap();
    let mut value = num_traits::pow(base, exponent.parse().unwrap());
    if !offset.is_empty() {
        value += offset.trim_start_matches('+').parse::<BigInt>().unwrap();
    }
    if text.starts_with('-') { -value } else { value }
}

/// Parses a space-separated run of values; `name=VALUE` is a keyword.
fn parse_args(text: &str) -> Args {
    let mut args = Args::default();
    let mut tokens = text.split(' ').filter(|t| !t.is_empty()).peekable();
    while let Some(token) = tokens.next() {
        let (keyword, token) = match token.split_once('=') {
            Some((k, v)) => (Some(k.to_string()), v),
            None => (None, token),
        };
        let value = if let Some(name) = token.strip_suffix('[') {
            let mut items = Vec::new();
            for t in tokens.by_ref() {
                if t == "]" {
                    break;
                }
                items.push(parse_scalar(t));
            }
            Val::Seq(name.to_string(), items)
        } else {
            parse_scalar(token)
        };
        match keyword {
            Some(k) => args.keywords.push((k, value)),
            None => args.positional.push(value),
        }
    }
    args
}

fn parse_scalar(token: &str) -> Val {
    let (tag, body) = token
        .split_once(':')
        .unwrap_or_else(|| panic!("bad token {token}"));
    match tag {
        "i" => Val::Int(parse_int(body)),
        "b" => Val::Bool(body == "True"),
        "f" if body.contains("0x") || body.ends_with("inf") || body.ends_with("nan") => {
            Val::Float(parse_hex_float(body))
        }
        "f" => Val::Float(body.parse().unwrap_or_else(|_| panic!("bad float {token}"))),
        "o" => Val::Other(body.to_string()),
        _ => panic!("bad token {token}"),
    }
}

/// A result in the fixture's notation.
fn describe(result: &Result<MathValue, MathError>) -> String {
    match result {
        Ok(MathValue::Float(x)) => format!("f:{}", hex_float(*x)),
        Ok(MathValue::Int(i)) => format!("i:{i}"),
        Ok(MathValue::Bool(b)) => format!("b:{}", if *b { "True" } else { "False" }),
        Ok(MathValue::FloatPair(a, b)) => format!("( f:{} f:{} )", hex_float(*a), hex_float(*b)),
        Ok(MathValue::FloatInt(a, e)) => format!("( f:{} i:{e} )", hex_float(*a)),
        Err(e) => format!("!{}: {}", e.class.name(), e),
    }
}

// ---------------------------------------------------------------------
// The random generators (mirroring scripts/gen_math_cases.py)
// ---------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn int_in(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

#[derive(Debug, Clone)]
enum Spec {
    Float { lo: i64, hi: i64, signed: bool },
    Uniform(i64, i64),
    NearInt(i64, i64),
    Range(i64, i64),
    Int { bits: u64, signed: bool },
    Special,
    Either(Box<Spec>, Box<Spec>),
    List(i64, Box<Spec>),
    Near,
}

fn parse_spec(text: &str) -> Spec {
    let mut pos = 0;
    let spec = spec_at(text.as_bytes(), &mut pos);
    assert_eq!(pos, text.len(), "trailing text in spec {text}");
    spec
}

fn spec_at(text: &[u8], pos: &mut usize) -> Spec {
    let number = |pos: &mut usize| {
        let start = *pos;
        if text[*pos] == b'-' {
            *pos += 1;
        }
        while *pos < text.len() && text[*pos].is_ascii_digit() {
            *pos += 1;
        }
        std::str::from_utf8(&text[start..*pos])
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let expect = |pos: &mut usize, c: u8| {
        assert_eq!(
            text[*pos],
            c,
            "spec {:?} at {}",
            std::str::from_utf8(text),
            *pos
        );
        *pos += 1;
    };
    if text[*pos..].starts_with(b"NEAR") {
        *pos += 4;
        return Spec::Near;
    }
    let kind = text[*pos];
    *pos += 1;
    if kind == b'S' {
        return Spec::Special;
    }
    expect(pos, b'(');
    let spec = match kind {
        b'F' | b'P' | b'U' | b'G' | b'R' => {
            let a = number(pos);
            expect(pos, b',');
            let b = number(pos);
            match kind {
                b'F' => Spec::Float {
                    lo: a,
                    hi: b,
                    signed: true,
                },
                b'P' => Spec::Float {
                    lo: a,
                    hi: b,
                    signed: false,
                },
                b'U' => Spec::Uniform(a, b),
                b'G' => Spec::NearInt(a, b),
                _ => Spec::Range(a, b),
            }
        }
        b'I' | b'N' => Spec::Int {
            bits: number(pos) as u64,
            signed: kind == b'I',
        },
        b'M' => {
            let a = spec_at(text, pos);
            expect(pos, b'|');
            let b = spec_at(text, pos);
            Spec::Either(Box::new(a), Box::new(b))
        }
        b'L' => {
            let n = number(pos);
            expect(pos, b',');
            Spec::List(n, Box::new(spec_at(text, pos)))
        }
        other => panic!("unknown generator {}", other as char),
    };
    expect(pos, b')');
    spec
}

const SPECIALS: [f64; 15] = [
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.0,
    -1.0,
    0.5,
    2.0,
    f64::MAX,
    -f64::MAX,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -f64::NAN,
];

fn float_from(sign: u64, e: i64, mantissa: u64) -> f64 {
    if e >= -1022 {
        f64::from_bits((sign << 63) | (((e + 1023) as u64) << 52) | mantissa)
    } else {
        f64::from_bits((sign << 63) | (((1 << 52) | mantissa) >> (-1022 - e)))
    }
}

fn draw(rng: &mut Rng, spec: &Spec, prev: Option<&Val>) -> Val {
    match spec {
        Spec::Float { lo, hi, signed } => {
            let sign = if *signed { rng.next() >> 63 } else { 0 };
            let e = rng.int_in(*lo, *hi);
            let mantissa = rng.next() >> 12;
            Val::Float(float_from(sign, e, mantissa))
        }
        Spec::Uniform(a, b) => {
            let t = (rng.next() >> 11) as f64 * 2f64.powi(-53);
            Val::Float(*a as f64 + (*b - *a) as f64 * t)
        }
        Spec::NearInt(lo, hi) => {
            let n = rng.int_in(*lo, *hi);
            let k = rng.int_in(1, 52);
            let sign = if rng.next() >> 63 == 1 { -1.0 } else { 1.0 };
            Val::Float(n as f64 + sign * 2f64.powi(-k as i32))
        }
        Spec::Range(lo, hi) => Val::Int(BigInt::from(rng.int_in(*lo, *hi))),
        Spec::Int { bits, signed } => {
            let nb = rng.below(bits + 1);
            let mut value = BigInt::zero();
            for i in 0..nb.div_ceil(64) {
                value |= BigInt::from(rng.next()) << (64 * i);
            }
            if nb > 0 {
                value = (value & ((BigInt::one() << nb) - 1)) | (BigInt::one() << (nb - 1));
            }
            if *signed && rng.next() >> 63 == 1 {
                value = -value;
            }
            Val::Int(value)
        }
        Spec::Special => {
            if rng.next() >> 63 == 1 {
                Val::Float(SPECIALS[rng.below(SPECIALS.len() as u64) as usize])
            } else {
                draw(
                    rng,
                    &Spec::Float {
                        lo: -1074,
                        hi: 1023,
                        signed: true,
                    },
                    prev,
                )
            }
        }
        Spec::Either(a, b) => {
            let pick = if rng.next() >> 63 == 1 { a } else { b };
            draw(rng, pick, prev)
        }
        Spec::List(n, item) => {
            let len = rng.int_in(0, *n);
            let items = (0..len).map(|_| draw(rng, item, None)).collect();
            Val::Seq("list".into(), items)
        }
        Spec::Near => {
            let Some(Val::Float(p)) = prev else {
                panic!("NEAR needs a float before it")
            };
            let k = rng.int_in(1, 40);
            let sign = if rng.next() >> 63 == 1 { -1.0 } else { 1.0 };
            Val::Float(p + p * sign * 2f64.powi(-k as i32))
        }
    }
}

/// The generators' check hash (see the script).
fn fold(h: u64, v: &Val) -> u64 {
    let mix = |h: u64, x: u64| (h ^ x).wrapping_mul(0x0000_0100_0000_01B3);
    match v {
        Val::Seq(_, items) => items.iter().fold(mix(h, items.len() as u64), fold),
        Val::Float(x) => mix(h, x.to_bits()),
        Val::Int(i) => {
            let low = (i & BigInt::from(u64::MAX)).to_u64().unwrap_or(0);
            mix(mix(h, low), i.bits())
        }
        Val::Bool(_) | Val::Other(_) => panic!("generators make no bools or others"),
    }
}

// ---------------------------------------------------------------------
// The fixture's cases
// ---------------------------------------------------------------------

struct Case {
    line: usize,
    /// Whether the row's inputs are written out (not drawn by a generator).
    explicit: bool,
    function: String,
    args: Args,
    expected: String,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut lines = FIXTURE.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields[0] == "@random" {
            let [_, function, spec, seed, count, check] = fields[..] else {
                panic!("line {}: bad random header", i + 1);
            };
            let specs: Vec<Spec> = spec.split(';').map(parse_spec).collect();
            let mut rng = Rng(seed.parse().unwrap());
            let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
            for _ in 0..count.parse::<usize>().unwrap() {
                let (j, expected) = lines.next().expect("random block cut short");
                let mut args = Args::default();
                for spec in &specs {
                    let v = draw(&mut rng, spec, args.positional.last());
                    hash = fold(hash, &v);
                    args.positional.push(v);
                }
                // Float results are written bare in random blocks.
                let tagged = expected.starts_with('!')
                    || expected.starts_with('(')
                    || expected.contains(':');
                let expected = if tagged {
                    expected.to_string()
                } else {
                    format!("f:{expected}")
                };
                cases.push(Case {
                    line: j + 1,
                    explicit: false,
                    function: function.to_string(),
                    args,
                    expected,
                });
            }
            assert_eq!(
                format!("{hash:016x}"),
                check,
                "line {}: the generator drew other inputs than the script's (spec {spec})",
                i + 1
            );
        } else {
            let [function, args, expected] = fields[..] else {
                panic!("line {}: expected 3 fields", i + 1);
            };
            cases.push(Case {
                line: i + 1,
                explicit: true,
                function: function.to_string(),
                args: parse_args(args),
                expected: expected.to_string(),
            });
        }
    }
    cases
}

/// Bits of the largest int in a result.
fn result_bits(value: &MathValue) -> u64 {
    match value {
        MathValue::Int(i) => i.bits(),
        _ => 0,
    }
}

/// What running one call gives: the outcome, its cost and the counted
/// work (`None` when `prepare` refused the call).
fn run(
    function: &str,
    args: &Args,
    ints: Ints,
) -> (Result<MathValue, MathError>, Option<(Cost, u64)>) {
    with_args(args, ints, |positional, keywords| {
        match pymath::prepare(function, positional, keywords) {
            Err(e) => (Err(e), None),
            Ok(call) => {
                let cost = call.cost();
                let (result, work) = call.run_counted();
                (result, Some((cost, work)))
            }
        }
    })
}

fn show_args(args: &Args) -> String {
    let mut text = format!("{:?}", args.positional);
    if !args.keywords.is_empty() {
        let _ = write!(text, " {:?}", args.keywords);
    }
    if text.len() > 300 {
        text.truncate(300);
        text.push_str("...");
    }
    text
}

#[test]
fn every_case_agrees_with_cpython_and_its_cost() {
    let cases = cases();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} cases; regenerate with python3 scripts/gen_math_cases.py",
        cases.len()
    );
    let mut per_function: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut bad_costs = Vec::new();
    // Every row as a caller would pass it; the explicit rows once more with
    // every int as a big integer.
    let runs = cases
        .iter()
        .map(|c| (c, Ints::Small))
        .chain(cases.iter().filter(|c| c.explicit).map(|c| (c, Ints::Big)));
    for (case, ints) in runs {
        let (result, cost) = run(&case.function, &case.args, ints);
        let got = describe(&result);
        let entry = per_function.entry(case.function.as_str()).or_default();
        entry.0 += 1;
        if got != case.expected {
            entry.1 += 1;
            mismatches.push(format!(
                "line {} ({ints:?} ints): {}{}\n    CPython: {}\n    pymath:  {}",
                case.line,
                case.function,
                show_args(&case.args),
                case.expected,
                got
            ));
        }
        if let (Some((cost, work)), Ok(value)) = (cost, &result)
            && (cost.result_bits < result_bits(value) || cost.work < work)
        {
            bad_costs.push(format!(
                "line {}: {}{}: estimated {cost:?}, actual {} bits, {work} work",
                case.line,
                case.function,
                show_args(&case.args),
                result_bits(value)
            ));
        }
    }
    let mut report = String::from("rows (mismatches) per function:\n");
    for (function, (rows, bad)) in &per_function {
        let _ = writeln!(report, "  {function:<10} {rows:>6} ({bad})");
    }
    println!("{report}");
    assert_eq!(per_function.len(), 55, "every function must be covered");
    if !mismatches.is_empty() {
        panic!(
            "{} of {} cases differ from CPython 3.11:\n{}\n{report}",
            mismatches.len(),
            cases.len(),
            mismatches
                .iter()
                .take(SHOW)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        bad_costs.is_empty(),
        "{} estimates below the actual:\n{}",
        bad_costs.len(),
        bad_costs
            .iter()
            .take(SHOW)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------------
// The estimators, beyond the fixture
// ---------------------------------------------------------------------

/// Prepares, costs and runs `math.NAME(*args)` on ints; returns the
/// estimate, the result's bits and the counted work.
fn measure(name: &str, args: &[BigInt]) -> (Cost, u64, u64) {
    let args: Vec<Arg<'_>> = args.iter().map(Arg::Big).collect();
    let call = pymath::prepare(name, &args, &[]).unwrap();
    let cost = call.cost();
    let (result, work) = call.run_counted();
    let bits = match result.unwrap() {
        MathValue::Int(i) => i.bits(),
        other => panic!("{name} gave {other:?}"),
    };
    (cost, bits, work)
}

fn assert_bounded(name: &str, args: &[BigInt]) -> (Cost, u64, u64) {
    let (cost, bits, work) = measure(name, args);
    assert!(
        cost.result_bits >= bits,
        "{name}{args:?}: {cost:?} < {bits} bits"
    );
    assert!(cost.work >= work, "{name}{args:?}: {cost:?} < {work} work");
    (cost, bits, work)
}

#[test]
fn comb_and_perm_estimates_bound_every_small_case() {
    for n in 0..=160i64 {
        for k in 0..=n + 1 {
            let args = [BigInt::from(n), BigInt::from(k)];
            assert_bounded("comb", &args);
            assert_bounded("perm", &args);
        }
    }
}

#[test]
fn factorial_estimates_bound_every_case_up_to_3000() {
    for n in 0..=3000i64 {
        assert_bounded("factorial", &[BigInt::from(n)]);
    }
}

/// Refusing a huge call costs only the estimate: these would take hours
/// (or more memory than exists) to compute.
#[test]
fn huge_calls_are_priced_without_computing() {
    let big = |s: &str| s.parse::<BigInt>().unwrap();
    for (name, args) in [
        ("factorial", vec![big("1000000")]),
        ("factorial", vec![big("9223372036854775807")]),
        ("comb", vec![big("1000000"), big("500000")]),
        (
            "comb",
            vec![big("9223372036854775807"), big("4611686018427387903")],
        ),
        ("perm", vec![big("1000000"), big("500000")]),
        ("comb", vec![BigInt::one() << 10_000u32, big("1000")]),
        ("isqrt", vec![BigInt::one() << 10_000_000u32]),
        (
            "lcm",
            vec![
                (BigInt::one() << 100_000u32) + 1,
                (BigInt::one() << 100_000u32) - 1,
            ],
        ),
    ] {
        let args: Vec<Arg<'_>> = args.iter().map(Arg::Big).collect();
        let cost = pymath::prepare(name, &args, &[]).unwrap().cost();
        assert!(
            cost.result_bits > 300_000 || cost.work > 100_000_000,
            "{name}: {cost:?} should be refused by any sane limit"
        );
    }
}

fn int_strategy(max_bits: u32) -> impl Strategy<Value = BigInt> {
    (0..=max_bits, any::<[u64; 8]>(), any::<bool>()).prop_map(move |(bits, words, negative)| {
        let mut value = BigInt::zero();
        for (i, w) in words.iter().enumerate() {
            value |= BigInt::from(*w) << (64 * i);
        }
        let value: BigInt = value & ((BigInt::one() << bits) - 1);
        if negative { -value } else { value }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn comb_perm_estimates_never_under(n in 0u64..4000, k in 0u64..4000) {
        let args = [BigInt::from(n), BigInt::from(k)];
        assert_bounded("comb", &args);
        assert_bounded("perm", &args);
    }

    #[test]
    fn comb_perm_of_huge_n_estimates_never_under(n in int_strategy(400), k in 0u64..60) {
        let args = [n.abs(), BigInt::from(k)];
        assert_bounded("comb", &args);
        assert_bounded("perm", &args);
    }

    #[test]
    fn isqrt_estimates_never_under(n in int_strategy(512)) {
        assert_bounded("isqrt", &[n.abs()]);
    }

    #[test]
    fn gcd_lcm_estimates_never_under(a in int_strategy(512), b in int_strategy(512), c in int_strategy(100)) {
        assert_bounded("gcd", &[a.clone(), b.clone(), c.clone()]);
        assert_bounded("lcm", &[a, b, c]);
    }

    #[test]
    fn prod_estimates_never_under(items in prop::collection::vec(int_strategy(300), 0..12)) {
        let args: Vec<Arg<'_>> = items.iter().map(Arg::Big).collect();
        let list = [Arg::Seq("list", &args)];
        let call = pymath::prepare("prod", &list, &[]).unwrap();
        let cost = call.cost();
        let (result, work) = call.run_counted();
        let bits = match result.unwrap() {
            MathValue::Int(i) => i.bits(),
            other => panic!("{other:?}"),
        };
        prop_assert!(cost.result_bits >= bits && cost.work >= work, "{cost:?} {bits} {work}");
    }
}

/// How far over the estimates are on big inputs, where a limit bites:
/// printed, and held to the factors the module documents.
#[test]
fn estimates_are_not_wildly_over() {
    let mut report = String::new();
    let mut worst: f64 = 0.0;
    let mut check = |label: String, (cost, bits, work): (Cost, u64, u64)| {
        let bit_ratio = cost.result_bits as f64 / bits.max(1) as f64;
        let work_ratio = cost.work as f64 / work.max(1) as f64;
        let _ = writeln!(
            report,
            "  {label:<28} bits x{bit_ratio:.3}  work x{work_ratio:.2}"
        );
        assert!(bit_ratio < 1.25, "{label}: {bit_ratio}");
        worst = worst.max(work_ratio);
    };
    for n in [1000u64, 3000, 10_000, 30_000] {
        check(
            format!("factorial({n})"),
            assert_bounded("factorial", &[BigInt::from(n)]),
        );
    }
    for (n, k) in [
        (2000u64, 1000u64),
        (10_000, 5000),
        (30_000, 15_000),
        (100_000, 200),
        (10_000, 2000),
    ] {
        check(
            format!("comb({n}, {k})"),
            assert_bounded("comb", &[BigInt::from(n), BigInt::from(k)]),
        );
        check(
            format!("perm({n}, {k})"),
            assert_bounded("perm", &[BigInt::from(n), BigInt::from(k)]),
        );
    }
    for bits in [1000u32, 10_000, 100_000] {
        let n = (BigInt::one() << bits) - 12345;
        check(
            format!("isqrt(2**{bits} - 12345)"),
            assert_bounded("isqrt", &[n]),
        );
    }
    println!("estimate / actual on big inputs:\n{report}");
    assert!(
        worst < 8.0,
        "an estimate is {worst:.1} times the counted work:\n{report}"
    );
}

#[test]
fn integer_results_are_normalised() {
    // Big never holds a machine word, so results compare by value.
    let r = pymath::call("comb", &[Arg::Small(10), Arg::Small(3)], &[]).unwrap();
    assert_eq!(r, MathValue::Int(Integer::Small(120)));
}
