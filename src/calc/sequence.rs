//! Tuples, lists, strings and ranges: building them within the limits,
//! indexing, slicing, repetition and comparison, with CPython's rules and
//! messages (`listobject.c`, `tupleobject.c`, `rangeobject.c`,
//! `sliceobject.c`).
//!
//! Every sequence that is built is checked against
//! [`Limits::max_sequence_len`] *before* its memory is reserved, and the
//! elements it copies are charged to the work budget. A container also
//! records how deeply containers nest inside it and an estimate of the
//! memory it holds, computed once when it is built: so printing, comparing
//! and dropping a value recurse no deeper than [`Limits::max_depth`], and a
//! session can tell what a variable costs without walking it.
//!
//! Ranges are never materialised: a `range` holds its start, stop and step
//! (arbitrary-precision, as in CPython) and answers `len`, indexing,
//! slicing and `in` arithmetically.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

use super::error::{CalcError, CalcResult, index_error, overflow_error, type_error, value_error};
use super::limits::Limits;
use super::number::{Int, Meter};
use super::value::Value;

/// The items of a tuple or a list, with what the limits need to know of
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    items: Vec<Value>,
    /// Containers nested in this one, itself included (1 for a flat list).
    depth: usize,
    /// [`Value::memory_bytes`] of the items, plus the vector itself.
    bytes: usize,
    /// Whether a str is among the items, or in a sequence among them: such
    /// a sequence may be displayed, not computed with
    /// ([`Value::check_computable`]).
    has_str: bool,
}

impl Sequence {
    /// A sequence of `items`, refused if it would be longer than the limit
    /// or nest deeper than the depth limit. (The caller has already checked
    /// the length before gathering the items, when it could.)
    pub fn new(items: Vec<Value>, limits: &Limits) -> CalcResult<Sequence> {
        check_len(items.len(), limits)?;
        let mut depth = 1;
        let mut bytes = 24usize;
        let mut has_str = false;
        for item in &items {
            match item {
                Value::Tuple(s) | Value::List(s) => {
                    depth = depth.max(s.depth + 1);
                    has_str |= s.has_str;
                }
                Value::Str(_) => has_str = true,
                _ => {}
            }
            bytes = bytes.saturating_add(item.memory_bytes());
        }
        if depth > limits.max_depth {
            return Err(CalcError::TooDeep {
                max: limits.max_depth,
            });
        }
        Ok(Sequence {
            items,
            depth,
            bytes,
            has_str,
        })
    }

    pub fn items(&self) -> &[Value] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn memory_bytes(&self) -> usize {
        self.bytes
    }

    /// Whether a str is in it, at any depth.
    pub fn holds_str(&self) -> bool {
        self.has_str
    }
}

/// Refuses a sequence of `len` items beyond the limit.
pub fn check_len(len: usize, limits: &Limits) -> CalcResult<()> {
    if len > limits.max_sequence_len {
        Err(CalcError::SequenceTooLong {
            max: limits.max_sequence_len,
        })
    } else {
        Ok(())
    }
}

/// A tuple of `items`.
pub fn tuple(items: Vec<Value>, meter: &Meter) -> CalcResult<Value> {
    Ok(Value::Tuple(std::sync::Arc::new(Sequence::new(
        items,
        meter.limits(),
    )?)))
}

/// A list of `items`.
pub fn list(items: Vec<Value>, meter: &Meter) -> CalcResult<Value> {
    Ok(Value::List(std::sync::Arc::new(Sequence::new(
        items,
        meter.limits(),
    )?)))
}

/// Rebuilds a value of the same kind (`tuple`, `list` or `str`) as
/// `like` from items.
fn same_kind(like: &Value, items: Vec<Value>, meter: &Meter) -> CalcResult<Value> {
    match like {
        Value::List(_) => list(items, meter),
        _ => tuple(items, meter),
    }
}

// ---------------------------------------------------------------------
// Index conversions (`PyNumber_AsSsize_t` and `__index__`)
// ---------------------------------------------------------------------

/// CPython's `PyNumber_AsSsize_t(v, NULL)`: an int clamped to the `i64`
/// range (how slice bounds are read). `None` for a value that is not an
/// int.
fn clamped_index(v: &Value) -> Option<i64> {
    let i = v.as_int()?;
    Some(match i {
        Int::Small(i) => i,
        Int::Big(b) if b.is_negative() => i64::MIN,
        Int::Big(_) => i64::MAX,
    })
}

