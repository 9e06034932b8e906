//! What a math call will cost, known before it runs.
//!
//! [`Cost`] bounds a call's result size and its work, from the arguments'
//! sizes alone, in microseconds, so the evaluator can refuse
//! `factorial(10**6)` before any big number exists. Two rules:
//!
//! * **Never under-estimate.** Each bound follows the algorithm that
//!   `int.rs`/`sum.rs` actually run (a product tree's total cost, level by
//!   level), computed in `f64` with explicit safety margins. The work the
//!   algorithms really do is counted by [`Work`] as they run, and
//!   `tests/pymath_cases.rs` checks `estimate >= count` on thousands of
//!   arguments (exhaustively for small ones) and on every oracle row.
//! * **Not wildly over.** For the big cases (where a limit can bite) the
//!   bounds are within small factors of the counted work and within a few
//!   bits of the result's size; the test prints the ratios it sees, and the
//!   module's report records them.
//!
//! # The unit of work
//!
//! One unit is one word-by-word multiply-add of schoolbook arithmetic,
//! the unit of the calculator's `Meter` (`number::product_cost`):
//! multiplying `a`- and `b`-word numbers costs `a*b`, dividing them
//! `(a - b + 1)*b + a` (Knuth's algorithm D and its normalising shift),
//! and a linear pass (a shift, an addition, a conversion) costs its length
//! in words. num-bigint's Karatsuba and Toom-3 are faster than schoolbook
//! for large operands, so the unit over-states their time, never under.
//! A machine-word step counts 1. `gcd` is num-bigint's binary (Stein)
//! algorithm, which does at most one shift-and-subtract pass per bit of
//! its operands: it is charged `2 * (bits(a) + bits(b)) * words` units, the
//! model that `Work::gcd` counts.
//!
//! Allocations and the machine-word steps of the small paths are counted
//! too ([`Work::NODE`], [`Work::STEP`]), so that one unit stays close to
//! a fixed time whatever the function: measured by
//! `cargo run --release --example pymath_probe`, the big cases run at 0.1
//! to 0.6 ns a unit on the development machine (the calculator's `Meter`
//! assumes about 0.25).

use num_bigint::BigUint;

/// An upper bound on what a call computes and costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Bits of the largest integer in the result (0 when the result has
    /// none, as for floats and bools).
    pub result_bits: u64,
    /// Work, in word multiply-adds (see the module documentation).
    pub work: u64,
}

impl Cost {
    /// A call on floats or machine words: no integer result, constant work.
    pub const CHEAP: Cost = Cost {
        result_bits: 0,
        work: 1,
    };

    pub(crate) fn new(result_bits: u64, work: u64) -> Cost {
        Cost {
            result_bits,
            work: work.max(1),
        }
    }
}

/// Counts the work of a computation as it runs, in [`Cost::work`]'s unit.
#[derive(Debug, Default, Clone)]
pub struct Work {
    units: u64,
}

impl Work {
    /// A recursion step that allocates a new big integer: about 25 ns of
    /// allocator and bookkeeping, measured with `examples/pymath_probe.rs`.
    pub const NODE: u64 = 100;

    /// A machine-word step of the small paths (a 128-bit multiply and
    /// divide: about 4 ns).
    pub const STEP: u64 = 16;

    /// Words of a number of `bits` bits (at least one).
    pub fn words(bits: u64) -> u64 {
        bits.div_ceil(64).max(1)
    }

    /// The units counted so far.
    pub fn units(&self) -> u64 {
        self.units
    }

    fn add(&mut self, units: u64) {
        self.units = self.units.saturating_add(units);
    }

    /// `a * b`, counted.
    pub fn mul(&mut self, a: &BigUint, b: &BigUint) -> BigUint {
        self.add(Work::words(a.bits()).saturating_mul(Work::words(b.bits())));
        a * b
    }

    /// `a // b`, counted.
    pub fn div(&mut self, a: &BigUint, b: &BigUint) -> BigUint {
        self.add(division_units(a.bits(), b.bits()));
        a / b
    }

    /// A linear pass over `words` words.
    pub fn linear(&mut self, words: u64) {
        self.add(words);
    }

    /// Machine-word steps.
    pub fn small(&mut self, steps: u64) {
        self.add(steps);
    }

    /// A big `gcd` of numbers of these sizes.
    pub fn gcd(&mut self, a_bits: u64, b_bits: u64) {
        self.add(gcd_units(a_bits, b_bits));
    }
}

