//! CPython 3.11's `list.sort`, step for step (`Objects/listobject.c`):
//! natural runs extended to `minrun` by binary insertion, merged by
//! Powersort's rule, with galloping merges.
//!
//! Why not Rust's sort: for values whose `<` is a total order, any stable
//! sort gives the same list. Python's `<` is not always one (a NaN is
//! neither smaller nor larger than anything), and then the result depends
//! on which comparisons the algorithm makes, in which order; so does the
//! message when two items cannot be compared (`'<' not supported between
//! instances of 'complex' and 'int'` names the two types in the order of
//! the failing comparison). Making the same comparisons as CPython is the
//! only way to give its answers.

use super::super::error::CalcResult;
use super::super::number::Meter;
use super::super::ops;
use super::super::value::Value;

/// `MIN_GALLOP`: how many wins in a row start galloping.
const MIN_GALLOP: usize = 7;

/// A run waiting to be merged, with its Powersort power.
#[derive(Clone, Copy)]
struct Run {
    base: usize,
    len: usize,
    power: u32,
}

struct MergeState<'m, 'l> {
    min_gallop: usize,
    pending: Vec<Run>,
    meter: &'m mut Meter<'l>,
}

impl MergeState<'_, '_> {
    /// Python's `a < b`.
    fn lt(&mut self, a: &Value, b: &Value) -> CalcResult<bool> {
        ops::less_than(a, b, self.meter)
    }
}

/// Sorts `items` as `sorted(items, reverse=reverse)` does.
pub fn sort(items: &mut [Value], reverse: bool, meter: &mut Meter) -> CalcResult<()> {
    if reverse {
        items.reverse();
    }
    let n = items.len();
    if n >= 2 {
        let mut ms = MergeState {
            min_gallop: MIN_GALLOP,
            pending: Vec::new(),
            meter,
        };
        let minrun = compute_minrun(n);
        let mut lo = 0;
        let mut remaining = n;
        while remaining > 0 {
            let (mut run, descending) = count_run(&mut ms, &items[lo..lo + remaining])?;
            if descending {
                items[lo..lo + run].reverse();
            }
            if run < minrun {
                let force = remaining.min(minrun);
                binary_sort(&mut ms, &mut items[lo..lo + force], run)?;
                run = force;
            }
            found_new_run(&mut ms, items, run, n)?;
            ms.pending.push(Run {
                base: lo,
                len: run,
                power: 0,
            });
            lo += run;
            remaining -= run;
        }
        force_collapse(&mut ms, items)?;
    }
    if reverse {
        items.reverse();
    }
    Ok(())
}