/// CPython's `PyNumber_AsSsize_t(v, IndexError)`, as `seq[i]` reads `i`.
fn item_index(v: &Value) -> Option<CalcResult<i64>> {
    let i = v.as_int()?;
    Some(match i {
        Int::Small(i) => Ok(i),
        Int::Big(_) => Err(index_error("cannot fit 'int' into an index-sized integer")),
    })
}

/// CPython's `PyNumber_AsSsize_t(v, OverflowError)`, as `seq * n` reads
/// `n`.
pub fn repeat_count(n: &Int) -> CalcResult<i64> {
    match n {
        Int::Small(i) => Ok(*i),
        Int::Big(_) => Err(overflow_error(
            "cannot fit 'int' into an index-sized integer",
        )),
    }
}

// ---------------------------------------------------------------------
// Slices
// ---------------------------------------------------------------------

/// The three parts of `a[lower:upper:step]`, each `None` when omitted (or
/// written `None`).
#[derive(Debug, Clone)]
pub struct Slice {
    pub lower: Option<Value>,
    pub upper: Option<Value>,
    pub step: Option<Value>,
}

const SLICE_INDEX_TYPE: &str = "slice indices must be integers or None or have an __index__ method";

impl Slice {
    /// CPython's `PySlice_Unpack` and `PySlice_AdjustIndices`: the first
    /// index, the step and the number of items, for a sequence of `len`.
    fn indices(&self, len: usize) -> CalcResult<(i64, i64, usize)> {
        let read = |v: &Option<Value>| -> CalcResult<Option<i64>> {
            match v {
                None | Some(Value::None) => Ok(None),
                Some(v) => clamped_index(v)
                    .map(Some)
                    .ok_or_else(|| type_error(SLICE_INDEX_TYPE)),
            }
        };
        let step = match read(&self.step)? {
            None => 1,
            Some(0) => return Err(value_error("slice step cannot be zero")),
            Some(s) => s.max(-i64::MAX),
        };
        let start = read(&self.lower)?.unwrap_or(if step < 0 { i64::MAX } else { 0 });
        let stop = read(&self.upper)?.unwrap_or(if step < 0 { i64::MIN } else { i64::MAX });
        let len = len as i64;
        let adjust = |i: i64| -> i64 {
            if i < 0 {
                let i = i.saturating_add(len);
                if i < 0 {
                    if step < 0 { -1 } else { 0 }
                } else {
                    i
                }
            } else if i >= len {
                if step < 0 { len - 1 } else { len }
            } else {
                i
            }
        };
        let (start, stop) = (adjust(start), adjust(stop));
        let count = if step < 0 {
            if stop < start {
                (start - stop - 1) / (-step) + 1
            } else {
                0
            }
        } else if start < stop {
            (stop - start - 1) / step + 1
        } else {
            0
        };
        Ok((start, step, count as usize))
    }
}

/// `seq[slice]` for a tuple, list or string.
pub fn slice(seq: &Value, slice: &Slice, meter: &mut Meter) -> CalcResult<Value> {
    match seq {
        Value::Tuple(s) | Value::List(s) => {
            let (start, step, count) = slice.indices(s.len())?;
            meter.charge(copy_cost(s.items(), count))?;
            let items = (0..count)
                .map(|k| s.items[(start + k as i64 * step) as usize].clone())
                .collect();
            same_kind(seq, items, meter)
        }
        Value::Str(text) => {
            let (start, step, count) = slice.indices(text.len())?;
            meter.charge(count as u64)?;
            let bytes = text.as_bytes();
            let sliced = (0..count)
                .map(|k| char::from(bytes[(start + k as i64 * step) as usize]))
                .collect();
            Ok(Value::str(sliced))
        }
        Value::Range(r) => r.slice(slice, meter).map(|r| Value::Range(r.into())),
        other => Err(not_subscriptable(other)),
    }
}

