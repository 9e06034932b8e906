//! How each math function is called: its parameters, the keywords it
//! accepts, and CPython 3.11's exact message for every wrong call.
//!
//! CPython's functions are declared four ways, and each way words its
//! argument-count errors differently (all measured on CPython 3.11.7):
//!
//! | declaration | functions | message |
//! |---|---|---|
//! | `METH_O` | one-argument functions | `math.sin() takes exactly one argument (2 given)` |
//! | `_PyArg_CheckPositional` | `atan2 comb copysign dist fmod ldexp nextafter pow remainder` | `atan2 expected 2 arguments, got 1` |
//! | clinic optional group | `log` | `math.log requires 1 to 2 arguments` |
//! | clinic with a default | `perm` | `perm expected at least 1 argument, got 0`, `... at most 2 arguments, got 3` |
//! | `*args` | `gcd lcm hypot` | any count |
//! | clinic with keywords | `isclose`, `prod` | `_PyArg_UnpackKeywords`' messages, below |
//!
//! Keywords are refused by all but two: `math.sin() takes no keyword
//! arguments` (and, alone in its wording, `log() takes no keyword
//! arguments`). `isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)` takes `a`
//! and `b` by position or name and the tolerances by name only;
//! `prod(iterable, /, *, start=1)` takes `start` by name only.

use super::{MathError, MathResult, PyException};

/// How a function takes its arguments (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Params {
    /// Exactly one positional argument (`METH_O`).
    One,
    /// Exactly two positional arguments.
    Two,
    /// `log(x[, base])`.
    Log,
    /// `perm(n, k=None)`.
    Perm,
    /// Any number of positional arguments.
    Varargs,
    /// `isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)`.
    Isclose,
    /// `prod(iterable, /, *, start=1)`.
    Prod,
}

/// One row of the table: a function, how it is called, and its help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub function: Function,
    pub name: &'static str,
    pub params: Params,
    /// The keyword arguments it accepts, in parameter order.
    pub keywords: &'static [&'static str],
    /// How it is called, as in CPython's help: `log(x[, base])`.
    pub usage: &'static str,
    /// CPython's one-line description.
    pub help: &'static str,
}

macro_rules! functions {
    ($($variant:ident $name:literal $params:ident [$($kw:literal),*] $usage:literal $help:literal;)*) => {
        /// Every function of CPython 3.11's `math` module.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function { $($variant),* }

        /// The table, in alphabetical order (as `dir(math)` lists them).
        pub static SIGNATURES: [Signature; [$($name),*].len()] = [
            $(Signature {
                function: Function::$variant,
                name: $name,
                params: Params::$params,
                keywords: &[$($kw),*],
                usage: $usage,
                help: $help,
            }),*
        ];
    };
}

