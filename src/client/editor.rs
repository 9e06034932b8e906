//! The line editor shared by `safecalc connect` and the local REPL:
//! rustyline, with a history file in the user's data directory and a way
//! to read a line without showing it (a password).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustyline::completion::Completer;
use rustyline::config::{ColorMode, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Editor, ExternalPrinter, Helper};

/// Lines kept in a history file.
const HISTORY_LINES: usize = 1000;

/// The file that keeps the history called `name` (`connect_history`,
/// `eval_history`): in the user's data directory (`$XDG_DATA_HOME`, or
/// `~/.local/share`, on Linux), under `safecalc/`.
pub fn history_path(name: &str) -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("safecalc").join(name))
}

/// Hides the line being typed while `hidden` is set: every character is
/// drawn as a space and the cursor is hidden, so neither the text nor its
/// length shows. A flag rather than a mode, so that the network side can
/// hide the line the user is already typing when the server asks for a
/// password late.
struct Masking {
    hidden: Arc<AtomicBool>,
}

impl Highlighter for Masking {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.hidden.load(Ordering::SeqCst) {
            Cow::Owned(" ".repeat(line.chars().count()))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        kind != CmdKind::MoveCursor && self.hidden.load(Ordering::SeqCst)
    }
}

impl Completer for Masking {
    type Candidate = String;
}

impl Hinter for Masking {
    type Hint = String;
}

impl Validator for Masking {}

impl Helper for Masking {}

/// What reading a line gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line, and whether it was typed hidden (then it is not in the
    /// history).
    Line { text: String, hidden: bool },
    /// Ctrl-C: the line was dropped.
    Interrupted,
    /// Ctrl-D on an empty line.
    End,
}

/// rustyline with safecalc's settings and a history file.
pub struct LineEditor {
    editor: Editor<Masking, DefaultHistory>,
    history: Option<PathBuf>,
    hidden: Arc<AtomicBool>,
    /// A history problem was reported already (once is enough).
    warned: bool,
}

impl LineEditor {
    /// An editor whose history is the file `history_path(history_name)`
    /// (loaded now, if it exists), hiding input while `hidden` is set.
    pub fn new(history_name: &str, hidden: Arc<AtomicBool>) -> Result<LineEditor, ReadlineError> {
        let config = Config::builder()
            .max_history_size(HISTORY_LINES)?
            .auto_add_history(false)
            .history_ignore_dups(true)?
            // Highlighting is how a hidden line is hidden: always on.
            .color_mode(ColorMode::Forced)
            .build();
        let mut editor = Editor::with_config(config)?;
        editor.set_helper(Some(Masking {
            hidden: Arc::clone(&hidden),
        }));
        let mut line_editor = LineEditor {
            editor,
            history: history_path(history_name),
            hidden,
            warned: false,
        };
        if let Some(path) = line_editor.history.clone()
            && path.exists()
            && let Err(e) = line_editor.editor.load_history(&path)
        {
            line_editor.warn(format!("cannot read the history {}: {e}", path.display()));
        }
        Ok(line_editor)
    }

    /// Something that prints above the line being edited, from any thread.
    pub fn printer(&mut self) -> Result<impl ExternalPrinter + Send + 'static, ReadlineError> {
        self.editor.create_external_printer()
    }

    /// Reads one line after `prompt`.
    pub fn read(&mut self, prompt: &str) -> Result<Input, ReadlineError> {
        let hidden_at_start = self.hidden.load(Ordering::SeqCst);
        let cursor = if hidden_at_start {
            self.editor.set_cursor_visibility(false).ok().flatten()
        } else {
            None
        };
        let read = self.editor.readline(prompt);
        drop(cursor);
        let hidden = hidden_at_start || self.hidden.load(Ordering::SeqCst);
        match read {
            Ok(text) => Ok(Input::Line { text, hidden }),
            Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
            Err(ReadlineError::Eof) => Ok(Input::End),
            Err(e) => Err(e),
        }
    }

    /// Adds `line` to the history and saves the file.
    pub fn remember(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let _ = self.editor.add_history_entry(line);
        let Some(path) = self.history.clone() else {
            return;
        };
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            self.warn(format!("cannot create {}: {e}", dir.display()));
            return;
        }
        if let Err(e) = self.editor.save_history(&path) {
            self.warn(format!("cannot save the history {}: {e}", path.display()));
        }
    }

    fn warn(&mut self, message: String) {
        if !self.warned {
            eprintln!("warning: {message}");
            self.warned = true;
        }
    }
}
