//! Reads the payload table of SECURITY.md: the one list of hostile lines
//! that `tests/security_table.rs` checks against safecalc and that
//! `examples/payloads.rs` sends to any line server.
//!
//! The table is found by its header row, [`HEADER`]. Each row is
//!
//! ```text
//! | 7 | `open('lab_secret.txt').read()` | calc | what Python does | `error: ...` |
//! ```
//!
//! - the payload is one code span holding the exact line, or, for lines too
//!   long to print, `built: ` followed by a code span holding a Python string
//!   expression made of quoted literals, `* N` repetitions and `+`
//!   (`'-' * 4000 + '1'` is 4,000 minus signs and a 1);
//! - "checked by" is `calc` (the reply comes from a calculator session, so the
//!   test can check it with `safecalc::calc::Session` alone, and over TCP once
//!   a server exists) or `server` (a behaviour of the line server itself);
//! - the last cell is one code span: safecalc's exact reply line.
//!
//! A `|` inside a cell is written `\|`, as Markdown tables require.

/// The header row that marks the payload table.
pub const HEADER: &str = "| # | Payload | Checked by | Python `eval()` server | safecalc reply |";

/// The longest line a `built:` payload may expand to.
const MAX_BUILT_BYTES: usize = 1 << 20;

/// What the safecalc column of a row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A calculator reply: check with a `Session` (and over TCP).
    Calc,
    /// A behaviour of the line server: check over TCP only.
    Server,
}

/// One row of the payload table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's number, from 1.
    pub number: usize,
    /// The exact line to send (without its line ending).
    pub payload: String,
    /// The payload as the table shows it (the code span's text, or
    /// `built: ...`).
    pub shown: String,
    pub check: Check,
    /// What the document says CPython's eval() does (not machine-checked).
    pub python: String,
    /// safecalc's exact reply line, as the document states it.
    pub safecalc: String,
}

/// Parses the payload table out of a Markdown document.
pub fn parse(markdown: &str) -> Result<Vec<Row>, String> {
    let mut lines = markdown.lines().enumerate();
    lines
        .by_ref()
        .find(|(_, line)| line.trim() == HEADER)
        .ok_or_else(|| format!("no payload table: no line reads {HEADER:?}"))?;
    match lines.next() {
        Some((_, sep)) if sep.trim().starts_with("|-") || sep.trim().starts_with("| -") => {}
        _ => return Err("the payload table's header is not followed by a |---| line".into()),
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        let line = line.trim();
        if !line.starts_with('|') {
            break;
        }
        let row = parse_row(line).map_err(|e| format!("SECURITY.md line {}: {e}", index + 1))?;
        if row.number != rows.len() + 1 {
            return Err(format!(
                "SECURITY.md line {}: row numbered {} where {} was expected",
                index + 1,
                row.number,
                rows.len() + 1
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

fn parse_row(line: &str) -> Result<Row, String> {
    let cells = split_cells(line);
    let [number, payload, check, python, safecalc] = cells.as_slice() else {
        return Err(format!("expected 5 cells, found {}", cells.len()));
    };
    let number = number
        .parse()
        .map_err(|_| format!("row number {number:?} is not a number"))?;
    let (payload_text, shown) = match payload.strip_prefix("built:") {
        Some(rest) => (build(&code_span(rest.trim())?)?, payload.clone()),
        None => {
            let text = code_span(payload)?;
            (text.clone(), text)
        }
    };
    let check = match check.as_str() {
        "calc" => Check::Calc,
        "server" => Check::Server,
        other => return Err(format!("checked by {other:?}: expected calc or server")),
    };
    Ok(Row {
        number,
        payload: payload_text,
        shown,
        check,
        python: python.clone(),
        safecalc: code_span(safecalc)?,
    })
}

/// Splits `| a | b \| c |` into `["a", "b | c"]`.
fn split_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The text of a cell that is exactly one code span.
fn code_span(cell: &str) -> Result<String, String> {
    cell.strip_prefix('`')
        .and_then(|s| s.strip_suffix('`'))
        .filter(|s| !s.is_empty() && !s.contains('`'))
        .map(str::to_string)
        .ok_or_else(|| format!("{cell:?} is not a single code span"))
}

/// Expands `'ab' * 3 + 'c'` into `abababc`.
pub fn build(expr: &str) -> Result<String, String> {
    let err = |what: &str| format!("built payload {expr:?}: {what}");
    let mut out = String::new();
    let mut rest = expr.trim();
    loop {
        let after_quote = rest
            .strip_prefix('\'')
            .ok_or_else(|| err("expected a quoted literal"))?;
        let end = after_quote
            .find('\'')
            .ok_or_else(|| err("unterminated literal"))?;
        let literal = &after_quote[..end];
        rest = after_quote[end + 1..].trim_start();
        let mut times = 1;
        if let Some(after_star) = rest.strip_prefix('*') {
            let after_star = after_star.trim_start();
            let digits = after_star.len()
                - after_star
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .len();
            times = after_star[..digits]
                .parse()
                .map_err(|_| err("expected a count after *"))?;
            rest = after_star[digits..].trim_start();
        }
        if out.len() + literal.len().saturating_mul(times) > MAX_BUILT_BYTES {
            return Err(err("longer than 1 MiB"));
        }
        out.push_str(&literal.repeat(times));
        if rest.is_empty() {
            return Ok(out);
        }
        rest = rest
            .strip_prefix('+')
            .ok_or_else(|| err("expected + between terms"))?
            .trim_start();
    }
}