functions! {
    Acos "acos" One [] "acos(x)" "arc cosine of x, in radians";
    Acosh "acosh" One [] "acosh(x)" "inverse hyperbolic cosine of x";
    Asin "asin" One [] "asin(x)" "arc sine of x, in radians";
    Asinh "asinh" One [] "asinh(x)" "inverse hyperbolic sine of x";
    Atan "atan" One [] "atan(x)" "arc tangent of x, in radians";
    Atan2 "atan2" Two [] "atan2(y, x)" "arc tangent of y/x, in the right quadrant";
    Atanh "atanh" One [] "atanh(x)" "inverse hyperbolic tangent of x";
    Cbrt "cbrt" One [] "cbrt(x)" "cube root of x";
    Ceil "ceil" One [] "ceil(x)" "smallest integer >= x";
    Comb "comb" Two [] "comb(n, k)" "ways to choose k of n items, unordered";
    Copysign "copysign" Two [] "copysign(x, y)" "x with the sign of y";
    Cos "cos" One [] "cos(x)" "cosine of x radians";
    Cosh "cosh" One [] "cosh(x)" "hyperbolic cosine of x";
    Degrees "degrees" One [] "degrees(x)" "x radians in degrees";
    Dist "dist" Two [] "dist(p, q)" "Euclidean distance between points p and q";
    Erf "erf" One [] "erf(x)" "error function at x";
    Erfc "erfc" One [] "erfc(x)" "complementary error function at x";
    Exp "exp" One [] "exp(x)" "e raised to the power x";
    Exp2 "exp2" One [] "exp2(x)" "2 raised to the power x";
    Expm1 "expm1" One [] "expm1(x)" "exp(x) - 1, accurate for small x";
    Fabs "fabs" One [] "fabs(x)" "absolute value of x, as a float";
    Factorial "factorial" One [] "factorial(n)" "n! for an integer n >= 0";
    Floor "floor" One [] "floor(x)" "largest integer <= x";
    Fmod "fmod" Two [] "fmod(x, y)" "C's fmod: remainder with the sign of x";
    Frexp "frexp" One [] "frexp(x)" "(m, e) with x == m * 2**e, 0.5 <= |m| < 1";
    Fsum "fsum" One [] "fsum(iterable)" "correctly rounded sum of floats";
    Gamma "gamma" One [] "gamma(x)" "Gamma function at x";
    Gcd "gcd" Varargs [] "gcd(*integers)" "greatest common divisor";
    Hypot "hypot" Varargs [] "hypot(*coordinates)" "Euclidean norm, sqrt(sum of squares)";
    Isclose "isclose" Isclose ["a", "b", "rel_tol", "abs_tol"] "isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)" "whether a and b are close";
    Isfinite "isfinite" One [] "isfinite(x)" "whether x is neither infinite nor NaN";
    Isinf "isinf" One [] "isinf(x)" "whether x is infinite";
    Isnan "isnan" One [] "isnan(x)" "whether x is NaN";
    Isqrt "isqrt" One [] "isqrt(n)" "integer square root of n >= 0";
    Lcm "lcm" Varargs [] "lcm(*integers)" "least common multiple";
    Ldexp "ldexp" Two [] "ldexp(x, i)" "x * 2**i";
    Lgamma "lgamma" One [] "lgamma(x)" "log of |Gamma(x)|";
    Log "log" Log [] "log(x[, base])" "logarithm of x, natural or to a base";
    Log10 "log10" One [] "log10(x)" "base-10 logarithm of x";
    Log1p "log1p" One [] "log1p(x)" "log(1 + x), accurate for small x";
    Log2 "log2" One [] "log2(x)" "base-2 logarithm of x";
    Modf "modf" One [] "modf(x)" "(fractional part, integer part) of x";
    Nextafter "nextafter" Two [] "nextafter(x, y)" "next float after x toward y";
    Perm "perm" Perm [] "perm(n, k=None)" "ways to choose k of n items, ordered";
    Pow "pow" Two [] "pow(x, y)" "x ** y as floats";
    Prod "prod" Prod ["start"] "prod(iterable, *, start=1)" "product of the items";
    Radians "radians" One [] "radians(x)" "x degrees in radians";
    Remainder "remainder" Two [] "remainder(x, y)" "IEEE remainder: x - n*y, n nearest x/y";
    Sin "sin" One [] "sin(x)" "sine of x radians";
    Sinh "sinh" One [] "sinh(x)" "hyperbolic sine of x";
    Sqrt "sqrt" One [] "sqrt(x)" "square root of x";
    Tan "tan" One [] "tan(x)" "tangent of x radians";
    Tanh "tanh" One [] "tanh(x)" "hyperbolic tangent of x";
    Trunc "trunc" One [] "trunc(x)" "x truncated toward 0, as an integer";
    Ulp "ulp" One [] "ulp(x)" "value of the least significant bit of x";
}

impl Function {
    /// The function called `name` (as in `math.NAME`), if any.
    pub fn from_name(name: &str) -> Option<Function> {
        SIGNATURES
            .binary_search_by(|s| s.name.cmp(name))
            .ok()
            .map(|i| SIGNATURES[i].function)
    }

    pub fn signature(self) -> &'static Signature {
        // The table is in declaration order, so the discriminant indexes it.
        &SIGNATURES[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.signature().name
    }
}

fn type_error(message: String) -> MathError {
    MathError::new(PyException::TypeError, message)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Signature {
    /// Checks a call's shape: `positional` arguments and the keyword
    /// names, in the call's order. The error is CPython's, exactly.
    /// (The caller rejects repeated keywords, a `SyntaxError` in Python.)
    pub fn check(&self, positional: usize, keywords: &[&str]) -> MathResult<()> {
        let name = self.name;
        match self.params {
            Params::Isclose => return ISCLOSE.check(positional, keywords),
            Params::Prod => return PROD.check(positional, keywords),
            // Keywords are refused before the count is looked at.
            Params::Log if !keywords.is_empty() => {
                return Err(type_error("log() takes no keyword arguments".into()));
            }
            _ if !keywords.is_empty() => {
                return Err(type_error(format!(
                    "math.{name}() takes no keyword arguments"
                )));
            }
            _ => {}
        }
        let message = match self.params {
            Params::One if positional != 1 => {
                format!("math.{name}() takes exactly one argument ({positional} given)")
            }
            Params::Two if positional != 2 => {
                format!("{name} expected 2 arguments, got {positional}")
            }
            Params::Log if !(1..=2).contains(&positional) => {
                "math.log requires 1 to 2 arguments".into()
            }
            Params::Perm if positional == 0 => "perm expected at least 1 argument, got 0".into(),
            Params::Perm if positional > 2 => {
                format!("perm expected at most 2 arguments, got {positional}")
            }
            _ => return Ok(()),
        };
        Err(type_error(message))
    }
}

/// `isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)`.
const ISCLOSE: KeywordParser = KeywordParser {
    fname: "isclose",
    posonly: 0,
    minpos: 2,
    maxpos: 2,
    names: &["a", "b", "rel_tol", "abs_tol"],
};

/// `prod(iterable, /, *, start=1)`.
const PROD: KeywordParser = KeywordParser {
    fname: "prod",
    posonly: 1,
    minpos: 1,
    maxpos: 1,
    names: &["start"],
};

/// CPython 3.11's `_PyArg_UnpackKeywords`, reduced to its checks: the
/// parameters are `posonly` positional-only ones, then `names` (which may
/// be given by name); the first `minpos` are required, at most `maxpos`
/// may be positional, and none of the keyword-only ones is required.
struct KeywordParser {
    fname: &'static str,
    posonly: usize,
    minpos: usize,
    maxpos: usize,
    names: &'static [&'static str],
}

