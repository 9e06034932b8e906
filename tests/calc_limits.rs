//! Every limit in `Limits`, tested through the public API: no input can
//! overflow the stack, run for long, or grow memory without bound.

#[path = "support/small_stack.rs"]
mod small_stack;
use safecalc::calc::{self, CalcError, Limits, Session};
use small_stack::on_small_stack;

fn nested(kind: &str, depth: usize) -> String {
    match kind {
        "parens" => format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
        "unary" => format!("{}1", "-".repeat(depth)),
        "power" => format!("{}1", "1**".repeat(depth)),
        "call" => format!("{}1{}", "abs(".repeat(depth), ")".repeat(depth)),
        _ => format!("{}1{}", "(-".repeat(depth / 2), ")".repeat(depth / 2)),
    }
}

const KINDS: [&str; 5] = ["parens", "unary", "power", "call", "mixed"];

#[test]
fn nesting_up_to_the_limit_works_on_a_2_mib_stack() {
    on_small_stack(|| {
        let max = Limits::DEFAULT.max_depth;
        assert!(max >= 200, "at least Python's own 200 levels");
        for kind in KINDS {
            let text = nested(kind, max);
            let result = calc::eval(&text);
            assert!(result.is_ok(), "{kind} at depth {max}: {result:?}");
        }
    });
}

#[test]
fn nesting_past_the_limit_is_an_error_for_any_length() {
    on_small_stack(|| {
        let max = Limits::DEFAULT.max_depth;
        for kind in KINDS {
            for depth in [max + 2, 5_000, 12_000] {
                let text = nested(kind, depth);
                let result = calc::eval(&text);
                assert!(
                    matches!(result, Err(CalcError::TooDeep { max: m }) if m == max),
                    "{kind} at depth {depth}: {result:?}"
                );
            }
        }
        // Unbalanced openings alone, the cheapest way to nest.
        let result = calc::eval(&"(".repeat(60_000));
        assert!(matches!(result, Err(CalcError::TooDeep { .. })));
    });
}

#[test]
fn a_raised_depth_limit_is_honoured() {
    let limits = Limits {
        max_depth: 20,
        ..Limits::DEFAULT
    };
    assert!(calc::eval_with_limits(&nested("parens", 20), &limits).is_ok());
    assert!(matches!(
        calc::eval_with_limits(&nested("parens", 21), &limits),
        Err(CalcError::TooDeep { max: 20 })
    ));
}

#[test]
fn long_flat_expressions_do_not_nest() {
    // 10,000 terms: a flat chain, not 10,000 levels of recursion.
    let sum = vec!["1"; 10_000].join("+");
    on_small_stack(move || {
        assert_eq!(calc::eval(&sum).unwrap().to_string(), "10000");
    });
}

/// Huge powers and factorials are refused before any work is done: with a
/// work budget of 100 units, computing even a fraction of them would fail
/// with `TooMuchWork`, so `IntTooLarge` proves the check came first.
#[test]
fn huge_integers_are_refused_before_computing() {
    let stingy = Limits {
        max_work: 100,
        ..Limits::DEFAULT
    };
    for text in [
        "9**9**9**9",
        "10**10**10",
        "factorial(10**6)",
        "2**(2**40)",
        "2**(2**63)",
        "(-3)**100000",
        "7**4**8",
        "factorial(2000)",
        "2**2**2**2**2**2",
    ] {
        let result = calc::eval_with_limits(text, &stingy);
        assert!(
            matches!(result, Err(CalcError::IntTooLarge { max: 4300 })),
            "{text}: {result:?}"
        );
    }
}