fn division_units(a_bits: u64, b_bits: u64) -> u64 {
    division_words(Work::words(a_bits), Work::words(b_bits))
}

/// Knuth's algorithm D on `wa` words by `wb` words: `wa - wb + 1` quotient
/// words of `wb` multiply-adds each, and the normalising shift.
fn division_words(wa: u64, wb: u64) -> u64 {
    (wa.saturating_sub(wb) + 1)
        .saturating_mul(wb)
        .saturating_add(wa)
}

/// An upper bound on [`division_units`] for a dividend of at most
/// `a_bits` and a divisor of at most `b_bits`. The count is not monotone
/// in the divisor's size (`(wa - wb + 1) * wb` peaks at `wb = (wa + 1)/2`),
/// so a bound on the divisor is not enough by itself: this is the maximum
/// over every divisor size up to the bound.
fn division_bound(a_bits: u64, b_bits: u64) -> u64 {
    let (wa, wb) = (Work::words(a_bits), Work::words(b_bits));
    let g = |w: u64| division_words(wa, w);
    // Concave on 1..=min(wb, wa): its maximum is at the peak or the end.
    let m = wb.min(wa);
    let p = wa.div_ceil(2).clamp(1, m);
    let concave = g(p).max(g((p + 1).min(m))).max(g(m));
    // Beyond wa words the count grows with the divisor again.
    if wb > wa { concave.max(g(wb)) } else { concave }
}

/// num-bigint's binary gcd: at most one pass of shift, compare and
/// subtract over the longer operand per bit of the two; two units a word
/// (measured with `examples/pymath_probe.rs`).
fn gcd_units(a_bits: u64, b_bits: u64) -> u64 {
    let words = Work::words(a_bits.max(b_bits));
    (a_bits.saturating_add(b_bits).saturating_add(1))
        .saturating_mul(words)
        .saturating_mul(2)
}

/// A float bound to an integer, rounding up and saturating (a bound
/// beyond `u64` means "refuse").
fn up(x: f64) -> u64 {
    if x.is_nan() {
        u64::MAX
    } else {
        x.max(0.0).ceil() as u64
    }
}

/// Relative and absolute slack added to every floating-point bound, far
/// beyond the rounding error of the few operations that compute it.
fn slack(x: f64) -> f64 {
    x * (1.0 + 1e-12) + 2.0
}

const LN_2: f64 = std::f64::consts::LN_2;

/// An upper bound on `log2(m!)` (Stirling with its `1/(12m)` term, which
/// over-estimates `ln m!`).
fn log2_factorial_upper(m: f64) -> f64 {
    if m < 2.0 {
        return 0.0;
    }
    let ln = m * m.ln() - m + 0.5 * (2.0 * std::f64::consts::PI * m).ln() + 1.0 / (12.0 * m);
    slack(ln / LN_2)
}

/// A lower bound on `log2(m!)` (Stirling without the positive tail).
fn log2_factorial_lower(m: f64) -> f64 {
    if m < 2.0 {
        return 0.0;
    }
    let ln = m * m.ln() - m + 0.5 * (2.0 * std::f64::consts::PI * m).ln();
    ((ln / LN_2) * (1.0 - 1e-12) - 2.0).max(0.0)
}

/// A number's size for the estimators: its bit length and an upper bound
/// on its base-2 logarithm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    pub bits: u64,
    /// `>= log2(n)`; `0` for `n <= 1`.
    pub log2: f64,
    /// The value, when it is small enough for `f64` arithmetic to be
    /// meaningful (below 2**53), for the tighter Stirling bounds.
    pub exact: Option<f64>,
}

impl Size {
    pub fn of_u64(n: u64) -> Size {
        let exact = (n < 1 << 53).then_some(n as f64);
        Size {
            bits: u64::from(64 - n.leading_zeros()),
            log2: if n <= 1 {
                0.0
            } else {
                slack((n as f64).log2())
            },
            exact,
        }
    }

    pub fn of_big(n: &BigUint) -> Size {
        let bits = n.bits();
        if bits <= 64 {
            return Size::of_u64(n.iter_u64_digits().next().unwrap_or(0));
        }
        // n < (top + 1) * 2**shift, with top the leading 64 bits.
        let shift = bits - 64;
        let top = (n >> shift).iter_u64_digits().next().unwrap_or(u64::MAX);
        let log2 = (top as f64 + 1.0).log2() + shift as f64;
        Size {
            bits,
            log2: slack(log2),
            exact: None,
        }
    }
}

