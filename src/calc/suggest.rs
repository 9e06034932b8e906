//! "Did you mean ...?": the close name CPython 3.11's REPL offers after a
//! `NameError` or an `AttributeError` (`Python/suggestions.c`), by its
//! rule, over the names safecalc knows.
//!
//! The distance is Levenshtein's with CPython's costs (2 to insert, delete
//! or substitute a character, 1 to change its case), after trimming a
//! common prefix and suffix. A candidate is taken when at most a third of
//! the characters involved would change (`(len(name) + len(candidate) +
//! 3) * 2 // 6`), and the first candidate at the smallest distance wins.
//! As in CPython, long names (over 40 bytes) and long candidate lists (750
//! or more) get no suggestion.

const MOVE_COST: usize = 2;
const CASE_COST: usize = 1;
const MAX_STRING_SIZE: usize = 40;
const MAX_CANDIDATE_ITEMS: usize = 750;

/// CPython's `substitution_cost`.
fn substitution_cost(a: u8, b: u8) -> usize {
    if a & 31 != b & 31 {
        return MOVE_COST;
    }
    if a == b {
        return 0;
    }
    if a.eq_ignore_ascii_case(&b) {
        CASE_COST
    } else {
        MOVE_COST
    }
}

/// CPython's `levenshtein_distance`, giving up (with `max_cost + 1`) as
/// soon as the distance is known to pass `max_cost`.
fn distance(a: &[u8], b: &[u8], max_cost: usize) -> usize {
    let mut a = a;
    let mut b = b;
    while let ([x, a_rest @ ..], [y, b_rest @ ..]) = (a, b)
        && x == y
    {
        a = a_rest;
        b = b_rest;
    }
    while let ([a_rest @ .., x], [b_rest @ .., y]) = (a, b)
        && x == y
    {
        a = a_rest;
        b = b_rest;
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max_cost + 1;
    }
    // The shorter one indexes the row.
    if b.len() < a.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if (b.len() - a.len()) * MOVE_COST > max_cost {
        return max_cost + 1;
    }
    let mut row: Vec<usize> = (1..=a.len()).map(|i| i * MOVE_COST).collect();
    let mut result = 0;
    for (b_index, &code) in b.iter().enumerate() {
        let mut distance = b_index * MOVE_COST;
        result = distance;
        let mut minimum = usize::MAX;
        for (index, &a_char) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, a_char);
            distance = row[index];
            let insert_delete = result.min(distance) + MOVE_COST;
            result = insert_delete.min(substitute);
            row[index] = result;
            minimum = minimum.min(result);
        }
        if minimum > max_cost {
            return max_cost + 1;
        }
    }
    result
}

/// The candidate CPython would suggest for `name`, if any.
pub fn suggestion<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if candidates.len() >= MAX_CANDIDATE_ITEMS {
        return None;
    }
    let mut best: Option<(&str, usize)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let mut max_distance = (name.len() + candidate.len() + 3) * MOVE_COST / 6;
        if let Some((_, d)) = best {
            max_distance = max_distance.min(d.saturating_sub(1));
        }
        let d = distance(name.as_bytes(), candidate.as_bytes(), max_distance);
        if d > max_distance {
            continue;
        }
        if best.is_none_or(|(_, b)| d < b) {
            best = Some((candidate, d));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each answer is what CPython 3.11's REPL suggests for the same name
    /// among the same candidates.
    #[test]
    fn suggests_as_cpython_does() {
        let math = ["sqrt", "sin", "factorial", "floor", "pi", "pow", "exp", "e"];
        assert_eq!(suggestion("sqr", math), Some("sqrt"));
        assert_eq!(suggestion("fctorial", math), Some("factorial"));
        assert_eq!(suggestion("Sqrt", math), Some("sqrt"));
        assert_eq!(suggestion("SQRT", math), None);
        assert_eq!(suggestion("xyzzy", math), None);
        assert_eq!(suggestion("sqrt", math), None);
        assert_eq!(suggestion("xx", ["x"]), Some("x"));
        assert_eq!(
            suggestion("bit_lenght", ["bit_count", "bit_length"]),
            Some("bit_length")
        );
        let long = "a".repeat(50);
        assert_eq!(suggestion(&long, [long.as_str(), "a"]), None);
    }
}
