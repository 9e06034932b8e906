//! Property tests: printing a tree and parsing it back gives the same tree,
//! no string makes the evaluator panic, and the operators obey the laws
//! Python's ints and sequences obey (checked against `num_bigint`).

use num_bigint::BigInt;
use proptest::prelude::*;
use safecalc::calc::ast::{
    Argument, BinaryOp, BoolOp, Clause, CompareOp, ComprehensionKind, Expr, Statement, Target,
    UnaryOp,
};
use safecalc::calc::{self, CONSTANTS, FUNCTIONS, Int, Limits, Session, builtins};

/// Names that are neither built-in nor keywords.
fn plain_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}".prop_filter("a plain name", |n| {
        !builtins::is_builtin_name(n) && !is_keyword(n)
    })
}

fn is_keyword(n: &str) -> bool {
    [
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
        "yield",
    ]
    .contains(&n)
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..1_000_000).prop_map(|i| Expr::int(Int::Small(i))),
        any::<u128>().prop_map(|i| Expr::int(Int::from(BigInt::from(i)))),
        (0.0f64..1e300).prop_map(Expr::float),
        Just(Expr::float(f64::INFINITY)),
        (0.0f64..1e10).prop_map(Expr::imaginary),
        any::<bool>().prop_map(Expr::bool),
        Just(Expr::none()),
        (0..CONSTANTS.len()).prop_map(|i| Expr::constant(&CONSTANTS[i])),
        plain_name().prop_map(Expr::variable),
    ]
}

fn ops_of(level: usize) -> Vec<BinaryOp> {
    use BinaryOp::*;
    match level {
        0 => vec![BitOr],
        1 => vec![BitXor],
        2 => vec![BitAnd],
        3 => vec![LShift, RShift],
        4 => vec![Add, Sub],
        _ => vec![Mul, MatMul, TrueDiv, FloorDiv, Mod],
    }
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::In,
        CompareOp::NotIn,
    ])
}

/// A loop variable: a plain name, or one that shadows a built-in (as in
/// Python, a comprehension's variable may).
fn target() -> impl Strategy<Value = Target> {
    let shadowing = prop::sample::select(vec!["pi", "e", "abs", "sqrt", "math", "pow"])
        .prop_map(|n| n.to_string());
    let name = prop_oneof![4 => plain_name(), 1 => shadowing].prop_map(Target::Name);
    name.prop_recursive(2, 6, 3, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(Target::Tuple)
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        let chain = (
            0usize..6,
            inner.clone(),
            prop::collection::vec((any::<prop::sample::Index>(), inner.clone()), 1..4),
        )
            .prop_map(|(level, first, rest)| {
                let ops = ops_of(level);
                let rest = rest.into_iter().map(|(i, e)| (*i.get(&ops), e)).collect();
                Expr::chain(first, rest)
            });
        let keywords = prop::collection::btree_map(plain_name(), inner.clone(), 0..3);
        prop_oneof![
            (
                prop::sample::select(vec![
                    UnaryOp::Plus,
                    UnaryOp::Minus,
                    UnaryOp::Invert,
                    UnaryOp::Not
                ]),
                inner.clone()
            )
                .prop_map(|(op, e)| Expr::unary(op, e)),
            chain,
            (
                inner.clone(),
                prop::collection::vec((compare_op(), inner.clone()), 1..3)
            )
                .prop_map(|(first, rest)| Expr::compare(first, rest)),
            (
                prop::sample::select(vec![BoolOp::And, BoolOp::Or]),
                prop::collection::vec(inner.clone(), 2..4)
            )
                .prop_map(|(op, operands)| Expr::bool_op(op, operands)),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(b, t, o)| Expr::if_else(b, t, o)),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Expr::tuple),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Expr::list),
            (inner.clone(), inner.clone()).prop_map(|(b, e)| Expr::power(b, e)),
            (
                0..FUNCTIONS.len(),
                prop::collection::vec(inner.clone(), 0..3),
                keywords
            )
                .prop_map(|(i, args, keywords)| {
                    let mut all: Vec<Argument> =
                        args.into_iter().map(Argument::Positional).collect();
                    all.extend(keywords.into_iter().map(|(k, v)| Argument::Keyword(k, v)));
                    Expr::call_with(&FUNCTIONS[i], all)
                }),
            (plain_name(), prop::collection::vec(inner.clone(), 0..2))
                .prop_map(|(n, args)| Expr::call_unknown(n, args)),
            (inner.clone(), inner.clone()).prop_map(|(v, i)| Expr::subscript(v, i)),
            (
                inner.clone(),
                prop::option::of(inner.clone()),
                prop::option::of(inner.clone()),
                prop::option::of(inner.clone())
            )
                .prop_map(|(v, l, u, s)| Expr::slice(v, l, u, s)),
            (
                inner.clone(),
                prop::sample::select(vec!["real", "imag", "numerator", "denominator"])
            )
                .prop_map(|(v, n)| Expr::attribute(v, n.to_string())),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "conjugate",
                    "bit_length",
                    "bit_count",
                    "is_integer",
                    "as_integer_ratio"
                ])
            )
                .prop_map(|(v, n)| Expr::call_expr(Expr::attribute(v, n.to_string()), vec![])),
            (
                any::<bool>(),
                inner.clone(),
                prop::collection::vec(
                    prop_oneof![
                        (target(), inner.clone())
                            .prop_map(|(target, iterable)| Clause::For { target, iterable }),
                        inner.clone().prop_map(Clause::If),
                    ],
                    0..3
                ),
                target(),
                inner
            )
                .prop_map(|(list, element, mut clauses, target, iterable)| {
                    clauses.insert(0, Clause::For { target, iterable });
                    let kind = if list {
                        ComprehensionKind::List
                    } else {
                        ComprehensionKind::Generator
                    };
                    Expr::comprehension(kind, element, clauses)
                        .unwrap_or_else(|| Expr::int(Int::Small(0)))
                }),
        ]
    })
}