/// An upper bound on the bit length of `n!`.
pub fn factorial_bits(n: u64) -> u64 {
    up(log2_factorial_upper(n as f64) + 1.0)
}

/// Bounds on `log2` of the product of the odd numbers up to `m`, which
/// is `m! / (2**h * h!)` with `h = m // 2`.
fn log2_odd_product_upper(m: u64) -> f64 {
    let h = (m / 2) as f64;
    (log2_factorial_upper(m as f64) - h - log2_factorial_lower(h)).max(0.0)
}

fn log2_odd_product_lower(m: u64) -> f64 {
    let h = (m / 2) as f64;
    (log2_factorial_lower(m as f64) - h - log2_factorial_upper(h)).max(0.0)
}

/// [`Cost`] of `factorial(n)` by CPython's odd-part method, following its
/// loop: at each of the `bit_length(n) - 1` levels, a `partial` product
/// of the next run of odd numbers (a balanced product tree: its products
/// cost at most `bits**2 / 8192` word products, plus the rounding of each
/// operand up to whole words over the tree's depth, plus its nodes), then
/// `inner *= partial` and `outer *= inner`, each bounded by the bits of
/// its operands; finally the shift by the power of two.
pub fn factorial_cost(n: u64) -> Cost {
    let bits = factorial_bits(n);
    if n <= 20 {
        return Cost::new(bits, 1);
    }
    if bits > BEYOND_ANY_LIMIT {
        return Cost::new(bits, u64::MAX);
    }
    let node = Work::NODE as f64;
    let words = |bits: f64| bits / 64.0 + 1.0;
    let (mut inner, mut outer, mut work) = (0.0f64, 0.0f64, 0.0f64);
    let mut upper: u64 = 3;
    for i in (0..64 - n.leading_zeros() - 1).rev() {
        let v = n >> i;
        if v <= 2 {
            continue;
        }
        let lower = upper;
        upper = (v + 1) | 1;
        // The odd numbers in [lower, upper), of at most b bits each; a leaf
        // of the tree holds at least floor(32 / b) of them (its parent held
        // more than 64 / b), and each leaf's bit length exceeds its log2 by
        // at most one.
        let count = ((upper - lower) / 2) as f64;
        let b = f64::from(64 - (upper - 2).leading_zeros());
        let leaves = count / (32.0 / b).floor().max(1.0) + 1.0;
        let partial =
            log2_odd_product_upper(upper - 2) - log2_odd_product_lower(lower - 2) + leaves;
        let depth = count.max(1.0).log2() + 2.0;
        work +=
            partial * partial / 8192.0 + 2.0 * depth * words(partial) + 2.0 * leaves * node + count;
        work += words(inner) * words(partial);
        inner += partial;
        work += words(outer) * words(inner);
        outer += inner;
    }
    work += words(outer + n as f64);
    Cost::new(bits, up(slack(work)))
}

/// A result size past which no limit can allow a call (2**40 bits, 137
/// GB): its work bound is saturated rather than computed.
const BEYOND_ANY_LIMIT: u64 = 1 << 40;

/// An upper bound on `log2(n!/(n-k)!)`, `k <= n`.
fn log2_perm_upper(n: Size, k: u64) -> f64 {
    let direct = k as f64 * n.log2;
    match n.exact {
        Some(n) if n < 1e15 => {
            let stirling = log2_factorial_upper(n) - log2_factorial_lower(n - k as f64);
            direct.min(slack(stirling))
        }
        _ => direct,
    }
}

/// An upper bound on `log2(C(n, k))`, `k <= n/2`.
fn log2_comb_upper(n: Size, k: u64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    // C(n, k) <= n**k / k!, tight when k is small against n...
    let by_powers = k as f64 * n.log2 - log2_factorial_lower(k as f64);
    // ...and C(n, k) <= 2**(n*H(k/n)), tight when k is near n/2.
    let by_entropy = match n.exact {
        Some(nf) if nf < 1e15 => {
            let (kf, rest) = (k as f64, nf - k as f64);
            let h = kf * (nf / kf).log2()
                + if rest > 0.0 {
                    rest * (nf / rest).log2()
                } else {
                    0.0
                };
            slack(h)
        }
        _ => f64::INFINITY,
    };
    by_powers.min(by_entropy).max(0.0)
}

