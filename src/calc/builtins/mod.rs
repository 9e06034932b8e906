//! The built-in constants and functions: the only names an expression can
//! reach besides the session's own variables.
//!
//! This fixed table is the heart of the safety argument: Python's `eval()`
//! resolves names through `globals`, `__builtins__` and attribute lookups,
//! each a path to `__import__`, `open` or the object graph; here a name is
//! either a row of [`FUNCTIONS`] or [`CONSTANTS`], `math`, or a variable
//! holding a value. There is nothing else to reach.
//!
//! Each function follows CPython 3.11: the builtin of the same name, or the
//! `math` module's (bare, or as `math.NAME`; bare `pow` is the builtin,
//! `math.pow` math's). Same arguments, read the same way ([`Params`]), same
//! result type, same errors with the same messages.
//!
//! Layout: [`args`] binds arguments and defines the [`Host`] through which
//! a function iterates; `core` has the builtins, `math` the math module's
//! functions, `sort` CPython's list sort.

/// One row of the table: `function!(Module, name, spelling, group,
/// signature, params, help, body)`.
macro_rules! function {
    ($module:ident, $name:literal, $spelling:literal, $group:ident, $sig:literal, $params:expr, $help:literal, $body:expr) => {
        $crate::calc::builtins::Builtin {
            name: $name,
            spelling: $spelling,
            module: $crate::calc::builtins::Module::$module,
            group: $crate::calc::builtins::Group::$group,
            doc: $crate::calc::builtins::Doc::Text {
                signature: $sig,
                help: $help,
            },
            params: $params,
            body: $body,
        }
    };
}

pub mod args;
mod core;
mod math;
mod sort;

use super::error::{CalcResult, type_error};
use super::number::Meter;
use super::pymath;
use super::value::Value;
pub use args::{Arg, Flow, Host, Params, Sink};

/// A named constant.
#[derive(Debug)]
pub struct Constant {
    pub name: &'static str,
    pub value: f64,
}

/// Constants are equal by name (`nan` must equal itself in a syntax tree).
impl PartialEq for Constant {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// The constants, as in Python's `math` module (bare, or as `math.pi`).
pub static CONSTANTS: [Constant; 5] = [
    Constant {
        name: "pi",
        value: std::f64::consts::PI,
    },
    Constant {
        name: "e",
        value: std::f64::consts::E,
    },
    Constant {
        name: "tau",
        value: std::f64::consts::TAU,
    },
    Constant {
        name: "inf",
        value: f64::INFINITY,
    },
    Constant {
        name: "nan",
        value: f64::NAN,
    },
];

/// Where a function comes from in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Builtins,
    Math,
}

/// The groups `/help` and the README list functions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Numbers,
    Sequences,
    Powers,
    Trigonometry,
    Hyperbolic,
    Rounding,
    Integers,
    Special,
    Tests,
}

impl Group {
    /// Every group, in the order help lists them.
    pub const ALL: [Group; 9] = [
        Group::Numbers,
        Group::Sequences,
        Group::Powers,
        Group::Trigonometry,
        Group::Hyperbolic,
        Group::Rounding,
        Group::Integers,
        Group::Special,
        Group::Tests,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Numbers => "numbers and conversions",
            Group::Sequences => "sequences and iteration",
            Group::Powers => "powers and logarithms",
            Group::Trigonometry => "trigonometry (radians)",
            Group::Hyperbolic => "hyperbolic functions",
            Group::Rounding => "rounding and float parts",
            Group::Integers => "integer functions",
            Group::Special => "special functions",
            Group::Tests => "tests",
        }
    }
}

/// What a function computes, given its call.
pub type Body = fn(&mut Call<'_, '_>) -> CalcResult<Value>;

/// A built-in function: one row of the table.
pub struct Builtin {
    /// Python's name for it (`sqrt`, `pow`).
    pub name: &'static str,
    /// How safecalc writes it: the name, or `math.pow` for the math
    /// module's `pow`, which the bare name does not reach.
    pub spelling: &'static str,
    pub module: Module,
    pub group: Group,
    /// Its help.
    pub doc: Doc,
    /// How it reads its arguments.
    pub params: Params,
    body: Body,
}

