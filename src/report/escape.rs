//! Makes user-given text (a workload's name, a file path) safe to show: no terminal control
//! sequences on a screen, no HTML or Markdown markup in a Markdown report.

use std::borrow::Cow;

/// `s` with every control character but newline and tab written as a `\u{…}` escape, so a name
/// holding an escape sequence cannot recolour, move or clear the user's terminal.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hostile(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Control characters, and the bidirectional overrides that make a terminal or an editor show
/// text in another order than it is stored.
fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` as literal Markdown text on one line: [`printable`], newlines as spaces, and every ASCII
/// punctuation character backslash-escaped (CommonMark lets any of them be), so neither HTML nor
/// Markdown syntax in a name becomes markup, wherever on a line it stands.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in printable(s).chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_shown_not_obeyed() {
        assert_eq!(printable("kyc"), "kyc");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\u{202e}y\u{7}"), "x\\u{202e}y\\u{7}");
        assert_eq!(printable("two\nlines\tok"), "two\nlines\tok");
    }

    #[test]
    fn markup_in_markdown_text_stays_text() {
        assert_eq!(
            markdown("<script>alert(1)</script>"),
            "\\<script\\>alert\\(1\\)\\<\\/script\\>"
        );
        assert_eq!(markdown("# [x](y)\n- z"), "\\# \\[x\\]\\(y\\) \\- z");
        assert_eq!(markdown("plain words"), "plain words");
    }
}
