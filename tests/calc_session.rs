//! Sessions: variables and `_`, as in Python's REPL.

use safecalc::calc::{CalcError, Session};

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
    assert!(matches!(s.eval("_"), Err(CalcError::UnknownName(_))));
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
    assert!(matches!(s.eval("a"), Err(CalcError::UnknownName(_))));
}

#[test]
fn sessions_are_independent() {
    let mut a = Session::new();
    let mut b = Session::new();
    a.eval("v = 1").unwrap();
    assert!(matches!(b.eval("v"), Err(CalcError::UnknownName(_))));
}

#[test]
fn errors_are_descriptive() {
    let mut s = Session::new();
    let cases = [
        ("1/0", "error: division by zero"),
        ("sqrt(-1)", "error: math domain error"),
        ("foo", "error: name 'foo' is not defined"),
        (
            "sqrt(1, 2)",
            "error: sqrt() takes exactly one argument (2 given)",
        ),
        (
            "factorial(2.5)",
            "error: 'float' object cannot be interpreted as an integer",
        ),
        (
            "(-8)**(1/3)",
            "error: the result is a complex number, which safecalc does not support",
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
        ("10**400 * 1.0", "error: int too large to convert to float"),
        ("10.0**400", "error: (34, 'Numerical result out of range')"),
        (
            "9**9**9",
            "error: integer too large (max 4300 decimal digits)",
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