/// A function's help: written in the table for the builtins; the math
/// module's come with its signatures in [`pymath`].
#[derive(Debug, Clone, Copy)]
pub enum Doc {
    Text {
        signature: &'static str,
        help: &'static str,
    },
    Math(pymath::Function),
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Builtin({})", self.spelling)
    }
}

impl PartialEq for Builtin {
    fn eq(&self, other: &Self) -> bool {
        self.spelling == other.spelling
    }
}

/// One call of a built-in, as its body sees it: the arguments bound to
/// the parameters, the keywords of a function that reads them itself, and
/// the evaluator, for the work meter and for iterating.
pub struct Call<'c, 'l> {
    pub function: &'static Builtin,
    args: &'c [Option<Arg>],
    keywords: &'c [(&'c str, Arg)],
    host: &'c mut dyn Host<'l>,
}

impl<'c, 'l> Call<'c, 'l> {
    pub fn new(
        function: &'static Builtin,
        args: &'c [Option<Arg>],
        keywords: &'c [(&'c str, Arg)],
        host: &'c mut dyn Host<'l>,
    ) -> Call<'c, 'l> {
        Call {
            function,
            args,
            keywords,
            host,
        }
    }

    /// How many argument slots were filled or passed (positional arguments,
    /// for functions that read them themselves).
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Whether the call has no arguments in its slots.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Argument `i`, if given.
    pub fn arg(&self, i: usize) -> Option<&'c Arg> {
        self.args.get(i).and_then(Option::as_ref)
    }

    /// Argument `i`, if given and not `None` (Python's `x=None` default).
    pub fn arg_not_none(&self, i: usize) -> Option<&'c Arg> {
        self.arg(i)
            .filter(|a| !matches!(a, Arg::Value(Value::None)))
    }

    /// The keyword arguments (for [`Params::Custom`] functions).
    pub fn keywords(&self) -> &'c [(&'c str, Arg)] {
        self.keywords
    }

    pub fn meter(&mut self) -> &mut Meter<'l> {
        self.host.meter()
    }

    /// Feeds each item of `iterable` to `sink` (see [`Host::for_each`]).
    pub fn for_each(&mut self, iterable: &Arg, sink: &mut Sink<'_>) -> CalcResult<()> {
        self.host.for_each(iterable, sink)
    }

    /// Python's qualified name, as some messages use it: `math.sqrt`.
    pub fn qualified(&self) -> Qualified {
        self.function.qualified()
    }
}

/// A function's qualified name, written when a message needs it (most
/// calls never do, so it is not built beforehand).
pub struct Qualified(&'static Builtin);

impl std::fmt::Display for Qualified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.module {
            Module::Builtins => f.write_str(self.0.name),
            Module::Math => write!(f, "math.{}", self.0.name),
        }
    }
}

impl Builtin {
    /// How it is called, for help: `log(x[, base])`.
    pub fn signature(&self) -> &'static str {
        match self.doc {
            Doc::Text { signature, .. } => signature,
            Doc::Math(f) => f.signature().usage,
        }
    }

    /// One line of help.
    pub fn help(&self) -> &'static str {
        match self.doc {
            Doc::Text { help, .. } => help,
            Doc::Math(f) => f.signature().help,
        }
    }

    /// Python's qualified name: `abs`, `math.sqrt`.
    pub fn qualified(&'static self) -> Qualified {
        Qualified(self)
    }

    /// Runs the function on an already bound call.
    pub fn run(&self, call: &mut Call<'_, '_>) -> CalcResult<Value> {
        call.meter().step()?;
        (self.body)(call)
    }

    /// Calls the function with positional values only, outside any
    /// evaluation (for tests and the fuzz targets' references): the count
    /// is checked, and iterables must be values.
    pub fn call_values(&'static self, values: &[Value], meter: &mut Meter) -> CalcResult<Value> {
        self.params
            .check_count(self.name, &self.qualified(), values.len())?;
        let args: Vec<Option<Arg>> = values.iter().cloned().map(Arg::Value).map(Some).collect();
        let mut host = MeterHost(meter);
        let mut call = Call::new(self, &args, &[], &mut host);
        self.run(&mut call)
    }
}

/// A [`Host`] with no evaluator behind it: it iterates values only.
pub struct MeterHost<'m, 'l>(pub &'m mut Meter<'l>);

