//! Colour for people, plain text for pipes: ANSI styles only when asked (`--color always`) or
//! when writing to a terminal and NO_COLOR (<https://no-color.org>) is not set.

/// `--color` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Resolved styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Decide from the choice and whether the output is a terminal.
    pub fn new(choice: ColorChoice, is_tty: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_tty && !no_color,
        };
        Style { on }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// synack's annotation after tshark's text.
    pub fn annotation(&self, s: &str) -> String {
        self.paint("36", s)
    }

    /// A section heading.
    pub fn heading(&self, s: &str) -> String {
        self.paint("1", s)
    }

    /// Something wrong.
    pub fn warn(&self, s: &str) -> String {
        self.paint("31", s)
    }

    /// Quiet detail.
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    /// A state name.
    pub fn state(&self, s: &str) -> String {
        self.paint("32", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_and_always_win_over_the_terminal() {
        assert_eq!(Style::new(ColorChoice::Never, true).heading("x"), "x");
        assert_eq!(Style::new(ColorChoice::Always, false).heading("x"), "\x1b[1mx\x1b[0m");
        assert_eq!(Style::new(ColorChoice::Auto, false).heading("x"), "x");
    }
}