#[test]
fn integer_size_limit_is_exact_at_the_boundary() {
    assert!(calc::eval("10**4299").is_ok());
    assert!(matches!(
        calc::eval("10**4300 - 1"), // 10**4300 itself is built first
        Err(CalcError::IntTooLarge { max: 4300 })
    ));
    assert!(calc::eval("10**4299 * 9 + (10**4299 - 1)").is_ok()); // 4,300 nines
    assert!(matches!(
        calc::eval("10**4299 * 10"),
        Err(CalcError::IntTooLarge { max: 4300 })
    ));
    assert!(matches!(
        calc::eval(&"9".repeat(4301)),
        Err(CalcError::IntTooLarge { .. })
    ));
    assert!(calc::eval(&"9".repeat(4300)).is_ok());
    let small = Limits {
        max_int_digits: 10,
        ..Limits::DEFAULT
    };
    assert!(calc::eval_with_limits("10**9", &small).is_ok());
    assert!(calc::eval_with_limits("9999999999", &small).is_ok());
    assert!(matches!(
        calc::eval_with_limits("10**10", &small),
        Err(CalcError::IntTooLarge { max: 10 })
    ));
    assert!(matches!(
        calc::eval_with_limits("0x2540BE400", &small),
        Err(CalcError::IntTooLarge { max: 10 })
    ));
}

#[test]
fn the_work_budget_caps_every_evaluation() {
    let stingy = Limits {
        max_work: 50,
        ..Limits::DEFAULT
    };
    let many_ops = vec!["1"; 100].join("+");
    assert!(matches!(
        calc::eval_with_limits(&many_ops, &stingy),
        Err(CalcError::TooMuchWork { max: 50 })
    ));
    // With the default budget, a line of big-number work stops early.
    let heavy = vec!["9**4500//7**3000"; 200].join("+");
    assert!(matches!(
        calc::eval(&heavy),
        Err(CalcError::TooMuchWork { .. })
    ));
    let gcds = ["gcd(9**4500, 9**4500 - 1)"; 10].join("+");
    assert!(matches!(
        calc::eval(&gcds),
        Err(CalcError::TooMuchWork { .. })
    ));
    // The budget is per evaluation, not per session.
    let mut session = Session::new();
    for _ in 0..100 {
        assert!(session.eval("9**4500 // 7**3000").is_ok());
    }
}

#[test]
fn input_length_is_limited() {
    let limits = Limits {
        max_input_bytes: 100,
        ..Limits::DEFAULT
    };
    assert!(calc::eval_with_limits(&"1+".repeat(49).to_string().add_one(), &limits).is_ok());
    assert!(matches!(
        calc::eval_with_limits(&"1+".repeat(60).add_one(), &limits),
        Err(CalcError::InputTooLong { max: 100 })
    ));
}

trait AddOne {
    fn add_one(self) -> String;
}

impl AddOne for String {
    fn add_one(mut self) -> String {
        self.push('1');
        self
    }
}

#[test]
fn sessions_hold_a_bounded_number_of_variables() {
    let mut session = Session::with_limits(Limits {
        max_variables: 3,
        ..Limits::DEFAULT
    });
    for name in ["a", "b", "c"] {
        session.eval(&format!("{name} = 1")).unwrap();
    }
    assert!(session.eval("a = 2").is_ok(), "rebinding is always allowed");
    assert!(session.eval("1 + 1").is_ok(), "_ does not count");
    assert!(matches!(
        session.eval("d = 4"),
        Err(CalcError::TooManyVariables { max: 3 })
    ));
}

#[test]
fn python_only_syntax_is_refused() {
    for payload in [
        "__import__('os').system('id')",
        "open('/etc/passwd').read()",
        "().__class__.__bases__[0].__subclasses__()",
        "[1]*10**9",
        "'a'*10**10",
        "lambda: 1",
        "[x for x in range(10)]",
        "exec('1')",
        "eval('1')",
        "globals()",
        "x.real",
        "1 if 1 else 2",
        "b'\\x00'",
        "{}",
        "1; 2",
        "import os",
        "__builtins__",
        "1 == 1",
        "not 1",
        "2 @ 3",
        "~1",
        "1 << 100",
        "1j",
    ] {
        let error = calc::eval(payload).expect_err(payload);
        assert!(
            matches!(
                error,
                CalcError::Syntax { .. } | CalcError::UnknownName(_) | CalcError::Type(_)
            ),
            "{payload}: {error:?}"
        );
    }
}