impl<'l> Host<'l> for MeterHost<'_, 'l> {
    fn meter(&mut self) -> &mut Meter<'l> {
        self.0
    }

    fn for_each(&mut self, iterable: &Arg, sink: &mut Sink<'_>) -> CalcResult<()> {
        match iterable {
            Arg::Value(v) => super::sequence::for_each_item(v, self.0, sink),
            Arg::Generator(_) => Err(type_error("a generator needs an evaluator")),
        }
    }
}

/// Every built-in function: the builtins, then the math module's, in the
/// order help lists them within each group.
pub static FUNCTIONS: &[Builtin] = &TABLE;

const TABLE: [Builtin; TABLE_LEN] = [
    // builtins
    core::ABS,
    core::ROUND,
    core::DIVMOD,
    core::POW,
    core::INT,
    core::FLOAT,
    core::COMPLEX,
    core::BOOL,
    core::HEX,
    core::OCT,
    core::BIN,
    core::LEN,
    core::RANGE,
    core::LIST,
    core::TUPLE,
    core::SORTED,
    core::SUM,
    core::MIN,
    core::MAX,
    core::ALL,
    core::ANY,
    // math
    math::SQRT,
    math::CBRT,
    math::EXP,
    math::EXP2,
    math::EXPM1,
    math::LOG,
    math::LOG2,
    math::LOG10,
    math::LOG1P,
    math::POW,
    math::SIN,
    math::COS,
    math::TAN,
    math::ASIN,
    math::ACOS,
    math::ATAN,
    math::ATAN2,
    math::HYPOT,
    math::DIST,
    math::DEGREES,
    math::RADIANS,
    math::SINH,
    math::COSH,
    math::TANH,
    math::ASINH,
    math::ACOSH,
    math::ATANH,
    math::FLOOR,
    math::CEIL,
    math::TRUNC,
    math::FABS,
    math::COPYSIGN,
    math::FMOD,
    math::REMAINDER,
    math::MODF,
    math::FREXP,
    math::LDEXP,
    math::NEXTAFTER,
    math::ULP,
    math::FACTORIAL,
    math::COMB,
    math::PERM,
    math::ISQRT,
    math::GCD,
    math::LCM,
    math::FSUM,
    math::PROD,
    math::ERF,
    math::ERFC,
    math::GAMMA,
    math::LGAMMA,
    math::ISFINITE,
    math::ISINF,
    math::ISNAN,
    math::ISCLOSE,
];

const TABLE_LEN: usize = 76;

/// The function a bare name calls, if any (`pow` is the builtin).
#[inline]
pub fn function(name: &str) -> Option<&'static Builtin> {
    if !NAME_LENGTHS.contains(&name.len()) {
        // Most variables (`x`, `total_2`) are rejected by their length.
        return None;
    }
    BARE_NAMES.find(name)
}

/// The function `math.NAME` calls, if any.
pub fn math_function(name: &str) -> Option<&'static Builtin> {
    if !NAME_LENGTHS.contains(&name.len()) {
        return None;
    }
    MATH_NAMES.find(name)
}

/// The lengths of the functions' names, shortest to longest.
const NAME_LENGTHS: std::ops::RangeInclusive<usize> = {
    let (mut shortest, mut longest) = (usize::MAX, 0);
    let mut i = 0;
    while i < TABLE_LEN {
        let len = TABLE[i].name.len();
        if len < shortest {
            shortest = len;
        }
        if len > longest {
            longest = len;
        }
        i += 1;
    }
    shortest..=longest
};

/// Names to functions: an open-addressing hash table of indexes into
/// [`FUNCTIONS`] (0 for an empty slot), built at compile time. Looking a
/// name up is on the parser's path for every call, and a scan of the
/// seventy-odd rows was a measurable part of parsing
/// `sqrt(16)+abs(-3)*max(1,2)`.
struct NameIndex([u8; INDEX_SLOTS]);

/// A power of two, several times the number of functions, so that most
/// lookups probe one slot.
const INDEX_SLOTS: usize = 256;

static BARE_NAMES: NameIndex = NameIndex::new(false);
static MATH_NAMES: NameIndex = NameIndex::new(true);

