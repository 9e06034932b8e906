//! The named suite of expressions shared by `benches/evaluators.rs` and
//! `examples/evalcount.rs` (which counts instructions under callgrind).
//!
//! Each case is written once in Python syntax for safecalc, and once per
//! peer crate in that crate's own syntax, when the peer can express it:
//! the peers spell power `^`, evalexpr divides integers as integers (so a
//! true division is written with a float operand), fasteval has no `sqrt`.
//! A peer that cannot express a case has `None` and is skipped (and the
//! benchmark prints why). Every spelling is checked against the expected
//! value before anything is timed.

/// One named expression and its expected value.
pub struct Case {
    pub name: &'static str,
    /// The line for safecalc (Python syntax).
    pub safecalc: String,
    /// Python's `repr` of the result, as safecalc prints it.
    pub repr: String,
    /// The result as an `f64`, for the peers (which compute in `f64`).
    pub value: f64,
    /// Session variables the line needs (`name = expr` lines run first).
    pub setup: &'static [&'static str],
    pub fasteval: Peer,
    pub evalexpr: Peer,
    pub meval: Peer,
}

/// A peer's spelling of a case, or why it cannot run it.
pub enum Peer {
    Runs(String),
    Skip(&'static str),
}

/// `(` x50 `1` `+1)` x50: nesting depth 50, value 51.
fn nested(depth: usize) -> String {
    format!("{}1{}", "(".repeat(depth), "+1)".repeat(depth))
}

/// `1+2+...+n`.
fn sum(n: usize) -> String {
    (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join("+")
}

/// The slowest 4 KiB line we found against the default limits (see
/// `examples/worst_lines.rs`): the maximum of 1,000 references to a
/// 4,296-digit integer. It runs in a session where `x = 9**4500`.
pub fn worst_line() -> String {
    let mut s = String::from("max(x");
    while s.len() + 3 <= 4000 {
        s.push_str(",x");
    }
    s.push(')');
    s
}

/// `sorted([...])` of 100 numbers below 1000, in no order (a fixed
/// multiplicative sequence), and the sorted list's repr.
fn sorted_100() -> (String, String) {
    let items: Vec<u64> = (0..100u64).map(|i| (i * 7919 + 13) % 1000).collect();
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    let mut sorted = items.clone();
    sorted.sort_unstable();
    (
        format!("sorted([{}])", join(&items)),
        format!("[{}]", join(&sorted)),
    )
}

/// `9**4500` in decimal, computed the schoolbook way (so that the check
/// does not trust safecalc's own power routine).
fn python_9_pow_4500() -> String {
    // Little-endian base-10^9 limbs.
    let mut limbs: Vec<u64> = vec![1];
    for _ in 0..4500 {
        let mut carry = 0;
        for limb in &mut limbs {
            let v = *limb * 9 + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let mut s = limbs.last().map(|l| l.to_string()).unwrap_or_default();
    for limb in limbs.iter().rev().skip(1) {
        s.push_str(&format!("{limb:09}"));
    }
    s
}

pub fn cases() -> Vec<Case> {
    use Peer::{Runs, Skip};
    let same = |s: &str| Runs(s.to_string());
    let py_pow = |s: &str| Runs(s.replace("**", "^"));
    const BIG: &str = "needs exact integers beyond 2**53 (the peers compute in f64)";
    const BITWISE: &str = "has no bitwise operators";
    const COMPLEX: &str = "has no complex numbers";
    const COMPREHENSION: &str = "has no comprehensions, ranges or sequences";
    const NO_COMPARISON: &str = "has no comparison or boolean operators";
    let (sorted_line, sorted_repr) = sorted_100();
    const WORST: &str = "safecalc's own worst case: exact 4,296-digit integers";
    vec![
        Case {
            name: "tiny",
            safecalc: "1+2".into(),
            repr: "3".into(),
            value: 3.0,
            setup: &[],
            fasteval: same("1+2"),
            evalexpr: same("1+2"),
            meval: same("1+2"),
        },
        Case {
            name: "mixed",
            safecalc: "2*(3+4)-5/2".into(),
            repr: "11.5".into(),
            value: 11.5,
            setup: &[],
            fasteval: same("2*(3+4)-5/2"),
            // evalexpr's `/` on two ints truncates: make it a float division.
            evalexpr: same("2*(3+4)-5.0/2"),
            meval: same("2*(3+4)-5/2"),
        },
        Case {
            name: "float_heavy",
            safecalc: "((1.5+2.25)*3-4/8)**2".into(),
            repr: "115.5625".into(),
            value: 115.5625,
            setup: &[],
            fasteval: py_pow("((1.5+2.25)*3-4/8)**2"),
            evalexpr: py_pow("((1.5+2.25)*3-4.0/8)**2"),
            meval: py_pow("((1.5+2.25)*3-4/8)**2"),
        },
        Case {
            name: "sum_200",
            safecalc: sum(200),
            repr: "20100".into(),
            value: 20100.0,
            setup: &[],
            fasteval: Runs(sum(200)),
            evalexpr: Runs(sum(200)),
            meval: Runs(sum(200)),
        },
        Case {
            name: "nested_50",
            safecalc: nested(50),
            repr: "51".into(),
            value: 51.0,
            setup: &[],
            // fasteval's default depth limit is 32; the bench raises it.
            fasteval: Runs(nested(50)),
            evalexpr: Runs(nested(50)),
            meval: Runs(nested(50)),
        },
        Case {
            name: "functions",
            safecalc: "sqrt(16)+abs(-3)*max(1,2)".into(),
            repr: "10.0".into(),
            value: 10.0,
            setup: &[],
            // fasteval has no sqrt: the same value as a power.
            fasteval: same("16^0.5+abs(-3)*max(1,2)"),
            evalexpr: same("math::sqrt(16)+math::abs(-3)*max(1,2)"),
            meval: same("sqrt(16)+abs(-3)*max(1,2)"),
        },
        Case {
            name: "big_ints",
            safecalc: "2**200 // 3**50".into(),
            repr: "2238393297946874000179418290327143433".into(),
            value: 0.0,
            setup: &[],
            fasteval: Skip(BIG),
            evalexpr: Skip(BIG),
            meval: Skip(BIG),
        },
        Case {
            name: "compare_and",
            safecalc: "1 < 2 < 3 and 4 >= 3 != 5".into(),
            repr: "True".into(),
            value: 1.0,
            setup: &[],
            // The peers do not chain comparisons: the same tests, spelled
            // out (their `true` is 1).
            fasteval: same("1 < 2 && 2 < 3 && 4 >= 3 && 3 != 5"),
            evalexpr: same("1 < 2 && 2 < 3 && 4 >= 3 && 3 != 5"),
            meval: Skip(NO_COMPARISON),
        },
        Case {
            name: "bitwise",
            safecalc: "(0xF0F0 & 0x0FF0 | 1 << 10) >> 3 & ~7".into(),
            repr: "152".into(),
            value: 152.0,
            setup: &[],
            fasteval: Skip(BITWISE),
            evalexpr: Skip(BITWISE),
            meval: Skip(BITWISE),
        },
        Case {
            name: "complex",
            safecalc: "(1+2j)*(3-4j)/(2+1j) + abs(3+4j)".into(),
            repr: "(9.8-1.4j)".into(),
            value: 0.0,
            setup: &[],
            fasteval: Skip(COMPLEX),
            evalexpr: Skip(COMPLEX),
            meval: Skip(COMPLEX),
        },
        Case {
            name: "gen_sum",
            safecalc: "sum(i*i for i in range(100))".into(),
            repr: "328350".into(),
            value: 328350.0,
            setup: &[],
            fasteval: Skip(COMPREHENSION),
            evalexpr: Skip(COMPREHENSION),
            meval: Skip(COMPREHENSION),
        },
        Case {
            name: "sorted_100",
            safecalc: sorted_line,
            repr: sorted_repr,
            value: 0.0,
            setup: &[],
            fasteval: Skip(COMPREHENSION),
            evalexpr: Skip(COMPREHENSION),
            meval: Skip(COMPREHENSION),
        },
        Case {
            name: "worst_4k",
            safecalc: worst_line(),
            // max(x, x, ...) is x.
            repr: python_9_pow_4500(),
            value: 0.0,
            setup: &["x = 9**4500"],
            fasteval: Skip(WORST),
            evalexpr: Skip(WORST),
            meval: Skip(WORST),
        },
    ]
}
