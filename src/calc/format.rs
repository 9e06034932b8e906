//! Python's `repr` of a float.
//!
//! Python prints the shortest digit string that reads back as the same
//! float (David Gay's algorithm, `repr` style `'r'`), then chooses between
//! fixed and exponent notation by the position of the decimal point. Rust's
//! `{:e}` formatting produces the same shortest digits, so only the layout
//! is done here, following CPython's `format_float_short`.

/// The text Python's `repr(x)` gives for a float.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let scientific = shortest_scientific(x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // Python's `decpt`: the value is 0.DIGITS * 10**decpt.
    let decpt = exponent + 1;
    let mut out = String::with_capacity(digits.len() + 8);
    if x < 0.0 {
        out.push('-');
    }
    let n = digits.len() as i32;
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        let magnitude = e.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(&digits);
    } else if decpt >= n {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (decpt - n) as usize));
        out.push_str(".0");
    } else {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    }
    out
}

/// Python's repr of a float without the `.0` it adds to integral values
/// (`repr`'s style `'r'` without `Py_DTSF_ADD_DOT_0`): how `complex`
/// prints its parts (`(1+2j)`, `(-0-0j)`, `1e+16j`).
pub fn float_repr_short(x: f64) -> String {
    let mut repr = float_repr(x);
    if repr.ends_with(".0") {
        repr.truncate(repr.len() - 2);
    }
    repr
}

/// `"d.dddde±x"`: the shortest digits that read back as `x`, choosing as
/// Python's `dtoa` does when two candidates are equally short: the nearer
/// to `x`, and on an exact tie the even one. Rust's shortest formatting
/// gets the length right but may take the other candidate of a tie
/// (`1e15 + 0.3` is ...0.25 exactly: Python prints ...0.2), so the correctly
/// rounded string of the same length is preferred whenever it reads back.
fn shortest_scientific(x: f64) -> String {
    let shortest = format!("{x:e}");
    let mantissa_len = shortest.find('e').unwrap_or(shortest.len());
    let digits = shortest[..mantissa_len]
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    // A tie needs a 16- or 17-digit shortest form; shorter ones are exact.
    if digits < 16 {
        return shortest;
    }
    let nearest = format!("{x:.prec$e}", prec = digits - 1);
    if nearest.parse::<f64>() == Ok(x) {
        nearest
    } else {
        shortest
    }
}

#[cfg(test)]
mod tests {
    use super::float_repr;

    #[test]
    fn matches_python_repr() {
        let cases: &[(f64, &str)] = &[
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (2.0, "2.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "nan"),
            (1.5e16, "1.5e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (0.5, "0.5"),
            (-1.25e-7, "-1.25e-07"),
            (1234.5, "1234.5"),
            (1e100, "1e+100"),
            (1e15 + 0.3, "1000000000000000.2"),
            (
                (8586672.963229741e-1 - 13.0) * 2147483647.0,
                "1843946059779879.2",
            ),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(*x), *want, "repr of {x:e}");
        }
    }
}
