//! Property tests: printing a tree and parsing it back gives the same tree,
//! and no string makes the evaluator panic.

use proptest::prelude::*;
use safecalc::calc::ast::{BinaryOp, Expr, Statement, UnaryOp};
use safecalc::calc::{self, CONSTANTS, FUNCTIONS, Int, Session, builtins};

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..1_000_000).prop_map(|i| Expr::int(Int::Small(i))),
        any::<u128>().prop_map(|i| Expr::int(Int::from(num_bigint::BigInt::from(i)))),
        (0.0f64..1e300).prop_map(Expr::float),
        Just(Expr::float(f64::INFINITY)),
        (0..CONSTANTS.len()).prop_map(|i| Expr::constant(&CONSTANTS[i])),
        "[a-z_][a-z0-9_]{0,6}"
            .prop_filter("not a built-in", |n| !builtins::is_builtin_name(n))
            .prop_map(Expr::variable),
    ]
}

fn additive() -> impl Strategy<Value = BinaryOp> {
    prop_oneof![Just(BinaryOp::Add), Just(BinaryOp::Sub)]
}

fn multiplicative() -> impl Strategy<Value = BinaryOp> {
    prop_oneof![
        Just(BinaryOp::Mul),
        Just(BinaryOp::TrueDiv),
        Just(BinaryOp::FloorDiv),
        Just(BinaryOp::Mod)
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            (
                prop_oneof![Just(UnaryOp::Plus), Just(UnaryOp::Minus)],
                inner.clone()
            )
                .prop_map(|(op, e)| Expr::unary(op, e)),
            (
                inner.clone(),
                prop::collection::vec((additive(), inner.clone()), 1..4)
            )
                .prop_map(|(first, rest)| Expr::chain(first, rest)),
            (
                inner.clone(),
                prop::collection::vec((multiplicative(), inner.clone()), 1..4)
            )
                .prop_map(|(first, rest)| Expr::chain(first, rest)),
            (inner.clone(), inner.clone()).prop_map(|(b, e)| Expr::power(b, e)),
            (
                0..FUNCTIONS.len(),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(i, args)| Expr::call(&FUNCTIONS[i], args)),
            ("[a-z]{1,4}", prop::collection::vec(inner, 0..2))
                .prop_filter("not a built-in", |(n, _)| !builtins::is_builtin_name(n))
                .prop_map(|(n, args)| Expr::call_unknown(n, args)),
        ]
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in expr()) {
        let text = e.to_string();
        let parsed = calc::parse(&text);
        prop_assert_eq!(parsed, Ok(Statement::Expr(e)), "text: {}", text);
    }

    #[test]
    fn printed_assignments_parse_back(e in expr(), name in "[a-z]{1,5}") {
        prop_assume!(!builtins::is_builtin_name(&name));
        let statement = Statement::Assign { name, value: e };
        prop_assert_eq!(calc::parse(&statement.to_string()), Ok(statement));
    }

    #[test]
    fn evaluation_never_panics_on_any_string(s in any::<String>()) {
        let _ = Session::new().eval(&s);
    }

    #[test]
    fn evaluation_never_panics_on_token_soup(s in "[0-9a-z_.+*/%^() ,eExXoObBj-]{0,60}") {
        let _ = Session::new().eval(&s);
    }

    #[test]
    fn evaluating_a_printed_tree_gives_the_same_result(e in expr()) {
        let direct = calc::evaluate(&e, &calc::Limits::DEFAULT);
        let reparsed = calc::eval(&e.to_string());
        prop_assert_eq!(format!("{direct:?}"), format!("{reparsed:?}"));
    }
}