impl KeywordParser {
    fn check(&self, nargs: usize, kwnames: &[&str]) -> MathResult<()> {
        let fname = self.fname;
        let maxargs = self.posonly + self.names.len();
        let nkwargs = kwnames.len();
        if nargs + nkwargs > maxargs {
            let keyword = if nargs == 0 { "keyword " } else { "" };
            return Err(type_error(format!(
                "{fname}() takes at most {maxargs} {keyword}argument{} ({} given)",
                plural(maxargs),
                nargs + nkwargs
            )));
        }
        if nargs > self.maxpos {
            if self.maxpos == 0 {
                return Err(type_error(format!(
                    "{fname}() takes no positional arguments"
                )));
            }
            let bound = if self.minpos < self.maxpos {
                "at most"
            } else {
                "exactly"
            };
            return Err(type_error(format!(
                "{fname}() takes {bound} {} positional argument{} ({nargs} given)",
                self.maxpos,
                plural(self.maxpos)
            )));
        }
        let minposonly = self.posonly.min(self.minpos);
        if nargs < minposonly {
            let bound = if minposonly < self.maxpos {
                "at least"
            } else {
                "exactly"
            };
            return Err(type_error(format!(
                "{fname}() takes {bound} {minposonly} positional argument{} ({nargs} given)",
                plural(minposonly)
            )));
        }
        // Fill the parameters after the positional arguments by name; a
        // required one missing is an error naming it.
        let mut remaining = nkwargs;
        for i in nargs.max(self.posonly)..maxargs {
            let keyword = self.names[i - self.posonly];
            let given = if remaining > 0 {
                kwnames.contains(&keyword)
            } else if i >= self.minpos {
                break;
            } else {
                false
            };
            if given {
                remaining -= 1;
            } else if i < self.minpos {
                return Err(type_error(format!(
                    "{fname}() missing required argument '{keyword}' (pos {})",
                    i + 1
                )));
            }
        }
        if remaining > 0 {
            // Something given by name was not used: a parameter also given
            // by position, or a name that is not a parameter.
            for i in self.posonly..nargs {
                let keyword = self.names[i - self.posonly];
                if kwnames.contains(&keyword) {
                    return Err(type_error(format!(
                        "argument for {fname}() given by name ('{keyword}') and position ({})",
                        i + 1
                    )));
                }
            }
            if let Some(unknown) = kwnames.iter().find(|k| !self.names.contains(k)) {
                return Err(type_error(format!(
                    "'{unknown}' is an invalid keyword argument for {fname}()"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_indexed_by_its_enum() {
        assert_eq!(SIGNATURES.len(), 55);
        for (i, s) in SIGNATURES.iter().enumerate() {
            assert_eq!(s.function as usize, i);
            assert_eq!(Function::from_name(s.name), Some(s.function));
            assert!(s.usage.starts_with(s.name));
        }
        assert!(SIGNATURES.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(Function::from_name("open"), None);
    }

    #[test]
    fn messages_are_cpythons() {
        let msg = |name: &str, n: usize, kw: &[&str]| {
            Function::from_name(name)
                .unwrap()
                .signature()
                .check(n, kw)
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            msg("sin", 2, &[]).unwrap_err(),
            "math.sin() takes exactly one argument (2 given)"
        );
        assert_eq!(
            msg("comb", 1, &[]).unwrap_err(),
            "comb expected 2 arguments, got 1"
        );
        assert_eq!(
            msg("log", 0, &[]).unwrap_err(),
            "math.log requires 1 to 2 arguments"
        );
        assert_eq!(
            msg("log", 1, &["x"]).unwrap_err(),
            "log() takes no keyword arguments"
        );
        assert_eq!(
            msg("isclose", 1, &[]).unwrap_err(),
            "isclose() missing required argument 'b' (pos 2)"
        );
        assert_eq!(
            msg("isclose", 0, &["a", "b", "rel_tol", "abs_tol", "x"]).unwrap_err(),
            "isclose() takes at most 4 keyword arguments (5 given)"
        );
        assert_eq!(
            msg("isclose", 2, &["a"]).unwrap_err(),
            "argument for isclose() given by name ('a') and position (1)"
        );
        assert_eq!(
            msg("prod", 0, &["start"]).unwrap_err(),
            "prod() takes exactly 1 positional argument (0 given)"
        );
        assert_eq!(
            msg("prod", 1, &["x"]).unwrap_err(),
            "'x' is an invalid keyword argument for prod()"
        );
        assert!(msg("isclose", 0, &["b", "a"]).is_ok());
        assert!(msg("prod", 1, &["start"]).is_ok());
        assert!(msg("gcd", 0, &[]).is_ok());
    }
}