/// Parsed with `^` as xor, since a tree's xor prints as `^`.
fn parse(text: &str) -> calc::CalcResult<Statement> {
    calc::parse_with_limits(text, &Limits::PYTHON)
}

/// An int of up to 200 bits, either sign, as text and as a `BigInt`.
fn int() -> impl Strategy<Value = BigInt> {
    prop_oneof![
        (-1000i64..1000).prop_map(BigInt::from),
        any::<i64>().prop_map(BigInt::from),
        (any::<i128>(), any::<u64>()).prop_map(|(a, b)| BigInt::from(a) * BigInt::from(b)),
    ]
}

fn eval(text: &str) -> String {
    match calc::eval_with_limits(text, &Limits::PYTHON) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in expr()) {
        let text = e.to_string();
        let parsed = parse(&text);
        prop_assert_eq!(parsed, Ok(Statement::Expr(e)), "text: {}", text);
    }

    #[test]
    fn printed_assignments_parse_back(e in expr(), name in plain_name()) {
        let statement = Statement::Assign { name, value: e };
        prop_assert_eq!(parse(&statement.to_string()), Ok(statement));
    }

    #[test]
    fn evaluation_never_panics_on_any_string(s in any::<String>()) {
        let _ = Session::new().eval(&s);
    }

    #[test]
    fn evaluation_never_panics_on_token_soup(
        s in "[0-9a-z_.+*/%^&|~<>=!()\\[\\], :eExXoObBj-]{0,60}"
    ) {
        let _ = Session::new().eval(&s);
        let _ = Session::with_limits(Limits::PYTHON).eval(&s);
    }

    #[test]
    fn evaluating_a_printed_tree_gives_the_same_result(e in expr()) {
        let direct = calc::evaluate(&e, &Limits::PYTHON);
        let reparsed = calc::eval_with_limits(&e.to_string(), &Limits::PYTHON);
        prop_assert_eq!(format!("{direct:?}"), format!("{reparsed:?}"));
    }

    /// The bitwise operators and shifts agree with `num_bigint`'s two's
    /// complement arithmetic, for ints of any sign and size.
    #[test]
    fn bitwise_operators_follow_twos_complement(a in int(), b in int(), k in 0u32..300) {
        prop_assert_eq!(eval(&format!("({a}) & ({b})")), (&a & &b).to_string());
        prop_assert_eq!(eval(&format!("({a}) | ({b})")), (&a | &b).to_string());
        prop_assert_eq!(eval(&format!("({a}) ^ ({b})")), (&a ^ &b).to_string());
        prop_assert_eq!(eval(&format!("~({a})")), (-&a - BigInt::from(1)).to_string());
        prop_assert_eq!(eval(&format!("({a}) << {k}")), (&a << k).to_string());
        // >> rounds toward negative infinity, as floor division by 2**k.
        let floor = num_integer::Integer::div_floor(&a, &(BigInt::from(1) << k));
        prop_assert_eq!(eval(&format!("({a}) >> {k}")), floor.to_string());
        prop_assert_eq!(eval(&format!("(({a}) << {k}) >> {k} == ({a})")), "True");
    }

    /// Comparisons of ints order them as `BigInt` does, chains are
    /// conjunctions, and `and`/`or` return an operand.
    #[test]
    fn comparisons_and_boolean_operators(a in int(), b in int(), c in int()) {
        let py = |x: bool| if x { "True" } else { "False" }.to_string();
        prop_assert_eq!(eval(&format!("({a}) < ({b})")), py(a < b));
        prop_assert_eq!(eval(&format!("({a}) <= ({b}) <= ({c})")), py(a <= b && b <= c));
        prop_assert_eq!(eval(&format!("({a}) == ({b}) != ({c})")), py(a == b && b != c));
        let zero = BigInt::from(0);
        let or = if a != zero { &a } else { &b };
        prop_assert_eq!(eval(&format!("({a}) or ({b})")), or.to_string());
        let and = if a == zero { &a } else { &b };
        prop_assert_eq!(eval(&format!("({a}) and ({b})")), and.to_string());
        prop_assert_eq!(eval(&format!("not ({a})")), py(a == zero));
        prop_assert_eq!(
            eval(&format!("({b}) if ({a}) else ({c})")),
            if a != zero { &b } else { &c }.to_string()
        );
    }

    /// `divmod` and `pow(a, b, m)` satisfy their definitions.
    #[test]
    fn divmod_and_modular_powers(a in int(), b in int(), e in 0u32..500) {
        prop_assume!(b != BigInt::from(0));
        prop_assert_eq!(
            eval(&format!("divmod({a}, {b})[0] * ({b}) + divmod({a}, {b})[1] == ({a})")),
            "True"
        );
        let m = num_traits::Signed::abs(&b);
        let expected = a.modpow(&BigInt::from(e), &m);
        let expected = num_integer::Integer::mod_floor(&expected, &m);
        prop_assert_eq!(eval(&format!("pow({a}, {e}, {m})")), expected.to_string());
    }

    /// Sequences: `sorted` gives an ordered permutation, slicing agrees
    /// with a slice of the printed items, repetition with concatenation.
    #[test]
    fn sequences_behave(items in prop::collection::vec(-50i64..50, 0..30), start in -40i64..40, stop in -40i64..40, step in prop_oneof![-5i64..0, 1i64..5], n in 0usize..4) {
        let list = format!("{items:?}");
        let mut sorted = items.clone();
        sorted.sort();
        prop_assert_eq!(eval(&format!("sorted({list})")), format!("{sorted:?}"));
        let mut reversed = sorted.clone();
        reversed.reverse();
        prop_assert_eq!(eval(&format!("sorted({list}, reverse=True)")), format!("{reversed:?}"));
        // Python's slice, by its definition on indices.
        let len = items.len() as i64;
        let clamp = |i: i64, low: i64, high: i64| i.clamp(low, high);
        let norm = |i: i64| if i < 0 { i + len } else { i };
        let picked: Vec<i64> = if step > 0 {
            let (lo, hi) = (clamp(norm(start), 0, len), clamp(norm(stop), 0, len));
            (lo..hi).step_by(step as usize).map(|i| items[i as usize]).collect()
        } else {
            let (hi, lo) = (clamp(norm(start), -1, len - 1), clamp(norm(stop), -1, len - 1));
            let mut out = Vec::new();
            let mut i = hi;
            while i > lo {
                out.push(items[i as usize]);
                i += step;
            }
            out
        };
        prop_assert_eq!(eval(&format!("{list}[{start}:{stop}:{step}]")), format!("{picked:?}"));
        let repeated: Vec<i64> = items.iter().copied().cycle().take(items.len() * n).collect();
        prop_assert_eq!(eval(&format!("{list} * {n}")), format!("{repeated:?}"));
        prop_assert_eq!(eval(&format!("len({list} + {list})")), (2 * items.len()).to_string());
        prop_assert_eq!(
            eval(&format!("sum(x for x in {list} if x > 0)")),
            items.iter().filter(|x| **x > 0).sum::<i64>().to_string()
        );
    }
}