/// `merge_compute_minrun`.
fn compute_minrun(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// `count_run`: the length of the run at the start of `a`, and whether it
/// is strictly descending.
fn count_run(ms: &mut MergeState<'_, '_>, a: &[Value]) -> CalcResult<(usize, bool)> {
    if a.len() == 1 {
        return Ok((1, false));
    }
    let mut n = 2;
    if ms.lt(&a[1], &a[0])? {
        while n < a.len() && ms.lt(&a[n], &a[n - 1])? {
            n += 1;
        }
        Ok((n, true))
    } else {
        while n < a.len() && !ms.lt(&a[n], &a[n - 1])? {
            n += 1;
        }
        Ok((n, false))
    }
}

/// `binarysort`: `a[..start]` is sorted; insert the rest, each after any
/// equal items (stable).
fn binary_sort(ms: &mut MergeState<'_, '_>, a: &mut [Value], start: usize) -> CalcResult<()> {
    let start = start.max(1);
    for i in start..a.len() {
        let pivot = a[i].clone();
        let (mut l, mut r) = (0, i);
        loop {
            let p = l + ((r - l) >> 1);
            if ms.lt(&pivot, &a[p])? {
                r = p;
            } else {
                l = p + 1;
            }
            if l >= r {
                break;
            }
        }
        a[l..=i].rotate_right(1);
    }
    Ok(())
}

/// `powerloop`: the depth of the boundary between two runs in Powersort's
/// conceptual merge tree.
fn power_loop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut result = 0;
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

/// `found_new_run`: merge pending runs of greater power than the boundary
/// before the new run of length `n2`.
fn found_new_run(
    ms: &mut MergeState<'_, '_>,
    items: &mut [Value],
    n2: usize,
    n: usize,
) -> CalcResult<()> {
    let Some(top) = ms.pending.last().copied() else {
        return Ok(());
    };
    let power = power_loop(top.base, top.len, n2, n);
    while ms.pending.len() > 1 && ms.pending[ms.pending.len() - 2].power > power {
        let at = ms.pending.len() - 2;
        merge_at(ms, items, at)?;
    }
    if let Some(last) = ms.pending.last_mut() {
        last.power = power;
    }
    Ok(())
}

/// `merge_force_collapse`.
fn force_collapse(ms: &mut MergeState<'_, '_>, items: &mut [Value]) -> CalcResult<()> {
    while ms.pending.len() > 1 {
        let mut n = ms.pending.len() - 2;
        if n > 0 && ms.pending[n - 1].len < ms.pending[n + 1].len {
            n -= 1;
        }
        merge_at(ms, items, n)?;
    }
    Ok(())
}

/// `merge_at`: merges pending runs `i` and `i + 1`.
fn merge_at(ms: &mut MergeState<'_, '_>, items: &mut [Value], i: usize) -> CalcResult<()> {
    let Run {
        base: base_a,
        len: mut na,
        ..
    } = ms.pending[i];
    let Run {
        base: base_b,
        len: mut nb,
        ..
    } = ms.pending[i + 1];
    ms.pending[i].len = na + nb;
    ms.pending.remove(i + 1);
    // Where does b start in a? Items of a before that are in place.
    let k = gallop_right(ms, &items[base_b].clone(), &items[base_a..base_a + na], 0)?;
    let base_a = base_a + k;
    na -= k;
    if na == 0 {
        return Ok(());
    }
    // Where does a end in b? Items of b after that are in place.
    nb = gallop_left(
        ms,
        &items[base_a + na - 1].clone(),
        &items[base_b..base_b + nb],
        nb - 1,
    )?;
    if nb == 0 {
        return Ok(());
    }
    if na <= nb {
        merge_lo(ms, items, base_a, na, base_b, nb)
    } else {
        merge_hi(ms, items, base_a, na, base_b, nb)
    }
}

/// `gallop_left`: where `key` goes in sorted `a`, before any equal items,
/// searching out from `hint`.
fn gallop_left(
    ms: &mut MergeState<'_, '_>,
    key: &Value,
    a: &[Value],
    hint: usize,
) -> CalcResult<usize> {
    let n = a.len();
    let (mut last, mut ofs);
    if ms.lt(&a[hint], key)? {
        // a[hint] < key: gallop right.
        let max = n - hint;
        last = 0;
        ofs = 1;
        while ofs < max {
            if ms.lt(&a[hint + ofs], key)? {
                last = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(max);
        last += hint;
        ofs += hint;
        // a[last] < key <= a[ofs], as signed offsets from a[0] below.
        return binary_left(ms, key, a, last as isize, ofs);
    }
    // key <= a[hint]: gallop left.
    let max = hint + 1;
    last = 0;
    ofs = 1;
    while ofs < max {
        if ms.lt(&a[hint - ofs], key)? {
            break;
        }
        last = ofs;
        ofs = (ofs << 1) + 1;
    }
    ofs = ofs.min(max);
    let low = hint as isize - ofs as isize;
    let high = hint - last;
    binary_left(ms, key, a, low, high)
}

/// The binary search that ends `gallop_left`: `a[low] < key <= a[high]`.
fn binary_left(
    ms: &mut MergeState<'_, '_>,
    key: &Value,
    a: &[Value],
    low: isize,
    mut high: usize,
) -> CalcResult<usize> {
    let mut low = (low + 1) as usize;
    while low < high {
        let m = low + ((high - low) >> 1);
        if ms.lt(&a[m], key)? {
            low = m + 1;
        } else {
            high = m;
        }
    }
    Ok(high)
}

/// `gallop_right`: where `key` goes in sorted `a`, after any equal items.
fn gallop_right(
    ms: &mut MergeState<'_, '_>,
    key: &Value,
    a: &[Value],
    hint: usize,
) -> CalcResult<usize> {
    let n = a.len();
    let (mut last, mut ofs) = (0, 1);
    let (low, mut high);
    if ms.lt(key, &a[hint])? {
        // key < a[hint]: gallop left.
        let max = hint + 1;
        while ofs < max {
            if ms.lt(key, &a[hint - ofs])? {
                last = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(max);
        low = hint as isize - ofs as isize;
        high = hint - last;
    } else {
        // a[hint] <= key: gallop right.
        let max = n - hint;
        while ofs < max {
            if ms.lt(key, &a[hint + ofs])? {
                break;
            }
            last = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(max);
        low = (last + hint) as isize;
        high = ofs + hint;
    }
    let mut low = (low + 1) as usize;
    while low < high {
        let m = low + ((high - low) >> 1);
        if ms.lt(key, &a[m])? {
            high = m;
        } else {
            low = m + 1;
        }
    }
    Ok(high)
}

/// `merge_lo`: merges `items[a..a+na]` and `items[b..b+nb]` (adjacent,
/// `na <= nb`) from the left, with the first run in a temporary copy.
fn merge_lo(
    ms: &mut MergeState<'_, '_>,
    items: &mut [Value],
    a: usize,
    mut na: usize,
    b: usize,
    mut nb: usize,
) -> CalcResult<()> {
    let tmp: Vec<Value> = items[a..a + na].to_vec();
    let (mut ia, mut ib, mut dest) = (0usize, b, a);
    // Leaves the rest of the temporary run in place, whatever happened.
    let finish = |items: &mut [Value], ia: usize, na: usize, dest: usize| {
        items[dest..dest + na].clone_from_slice(&tmp[ia..ia + na]);
    };
    items[dest] = items[ib].clone();
    dest += 1;
    ib += 1;
    nb -= 1;
    if nb == 0 {
        finish(items, ia, na, dest);
        return Ok(());
    }
    if na == 1 {
        return copy_b_lo(items, &tmp[ia], ib, nb, dest);
    }
    let mut min_gallop = ms.min_gallop;
    let result: CalcResult<bool> = (|| {
        loop {
            let (mut acount, mut bcount) = (0usize, 0usize);
            // The straightforward merge, until one run wins often.
            loop {
                if ms.lt(&items[ib], &tmp[ia])? {
                    items[dest] = items[ib].clone();
                    dest += 1;
                    ib += 1;
                    bcount += 1;
                    acount = 0;
                    nb -= 1;
                    if nb == 0 {
                        return Ok(false);
                    }
                    if bcount >= min_gallop {
                        break;
                    }
                } else {
                    items[dest] = tmp[ia].clone();
                    dest += 1;
                    ia += 1;
                    acount += 1;
                    bcount = 0;
                    na -= 1;
                    if na == 1 {
                        return Ok(true);
                    }
                    if acount >= min_gallop {
                        break;
                    }
                }
            }
            // Galloping, while either run keeps winning by long stretches.
            min_gallop += 1;
            loop {
                min_gallop -= usize::from(min_gallop > 1);
                ms.min_gallop = min_gallop;
                let key = items[ib].clone();
                let k = gallop_right(ms, &key, &tmp[ia..ia + na], 0)?;
                acount = k;
                if k > 0 {
                    items[dest..dest + k].clone_from_slice(&tmp[ia..ia + k]);
                    dest += k;
                    ia += k;
                    na -= k;
                    if na == 1 {
                        return Ok(true);
                    }
                    if na == 0 {
                        return Ok(false);
                    }
                }
                items[dest] = items[ib].clone();
                dest += 1;
                ib += 1;
                nb -= 1;
                if nb == 0 {
                    return Ok(false);
                }
                let key = tmp[ia].clone();
                let k = gallop_left(ms, &key, &items[ib..ib + nb], 0)?;
                bcount = k;
                if k > 0 {
                    for j in 0..k {
                        items[dest + j] = items[ib + j].clone();
                    }
                    dest += k;
                    ib += k;
                    nb -= k;
                    if nb == 0 {
                        return Ok(false);
                    }
                }
                items[dest] = tmp[ia].clone();
                dest += 1;
                ia += 1;
                na -= 1;
                if na == 1 {
                    return Ok(true);
                }
                if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                    break;
                }
            }
            min_gallop += 1;
            ms.min_gallop = min_gallop;
        }
    })();
    match result {
        Ok(true) => copy_b_lo(items, &tmp[ia], ib, nb, dest),
        Ok(false) => {
            finish(items, ia, na, dest);
            Ok(())
        }
        Err(e) => {
            finish(items, ia, na, dest);
            Err(e)
        }
    }
}

/// `merge_lo`'s `CopyB`: the rest of b, then the last item of a.
fn copy_b_lo(
    items: &mut [Value],
    last_a: &Value,
    ib: usize,
    nb: usize,
    dest: usize,
) -> CalcResult<()> {
    for j in 0..nb {
        items[dest + j] = items[ib + j].clone();
    }
    items[dest + nb] = last_a.clone();
    Ok(())
}

/// `merge_hi`: merges `items[a..a+na]` and `items[b..b+nb]` (adjacent,
/// `na > nb`) from the right, with the second run in a temporary copy.
fn merge_hi(
    ms: &mut MergeState<'_, '_>,
    items: &mut [Value],
    a: usize,
    mut na: usize,
    b: usize,
    mut nb: usize,
) -> CalcResult<()> {
    let tmp: Vec<Value> = items[b..b + nb].to_vec();
    // Indices of the current last items: of a in `items`, of b in `tmp`,
    // and the next place to fill, from the right.
    let mut ia = a + na - 1;
    let mut ib = nb - 1;
    let mut dest = b + nb - 1;
    let finish = |items: &mut [Value], ib: usize, nb: usize, dest: usize| {
        if nb > 0 {
            items[dest + 1 - nb..=dest].clone_from_slice(&tmp[ib + 1 - nb..=ib]);
        }
    };
    items[dest] = items[ia].clone();
    dest -= 1;
    na -= 1;
    if na == 0 {
        finish(items, ib, nb, dest);
        return Ok(());
    }
    ia -= 1;
    if nb == 1 {
        return copy_a_hi(items, &tmp[ib], ia, na, dest);
    }
    let mut min_gallop = ms.min_gallop;
    let result: CalcResult<bool> = (|| {
        loop {
            let (mut acount, mut bcount) = (0usize, 0usize);
            loop {
                if ms.lt(&tmp[ib], &items[ia])? {
                    items[dest] = items[ia].clone();
                    dest -= 1;
                    acount += 1;
                    bcount = 0;
                    na -= 1;
                    if na == 0 {
                        return Ok(false);
                    }
                    ia -= 1;
                    if acount >= min_gallop {
                        break;
                    }
                } else {
                    items[dest] = tmp[ib].clone();
                    dest -= 1;
                    bcount += 1;
                    acount = 0;
                    nb -= 1;
                    if nb == 1 {
                        ib -= 1;
                        return Ok(true);
                    }
                    ib -= 1;
                    if bcount >= min_gallop {
                        break;
                    }
                }
            }
            min_gallop += 1;
            loop {
                min_gallop -= usize::from(min_gallop > 1);
                ms.min_gallop = min_gallop;
                // a's items from ia - na + 1 to ia; b's last is tmp[ib].
                let key = tmp[ib].clone();
                let base_a = ia + 1 - na;
                let k = gallop_right(ms, &key, &items[base_a..=ia], na - 1)?;
                let k = na - k;
                acount = k;
                if k > 0 {
                    // Move a's last k items up to end at `dest`.
                    for j in 0..k {
                        items[dest - j] = items[ia - j].clone();
                    }
                    dest -= k;
                    na -= k;
                    if na == 0 {
                        return Ok(false);
                    }
                    ia -= k;
                }
                items[dest] = tmp[ib].clone();
                dest -= 1;
                nb -= 1;
                if nb == 1 {
                    ib -= 1;
                    return Ok(true);
                }
                ib -= 1;
                let key = items[ia].clone();
                let k = gallop_left(ms, &key, &tmp[..=ib], nb - 1)?;
                let k = nb - k;
                bcount = k;
                if k > 0 {
                    for j in 0..k {
                        items[dest - j] = tmp[ib - j].clone();
                    }
                    dest -= k;
                    nb -= k;
                    if nb == 1 {
                        ib -= k;
                        return Ok(true);
                    }
                    if nb == 0 {
                        return Ok(false);
                    }
                    ib -= k;
                }
                items[dest] = items[ia].clone();
                dest -= 1;
                na -= 1;
                if na == 0 {
                    return Ok(false);
                }
                ia -= 1;
                if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                    break;
                }
            }
            min_gallop += 1;
            ms.min_gallop = min_gallop;
        }
    })();
    match result {
        Ok(true) => copy_a_hi(items, &tmp[ib], ia, na, dest),
        Ok(false) => {
            finish(items, ib, nb, dest);
            Ok(())
        }
        Err(e) => {
            finish(items, ib, nb, dest);
            Err(e)
        }
    }
}

/// `merge_hi`'s `CopyA`: the rest of a moves up, then b's first item goes
/// in front of it.
fn copy_a_hi(
    items: &mut [Value],
    first_b: &Value,
    ia: usize,
    na: usize,
    dest: usize,
) -> CalcResult<()> {
    for j in 0..na {
        items[dest - j] = items[ia - j].clone();
    }
    items[dest - na] = first_b.clone();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::Limits;

    fn sorted(values: &[f64]) -> Vec<f64> {
        let mut items: Vec<Value> = values.iter().map(|&x| Value::Float(x)).collect();
        let mut meter = Meter::new(&Limits {
            max_work: u64::MAX,
            ..Limits::DEFAULT
        });
        sort(&mut items, false, &mut meter).unwrap();
        items
            .iter()
            .map(|v| match v {
                Value::Float(x) => *x,
                _ => unreachable!(),
            })
            .collect()
    }

    /// A consistent order: the result is the sorted list, for sizes that
    /// reach every path (runs, minrun, galloping, both merges).
    #[test]
    fn sorts_like_a_stable_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [0, 1, 2, 3, 10, 63, 64, 65, 100, 500, 2000, 5000] {
            for pattern in 0..4 {
                let values: Vec<f64> = (0..n)
                    .map(|i| match pattern {
                        0 => (next() % 1000) as f64,
                        1 => i as f64,
                        2 => (n - i) as f64,
                        _ => ((i % 37) * (next() % 3)) as f64,
                    })
                    .collect();
                let mut expected = values.clone();
                expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
                assert_eq!(sorted(&values), expected, "n={n} pattern={pattern}");
            }
        }
    }

    /// With NaNs the order is CPython's own: cases recorded from CPython
    /// 3.11 (`tests/data/nan_sorts.txt`), long enough to merge runs.
    #[test]
    fn nans_land_where_cpython_puts_them() {
        let nan = f64::NAN;
        let show = |v: &[f64]| -> String {
            v.iter()
                .map(|x| {
                    if x.is_nan() {
                        "n".to_string()
                    } else {
                        format!("{x}")
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(show(&sorted(&[3.0, nan, 1.0, 2.0])), "3,n,1,2");
        assert_eq!(show(&sorted(&[3.0, 1.0, nan, 2.0, 0.0])), "0,1,2,3,n");
        let data = include_str!("../../../tests/data/nan_sorts.txt");
        let mut lines = data.lines().filter(|l| !l.starts_with('#'));
        let mut cases = 0;
        while let (Some(input), Some(expected)) = (lines.next(), lines.next()) {
            let values: Vec<f64> = input
                .split_once(' ')
                .map_or("", |(_, v)| v)
                .split(',')
                .map(|x| if x == "n" { nan } else { x.parse().unwrap() })
                .collect();
            assert_eq!(show(&sorted(&values)), expected, "{input}");
            cases += 1;
        }
        assert_eq!(cases, 3);
    }
}