/// `seq[index]`.
pub fn index(seq: &Value, index: &Value) -> CalcResult<Value> {
    let (len, kind) = match seq {
        Value::Tuple(s) => (s.len(), "tuple"),
        Value::List(s) => (s.len(), "list"),
        Value::Str(t) => (t.len(), "string"),
        Value::Range(r) => return r.item(index).map(Value::Int),
        other => return Err(not_subscriptable(other)),
    };
    let Some(i) = item_index(index) else {
        return Err(type_error(match seq {
            Value::Str(_) => format!(
                "string indices must be integers, not '{}'",
                index.type_name()
            ),
            _ => format!(
                "{kind} indices must be integers or slices, not {}",
                index.type_name()
            ),
        }));
    };
    let i = i?;
    let at = if i < 0 { i + len as i64 } else { i };
    if at < 0 || at >= len as i64 {
        return Err(index_error(format!("{kind} index out of range")));
    }
    let at = at as usize;
    Ok(match seq {
        Value::Str(t) => Value::str(char::from(t.as_bytes()[at]).to_string()),
        Value::Tuple(s) | Value::List(s) => s.items[at].clone(),
        _ => unreachable!("handled above"),
    })
}

pub fn not_subscriptable(v: &Value) -> CalcError {
    type_error(format!("'{}' object is not subscriptable", v.type_name()))
}

// ---------------------------------------------------------------------
// Concatenation and repetition
// ---------------------------------------------------------------------

/// `a + b` for two sequences of the same kind (the caller has checked
/// the kinds).
pub fn concat(a: &Value, b: &Value, meter: &mut Meter) -> CalcResult<Value> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => {
            check_len(x.len() + y.len(), meter.limits())?;
            meter.charge((x.len() + y.len()) as u64 / 8 + 1)?;
            Ok(Value::str(format!("{x}{y}")))
        }
        _ => {
            let (x, y) = (a.items().unwrap_or(&[]), b.items().unwrap_or(&[]));
            check_len(x.len() + y.len(), meter.limits())?;
            meter.charge(copy_cost(x, x.len()).saturating_add(copy_cost(y, y.len())))?;
            let mut items = Vec::with_capacity(x.len() + y.len());
            items.extend_from_slice(x);
            items.extend_from_slice(y);
            same_kind(a, items, meter)
        }
    }
}

/// `seq * n` (and `n * seq`): the count is read first (an int too big for
/// a machine word is CPython's `OverflowError`), then the length is
/// checked against the limit before anything is allocated.
pub fn repeat(seq: &Value, n: &Int, meter: &mut Meter) -> CalcResult<Value> {
    let n = repeat_count(n)?.max(0) as u64;
    let len = match seq {
        Value::Str(s) => s.len(),
        other => other.items().map_or(0, <[Value]>::len),
    } as u64;
    let total = len.saturating_mul(n);
    if total > meter.limits().max_sequence_len as u64 {
        return Err(CalcError::SequenceTooLong {
            max: meter.limits().max_sequence_len,
        });
    }
    let total = total as usize;
    match seq {
        Value::Str(s) => {
            meter.charge(total as u64 / 8 + 1)?;
            Ok(Value::str(s.repeat(n as usize)))
        }
        _ => {
            meter.charge(copy_cost(seq.items().unwrap_or(&[]), total))?;
            let items = seq.items().unwrap_or(&[]);
            let mut out = Vec::with_capacity(total);
            // The count is bounded by the length limit only when there is
            // something to repeat: `[] * 10**18` is `[]` at once, not a
            // loop of 10**18 empty copies.
            if !items.is_empty() {
                for _ in 0..n {
                    out.extend_from_slice(items);
                }
            }
            same_kind(seq, out, meter)
        }
    }
}

// ---------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------

/// A `range`: start, stop, step and length, as CPython keeps them (ints
/// of any size: `range(10**20)` is a valid range, only its `len()` is an
/// `OverflowError`).
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub start: Int,
    pub stop: Int,
    pub step: Int,
    len: Int,
}

