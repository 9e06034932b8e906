//! Sessions: variables and `_`, as in Python's REPL.

use safecalc::calc::{CalcError, Limits, Session};

fn eval(session: &mut Session, line: &str) -> String {
    match session.eval(line) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn variables_persist_between_lines() {
    let mut s = Session::new();
    assert_eq!(eval(&mut s, "x = 2**10"), "1024");
    assert_eq!(eval(&mut s, "y = x / 4"), "256.0");
    assert_eq!(eval(&mut s, "x + y"), "1280.0");
    assert_eq!(eval(&mut s, "x = x + 1"), "1025");
    assert_eq!(eval(&mut s, "x"), "1025");
    let names: Vec<&str> = {
        let mut v: Vec<&str> = s.variables().map(|(k, _)| k).collect();
        v.sort();
        v
    };
    assert_eq!(names, ["_", "x", "y"]);
}

#[test]
fn underscore_is_the_last_expression_result() {
    let mut s = Session::new();
    assert!(matches!(s.eval("_"), Err(CalcError::UnknownName { .. })));
    assert_eq!(eval(&mut s, "6 * 7"), "42");
    assert_eq!(eval(&mut s, "_ + 1"), "43");
    // An assignment leaves `_` alone, as in Python's REPL.
    assert_eq!(eval(&mut s, "z = 100"), "100");
    assert_eq!(eval(&mut s, "_"), "43");
    // An error leaves it alone too.
    assert!(matches!(s.eval("1/0"), Err(CalcError::ZeroDivision(_))));
    assert_eq!(eval(&mut s, "_"), "43");
}

#[test]
fn builtin_names_cannot_be_rebound() {
    let mut s = Session::new();
    for name in ["pi", "e", "inf", "nan", "tau", "sqrt", "max"] {
        assert_eq!(
            s.eval(&format!("{name} = 3")),
            Err(CalcError::ReadOnlyName(name.to_string()))
        );
    }
    assert_eq!(eval(&mut s, "pi"), "3.141592653589793");
}

#[test]
fn a_failed_assignment_binds_nothing() {
    let mut s = Session::new();
    assert!(matches!(s.eval("a = 1/0"), Err(CalcError::ZeroDivision(_))));
    assert!(matches!(s.eval("a"), Err(CalcError::UnknownName { .. })));
}

#[test]
fn sessions_are_independent() {
    let mut a = Session::new();
    let mut b = Session::new();
    a.eval("v = 1").unwrap();
    assert!(matches!(b.eval("v"), Err(CalcError::UnknownName { .. })));
}

#[test]
fn errors_are_descriptive() {
    let mut s = Session::new();
    let cases = [
        ("1/0", "error: division by zero"),
        ("5 % 0", "error: integer modulo by zero"),
        ("5.0 % 0", "error: float modulo"),
        ("sqrt(-1)", "error: math domain error"),
        ("foo", "error: name 'foo' is not defined"),
        (
            "sqr(2)",
            "error: name 'sqr' is not defined. Did you mean: 'sqrt'?",
        ),
        (
            "(5).bit_lenght()",
            "error: safecalc has no attribute 'bit_lenght': numbers offer only .real, .imag, \
             .numerator, .denominator, .conjugate(), .bit_length(), .bit_count(), .is_integer() \
             and .as_integer_ratio(). Did you mean: 'bit_length'?",
        ),
        (
            "(1.5).bit_length()",
            "error: 'float' object has no attribute 'bit_length'",
        ),
        (
            "sqr(2)",
            "error: name 'sqr' is not defined. Did you mean: 'sqrt'?",
        ),
        (
            "sqrt(1, 2)",
            "error: math.sqrt() takes exactly one argument (2 given)",
        ),
        (
            "round()",
            "error: round() missing required argument 'number' (pos 1)",
        ),
        ("divmod(1)", "error: divmod expected 2 arguments, got 1"),
        (
            "factorial(2.5)",
            "error: 'float' object cannot be interpreted as an integer",
        ),
        ("[1, 2][5]", "error: list index out of range"),
        (
            "1 + [1]",
            "error: unsupported operand type(s) for +: 'int' and 'list'",
        ),
        (
            "1 < 1j",
            "error: '<' not supported between instances of 'int' and 'complex'",
        ),
        (
            "1 +",
            "error: syntax error at column 4: expected a number, a name or '(', found the end of the input",
        ),
        (
            "2 $ 3",
            "error: syntax error at column 3: expected an operator or the end of the input, found '$'",
        ),
        (
            "007",
            "error: syntax error at column 1: leading zeros in decimal integer literals are not permitted",
        ),
        (
            "'a' * 3",
            "error: syntax error at column 1: string literals are not supported (safecalc computes with numbers only)",
        ),
        ("10**400 * 1.0", "error: int too large to convert to float"),
        ("10.0**400", "error: (34, 'Numerical result out of range')"),
        (
            "10**5000",
            "error: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
        ),
        (
            "9**9**9",
            "error: integer too large (max 100000 decimal digits)",
        ),
        (
            "f = sqrt",
            "error: functions are not values: call it, as in sqrt(x)",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(eval(&mut s, line), want, "{line}");
    }
}

#[test]
fn caret_means_power() {
    let mut s = Session::new();
    assert_eq!(eval(&mut s, "2^10"), "1024");
    assert_eq!(eval(&mut s, "2^3^2"), "512");
    assert_eq!(eval(&mut s, "-2^2"), "-4");
}

#[test]
fn caret_is_xor_with_the_python_option() {
    let mut s = Session::with_limits(Limits::PYTHON);
    assert_eq!(eval(&mut s, "2^10"), "8");
    assert_eq!(eval(&mut s, "2**10"), "1024");
    // Xor's precedence: between & and |.
    assert_eq!(eval(&mut s, "1 | 6 ^ 3 & 5"), "7");
    assert_eq!(eval(&mut s, "True ^ True"), "False");
}

/// Every kind of value can be kept in a variable and in `_`.
#[test]
fn variables_and_underscore_hold_every_kind_of_value() {
    let mut s = Session::new();
    for (line, shown) in [
        ("a = 2**100", "1267650600228229401496703205376"),
        ("b = 1.5", "1.5"),
        ("c = 1 - 2j", "(1-2j)"),
        ("d = 1 < 2", "True"),
        ("e2 = None", "None"),
        ("f = (1, [2, 3])", "(1, [2, 3])"),
        ("g = [x * x for x in range(4)]", "[0, 1, 4, 9]"),
        ("h = hex(255)", "'0xff'"),
        ("i = range(0, 10, 3)", "range(0, 10, 3)"),
    ] {
        assert_eq!(eval(&mut s, line), shown, "{line}");
        let name = line.split(' ').next().unwrap();
        assert_eq!(eval(&mut s, name), shown, "{name}");
        if shown != "None" {
            // (`None` does not become `_`, as in the REPL.)
            assert_eq!(eval(&mut s, "_"), shown, "_ after {name}");
        }
    }
    assert_eq!(eval(&mut s, "f[1][0] + g[-1] + i[2]"), "17");
    // A str is for display only, even from a variable.
    assert!(eval(&mut s, "len(h)").starts_with("error: strings (from hex, bin or oct)"));
    assert_eq!(eval(&mut s, "_ = f"), "(1, [2, 3])");
    assert_eq!(eval(&mut s, "_[0]"), "1");
}

/// As in CPython's REPL: `None` does not become `_`, and a result that
/// cannot be printed leaves `_` as `None`.
#[test]
fn underscore_follows_the_repl() {
    let mut s = Session::new();
    assert_eq!(eval(&mut s, "7"), "7");
    assert_eq!(eval(&mut s, "None"), "None");
    assert_eq!(eval(&mut s, "_"), "7");
    assert!(s.eval("10**5000").is_err());
    assert_eq!(eval(&mut s, "_"), "None");
}

/// A comprehension's loop variable is its own (Python 3): it does not leak,
/// and it hides a session variable of the same name only inside.
#[test]
fn comprehension_variables_do_not_leak() {
    let mut s = Session::new();
    assert_eq!(eval(&mut s, "[x for x in range(3)]"), "[0, 1, 2]");
    assert_eq!(eval(&mut s, "x"), "error: name 'x' is not defined");
    assert_eq!(eval(&mut s, "x = 10"), "10");
    assert_eq!(eval(&mut s, "[x for x in range(3)]"), "[0, 1, 2]");
    assert_eq!(eval(&mut s, "x"), "10");
    // The first iterable is evaluated outside: this `x` is the session's.
    assert_eq!(eval(&mut s, "[x for x in range(x)][-1]"), "9");
    assert_eq!(
        eval(&mut s, "[[x + y for y in range(2)] for x in range(2)]"),
        "[[0, 1], [1, 2]]"
    );
    assert_eq!(eval(&mut s, "sum(_ for _ in range(5))"), "10");
    assert_eq!(
        eval(&mut s, "[y for x in range(3) if y for y in range(2)]"),
        "error: cannot access local variable 'y' where it is not associated with a value"
    );
}

/// As in Python, a loop variable may shadow any built-in name, for the
/// comprehension only: a constant, a function (which then cannot be
/// called), the math module.
#[test]
fn comprehension_variables_may_shadow_built_in_names() {
    let mut s = Session::with_limits(Limits::PYTHON);
    for (line, want) in [
        ("[e for e in range(3)]", "[0, 1, 2]"),
        ("[pi * 2 for pi in range(2)]", "[0, 2]"),
        ("[sqrt for sqrt in range(2)]", "[0, 1]"),
        ("sum(abs for abs in [-1, 2])", "1"),
        ("[abs(-1) for x in [1]]", "[1]"),
        ("[abs(x) for abs in [1]]", "error: name 'x' is not defined"),
        (
            "[abs(1) for abs in [1]]",
            "error: 'int' object is not callable",
        ),
        ("[math.real for math in [1]]", "[1]"),
        ("[math for math in range(2)]", "[0, 1]"),
        // The first iterable is outside the comprehension's scope.
        ("[pi for pi in [pi]]", "[3.141592653589793]"),
        ("[x for sqrt in [2] for x in [sqrt]]", "[2]"),
        ("[[pi for x in [0]] for pi in [1]]", "[[1]]"),
        // And nothing leaks.
        ("pi", "3.141592653589793"),
        ("sqrt(4)", "2.0"),
        ("math.sqrt(4)", "2.0"),
    ] {
        assert_eq!(eval(&mut s, line), want, "{line}");
    }
    // `math.pi` with a loop variable `math` is the attribute `pi` of a
    // number: not one of the numeric attributes.
    assert!(matches!(
        s.eval("[math.pi for math in [1]]"),
        Err(CalcError::Unsupported(_))
    ));
}