/// Product-tree levels of CPython's `perm_comb` recursion: at level `l`
/// there are at most `2**l` nodes (and at most `k`), each with a `k'` of at
/// most `ceil(k / 2**l)`; the last level has `k' == 1`.
fn levels(k: u64) -> impl Iterator<Item = (f64, u64)> {
    let mut l = 0u32;
    let mut done = k == 0;
    std::iter::from_fn(move || {
        if done || l >= 64 {
            return None;
        }
        let kl = k.div_ceil(1u64 << l);
        done = kl <= 1;
        let nodes = (1u64 << l).min(k);
        l += 1;
        Some((nodes as f64, kl))
    })
}

/// A node's machine-word attempt: the tables (one step) or at most `kl`
/// 128-bit steps, tried only for `kl <= 64`.
fn word_attempt(kl: u64) -> f64 {
    if kl <= 64 {
        (kl * Work::STEP) as f64
    } else {
        0.0
    }
}

/// Whether every node of a level is a leaf: its value fits a machine
/// word (bounded by `log2_bound`), which `perm_comb_small` computes at
/// once; `perm_comb`, for `n >= 2**63`, never stops early.
fn fits_word(n: Size, log2_bound: f64) -> bool {
    n.bits < 64 && log2_bound + 1.0 < 64.0
}

/// [`Cost`] of `perm(n, k)` (`2 <= k <= n`): a product tree over the `k`
/// factors `n, n-1, ...`, each of at most `bits(n)` bits; level by level,
/// the two halves of a node's product sum to at most `k' * bits(n)` bits.
pub fn perm_cost(n: Size, k: u64) -> Cost {
    let bits = up(log2_perm_upper(n, k) + 1.0);
    if bits > BEYOND_ANY_LIMIT {
        return Cost::new(bits, u64::MAX);
    }
    let bn = n.bits as f64;
    let node = Work::NODE as f64;
    let mut work = 0.0;
    for (nodes, kl) in levels(k) {
        if kl <= 1 || fits_word(n, log2_perm_upper(n, kl)) {
            work += nodes * (node + word_attempt(kl.max(1)));
            break;
        }
        let half = kl as f64 * bn / 128.0 + 1.0;
        let big_n = if n.bits >= 64 {
            node + bn / 64.0 + 1.0
        } else {
            0.0
        };
        work += nodes * (node + word_attempt(kl) + half * half + big_n);
    }
    Cost::new(bits, up(slack(work)))
}

/// [`Cost`] of `comb(n, k)` (`2 <= k <= n/2`): the recursion `C(n, k) =
/// C(n, j) * C(n-j, k-j) // C(k, j)`. At a node `(n', k')` the product's
/// value is `C(n', k') * C(k', j)`, so its bits are at most the sum of
/// `log2 C(n, k')`, `log2 C(k', k'/2)` and 2; its halves are each at most
/// half of that, at best; the division and the divisor's own computation
/// are added.
pub fn comb_cost(n: Size, k: u64) -> Cost {
    let bits = up(log2_comb_upper(n, k) + 1.0);
    if bits > BEYOND_ANY_LIMIT {
        return Cost::new(bits, u64::MAX);
    }
    let mut memo = Vec::new();
    let work = comb_work(n, k, &mut memo);
    Cost::new(bits, up(slack(work)))
}

fn comb_work(n: Size, k: u64, memo: &mut Vec<(u64, f64)>) -> f64 {
    let bn = n.bits as f64;
    let node = Work::NODE as f64;
    let mut work = 0.0;
    for (nodes, kl) in levels(k) {
        let q = log2_comb_upper(n, kl.min(k));
        if kl <= 1 || fits_word(n, q) {
            work += nodes * (node + word_attempt(kl.max(1)));
            break;
        }
        // C(kl, j) < 2**kl.
        let divisor_bits = kl as f64;
        let product_bits = q + divisor_bits + 1.0;
        let half = product_bits / 128.0 + 1.0;
        let (wa, wb) = (product_bits / 64.0 + 1.0, divisor_bits / 64.0 + 1.0);
        let divide = wa * wb + wa;
        let divisor = central_comb_work(kl, memo);
        let big_n = if n.bits >= 64 {
            node + bn / 64.0 + 1.0
        } else {
            0.0
        };
        work += nodes * (node + word_attempt(kl) + half * half + divide + divisor + big_n);
    }
    work
}