impl Range {
    /// `range(start, stop, step)` (the step already checked non-zero).
    pub fn new(start: Int, stop: Int, step: Int) -> Range {
        let len = range_len(&start.big(), &stop.big(), &step.big());
        Range {
            start,
            stop,
            step,
            len: Int::from(len),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len.is_zero()
    }

    /// The length as an int (it may be beyond a machine word).
    pub fn len_int(&self) -> &Int {
        &self.len
    }

    /// Python's `len(range)`: the length, if it fits a machine word.
    pub fn len(&self) -> CalcResult<usize> {
        match &self.len {
            Int::Small(n) => Ok(*n as usize),
            Int::Big(_) => Err(overflow_error(
                "Python int too large to convert to C ssize_t",
            )),
        }
    }

    /// The `i`-th item (no bounds check).
    fn at(&self, i: &BigInt) -> Int {
        Int::from(&*self.start.big() + i * &*self.step.big())
    }

    /// `range[index]`.
    pub fn item(&self, index: &Value) -> CalcResult<Int> {
        let Some(i) = index.as_int() else {
            return Err(type_error(format!(
                "range indices must be integers or slices, not {}",
                index.type_name()
            )));
        };
        // The machine-word case first: `range(n)[i]`.
        if let (Int::Small(i), Int::Small(len), Int::Small(start), Int::Small(step)) =
            (&i, &self.len, &self.start, &self.step)
        {
            let at = if *i < 0 { i + len } else { *i };
            if at < 0 || at >= *len {
                return Err(index_error("range object index out of range"));
            }
            if let Some(v) = at.checked_mul(*step).and_then(|d| d.checked_add(*start)) {
                return Ok(Int::Small(v));
            }
        }
        let mut i = i.to_bigint();
        let len = self.len.to_bigint();
        if i.is_negative() {
            i += &len;
        }
        if i.is_negative() || i >= len {
            return Err(index_error("range object index out of range"));
        }
        Ok(self.at(&i))
    }

    /// `range[slice]`: another range (CPython's `compute_slice`, on ints
    /// of any size).
    pub fn slice(&self, slice: &Slice, meter: &mut Meter) -> CalcResult<Range> {
        meter.charge(4)?;
        let read = |v: &Option<Value>| -> CalcResult<Option<BigInt>> {
            match v {
                None | Some(Value::None) => Ok(None),
                Some(v) => v
                    .as_int()
                    .map(|i| Some(i.to_bigint()))
                    .ok_or_else(|| type_error(SLICE_INDEX_TYPE)),
            }
        };
        let step = read(&slice.step)?.unwrap_or_else(BigInt::one);
        if step.is_zero() {
            return Err(value_error("slice step cannot be zero"));
        }
        let length = self.len.to_bigint();
        let negative = step.is_negative();
        let (lower, upper) = if negative {
            (-BigInt::one(), &length - 1)
        } else {
            (BigInt::zero(), length.clone())
        };
        let clamp = |v: Option<BigInt>, default: &BigInt| -> BigInt {
            match v {
                None => default.clone(),
                Some(mut i) => {
                    if i.is_negative() {
                        i += &length;
                        if i < lower { lower.clone() } else { i }
                    } else if i > upper {
                        upper.clone()
                    } else {
                        i
                    }
                }
            }
        };
        let start = clamp(read(&slice.lower)?, if negative { &upper } else { &lower });
        let stop = clamp(read(&slice.upper)?, if negative { &lower } else { &upper });
        let own_step = self.step.to_bigint();
        Ok(Range::new(
            self.at(&start),
            self.at(&stop),
            Int::from(own_step * step),
        ))
    }

    /// `x in range` for an int: arithmetic, whatever the length.
    pub fn contains_int(&self, x: &Int) -> bool {
        let (start, stop, step) = (self.start.big(), self.stop.big(), self.step.big());
        let x = x.big();
        let inside = if step.is_positive() {
            *start <= *x && *x < *stop
        } else {
            *stop < *x && *x <= *start
        };
        inside && (&*x - &*start).mod_floor(&step).is_zero()
    }

    /// The items as machine words, when all of them are (the common case,
    /// iterated without arithmetic on big ints).
    pub fn small_bounds(&self) -> Option<(i64, i64, i64)> {
        match (&self.start, &self.step, &self.len) {
            // The last item must fit a machine word too.
            (Int::Small(start), Int::Small(step), Int::Small(len))
                if (len - 1)
                    .max(0)
                    .checked_mul(*step)?
                    .checked_add(*start)
                    .is_some() =>
            {
                Some((*start, *step, *len))
            }
            _ => None,
        }
    }

    /// The `i`-th item for `i < len` (for iterating big ranges).
    pub fn nth(&self, i: u64) -> Int {
        self.at(&BigInt::from(i))
    }

    /// Python's `range.__eq__`: equal as sequences.
    pub fn equals(&self, other: &Range) -> bool {
        if self.len != other.len {
            return false;
        }
        if self.len.is_zero() {
            return true;
        }
        if self.start != other.start {
            return false;
        }
        self.len == Int::Small(1) || self.step == other.step
    }

    pub fn write_repr(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = if self.step == Int::Small(1) {
            write!(out, "range({}, {})", self.start, self.stop)
        } else {
            write!(out, "range({}, {}, {})", self.start, self.stop, self.step)
        };
    }

    /// An upper bound on the length of the repr.
    pub fn repr_len_bound(&self) -> usize {
        let digits = |i: &Int| (i.bits() as f64 * std::f64::consts::LOG10_2) as usize + 2;
        16 + digits(&self.start) + digits(&self.stop) + digits(&self.step)
    }
}

/// CPython's `compute_range_length`.
fn range_len(start: &BigInt, stop: &BigInt, step: &BigInt) -> BigInt {
    let (lo, hi, step) = if step.is_positive() {
        (start, stop, step.clone())
    } else {
        (stop, start, -step)
    };
    if lo >= hi {
        return BigInt::zero();
    }
    (hi - lo - 1u32) / step + 1u32
}

/// The length of a range for materialising or iterating it: refused when
/// it is beyond `max`.
pub fn bounded_len(r: &Range, max: usize) -> Option<usize> {
    r.len_int()
        .to_i64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n <= max)
}