impl NameIndex {
    /// The bare names (`math` false) or the names after `math.` (true).
    const fn new(math: bool) -> NameIndex {
        let mut slots = [0u8; INDEX_SLOTS];
        let mut i = 0;
        while i < TABLE_LEN {
            let f = &TABLE[i];
            let reachable = if math {
                matches!(f.module, Module::Math)
            } else {
                bytes_eq(f.spelling.as_bytes(), f.name.as_bytes())
            };
            if reachable {
                let mut at = slot_of(f.name.as_bytes());
                while slots[at] != 0 {
                    at = (at + 1) % INDEX_SLOTS;
                }
                // The table has fewer than 255 rows (a unit test checks).
                slots[at] = (i + 1) as u8;
            }
            i += 1;
        }
        NameIndex(slots)
    }

    #[inline]
    fn find(&self, name: &str) -> Option<&'static Builtin> {
        let mut at = slot_of(name.as_bytes());
        loop {
            let f = FUNCTIONS.get(usize::from(self.0[at]).checked_sub(1)?)?;
            if bytes_eq(f.name.as_bytes(), name.as_bytes()) {
                return Some(f);
            }
            at = (at + 1) % INDEX_SLOTS;
        }
    }
}

/// Where a name's probe starts: a hash of its length and its first, second
/// and last bytes, which tells the table's names apart well enough that
/// most lookups probe one slot, and costs a few instructions.
#[inline]
const fn slot_of(name: &[u8]) -> usize {
    let (first, second, last) = match name {
        [] => (0, 0, 0),
        [a] => (*a, 0, *a),
        [a, b] => (*a, *b, *b),
        [a, b, .., z] => (*a, *b, *z),
    };
    let h = (name.len() as u32)
        .wrapping_mul(0x9E37_79B9)
        .wrapping_add((first as u32) << 16 | (second as u32) << 8 | last as u32)
        .wrapping_mul(0x85EB_CA6B);
    (h >> 24) as usize % INDEX_SLOTS
}

/// Byte-wise equality, in line (for names, shorter than a call of
/// `memcmp` is worth).
#[inline]
const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The constant of that name, if any (bare, or after `math.`).
#[inline]
pub fn constant(name: &str) -> Option<&'static Constant> {
    // Their names have one to three letters.
    if name.len() > 3 {
        return None;
    }
    CONSTANTS.iter().find(|c| c.name == name)
}

/// The name of the math module, which is fixed too.
pub const MATH: &str = "math";

/// True for the names a session may not assign to.
pub fn is_builtin_name(name: &str) -> bool {
    function(name).is_some() || constant(name).is_some() || name == MATH
}

/// Every name an expression can reach besides variables, for
/// suggestions: the functions, the constants, `math`.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .filter(|f| f.spelling == f.name)
        .map(|f| f.name)
        .chain(CONSTANTS.iter().map(|c| c.name))
        .chain(std::iter::once(MATH))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::Limits;

    #[test]
    fn every_function_is_found_by_name() {
        for f in FUNCTIONS.iter() {
            if f.spelling == f.name {
                assert_eq!(function(f.name).unwrap().spelling, f.spelling);
            }
            if f.module == Module::Math {
                assert_eq!(math_function(f.name).unwrap().spelling, f.spelling);
            }
            assert!(f.signature().starts_with(f.name), "{}", f.signature());
            if f.module == Module::Math {
                assert!(pymath::Function::from_name(f.name).is_some(), "{}", f.name);
            }
        }
        assert_eq!(function("pow").unwrap().module, Module::Builtins);
        assert_eq!(math_function("pow").unwrap().spelling, "math.pow");
        assert!(CONSTANTS.iter().all(|c| constant(c.name).is_some()));
        assert!(function("open").is_none());
        assert!(function("__import__").is_none());
        assert!(math_function("abs").is_none());
        assert!(FUNCTIONS.len() < 255, "the name index holds a byte per row");
    }

    #[test]
    fn call_values_checks_the_count() {
        let mut meter = Meter::new(&Limits::DEFAULT);
        let err = function("sqrt")
            .unwrap()
            .call_values(&[], &mut meter)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "math.sqrt() takes exactly one argument (0 given)"
        );
    }
}