/// The work of `C(m, m // 2)`, the divisor at a node with `k' = m`,
/// memoised. It is bounded as the work of `C(m, ceil(m / 2))` (the same
/// value, by symmetry, and a recursion at least as big), whose levels'
/// sizes `ceil(m / 2**(l+1))` are, for `m = ceil(k / 2**i)`, again of the
/// form `ceil(k / 2**j)`: so only about `log2(k)` distinct `m` occur, and
/// pricing `comb` takes microseconds.
fn central_comb_work(m: u64, memo: &mut Vec<(u64, f64)>) -> f64 {
    if m <= 67 {
        // From the tables in one step (or 0 or 1 when m / 2 == 0).
        return (Work::NODE + Work::STEP) as f64;
    }
    if let Some(&(_, w)) = memo.iter().find(|(key, _)| *key == m) {
        return w;
    }
    let w = comb_work(Size::of_u64(m), m.div_ceil(2), memo);
    memo.push((m, w));
    w
}

/// [`Cost`] of `isqrt(n)` for `n` of `bits` bits: CPython's iteration,
/// step by step (at most about `log2(bits)` steps), each a shift and a
/// division of a `d + e + 1`-bit number by an `e + 2`-bit one, then one
/// squaring.
pub fn isqrt_cost(bits: u64) -> Cost {
    if bits == 0 {
        return Cost::new(0, 1);
    }
    let c = (bits - 1) / 2;
    if c <= 31 {
        return Cost::new(32, 1);
    }
    let mut c_bit_length = 6;
    while (c >> c_bit_length) > 0 {
        c_bit_length += 1;
    }
    let mut d = c >> (c_bit_length - 5);
    let mut work = 0u64;
    for s in (0..=c_bit_length - 6).rev() {
        let e = d;
        d = c >> s;
        work = work
            .saturating_add(Work::NODE)
            .saturating_add(Work::words(bits))
            .saturating_add(division_bound(d + e + 1, e + 2));
    }
    let a_words = Work::words(c + 2);
    work = work.saturating_add(a_words.saturating_mul(a_words));
    Cost::new(c + 1, work)
}

/// [`Cost`] of `gcd` of ints of these bit lengths: the running gcd never
/// grows past the largest argument so far (`gcd(0, x)` is `|x|`).
pub fn gcd_cost(bits: &[u64]) -> Cost {
    let Some((&first, rest)) = bits.split_first() else {
        return Cost::new(0, 1);
    };
    let mut acc = first;
    let mut work = 1u64;
    for &b in rest {
        work = work.saturating_add(if acc <= 63 && b <= 63 {
            1
        } else {
            gcd_units(acc, b)
        });
        acc = acc.max(b);
    }
    Cost::new(acc, work)
}

/// [`Cost`] of `lcm` of ints of these bit lengths: the running lcm has at
/// most the sum of the bits so far; each step is a gcd, a division and a
/// product.
pub fn lcm_cost(bits: &[u64]) -> Cost {
    let Some((&first, rest)) = bits.split_first() else {
        return Cost::new(1, 1);
    };
    let mut acc = first;
    let mut work = 1u64;
    for &b in rest {
        let step = if acc <= 63 && b <= 63 {
            1
        } else {
            gcd_units(acc, b)
        };
        let product = Work::words(acc).saturating_mul(Work::words(b));
        work = work
            .saturating_add(step)
            .saturating_add(division_bound(acc, b))
            .saturating_add(product);
        acc = acc.saturating_add(b);
    }
    Cost::new(acc, work)
}

/// Work of a product of ints of these bit lengths, left to right from an
/// accumulator of `start_bits` (the int part of `prod`).
pub fn product_cost(start_bits: u64, bits: impl IntoIterator<Item = u64>) -> Cost {
    let mut acc = start_bits;
    let mut work = 1u64;
    for b in bits {
        work = work.saturating_add(Work::words(acc).saturating_mul(Work::words(b)));
        acc = acc.saturating_add(b);
    }
    Cost::new(acc, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stirling_bounds_bracket_the_truth() {
        let mut exact = 0.0f64; // log2(m!) by summing
        for m in 1..5000u64 {
            exact += (m as f64).log2();
            let tolerance = 1e-9 * exact;
            assert!(log2_factorial_upper(m as f64) >= exact - tolerance, "{m}");
            assert!(log2_factorial_lower(m as f64) <= exact + tolerance, "{m}");
        }
    }

    #[test]
    fn huge_arguments_give_saturated_bounds_quickly() {
        let c = factorial_cost(i64::MAX as u64);
        assert!(c.result_bits > 1 << 62);
        assert_eq!(c.work, u64::MAX);
        let c = comb_cost(Size::of_u64(1 << 62), 1 << 61);
        assert!(c.result_bits > 1 << 61 && c.work > 1 << 62);
    }
}