// ---------------------------------------------------------------------
// Iteration
// ---------------------------------------------------------------------

/// The work charged for each item of any iteration (a `for` clause, a
/// function consuming an iterable): about what taking the next item and
/// binding it costs (two evaluator steps), so that a loop over a range of
/// any length runs out of budget in about the time the budget allows any
/// other work: `sum(1 for _ in range(10**12))` stops after about 20,000
/// items, in about a millisecond.
pub const ITEM_COST: u64 = 2 * super::number::STEP;

/// The work charged for each element copied into a new tuple or list (by
/// `*`, `+` or a slice), when the elements are numbers held in place:
/// about 4 ns with the allocation.
pub const ELEMENT_COST: u64 = 16;

/// [`ELEMENT_COST`] when an element is shared (a big int, a tuple, ...):
/// its reference count is raised now and lowered when the copy goes, about
/// 16 ns in all (`len([x]*10000)` with `x` a big int takes about 150 µs).
pub const SHARED_ELEMENT_COST: u64 = 64;

/// What copying `count` elements taken from `items` is charged.
fn copy_cost(items: &[Value], count: usize) -> u64 {
    let each = if items.iter().any(Value::owns_heap) {
        SHARED_ELEMENT_COST
    } else {
        ELEMENT_COST
    };
    each.saturating_mul(count as u64)
}

/// Feeds each item of `v` to `sink` until it answers `Break`: the items of
/// a tuple or list, the characters of a string, the numbers of a range
/// (never materialised). Anything else is CPython's "not iterable".
pub fn for_each_item(
    v: &Value,
    meter: &mut Meter,
    sink: &mut super::builtins::Sink<'_>,
) -> CalcResult<()> {
    use super::builtins::Flow;
    match v {
        Value::Tuple(s) | Value::List(s) => {
            for item in s.items() {
                meter.charge(ITEM_COST)?;
                if sink(meter, item.clone())? == Flow::Break {
                    break;
                }
            }
        }
        Value::Str(text) => {
            for c in text.chars() {
                meter.charge(ITEM_COST)?;
                if sink(meter, Value::str(c.to_string()))? == Flow::Break {
                    break;
                }
            }
        }
        Value::Range(r) => match r.small_bounds() {
            Some((start, step, len)) => {
                for k in 0..len {
                    meter.charge(ITEM_COST)?;
                    // Within bounds: `small_bounds` checked the last item.
                    let item = start + k * step;
                    if sink(meter, Value::from(item))? == Flow::Break {
                        break;
                    }
                }
            }
            None => {
                let mut k = 0u64;
                loop {
                    if BigInt::from(k) >= r.len_int().to_bigint() {
                        break;
                    }
                    meter.charge(ITEM_COST)?;
                    if sink(meter, Value::Int(r.nth(k)))? == Flow::Break {
                        break;
                    }
                    k += 1;
                }
            }
        },
        other => return Err(not_iterable(other.type_name())),
    }
    Ok(())
}

/// CPython's `'int' object is not iterable`.
pub fn not_iterable(type_name: &str) -> CalcError {
    type_error(format!("'{type_name}' object is not iterable"))
}
