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

/// `s` as literal Markdown text on one line: [`printable`], newlines as spaces, and a backslash
/// (CommonMark lets any ASCII punctuation take one) before every character that opens markup
/// inside a line (HTML, emphasis, code, links, tables, entities), and before the punctuation that
/// would open a block at the start of the line (`-`, `+`, `=`, `>`, `1.`). Other punctuation is
/// left as it is, so names and paths stay readable.
pub fn markdown(s: &str) -> String {
    const INLINE: &str = "\\`*_[]<>&|~#";
    let text = printable(s).replace(['\n', '\r'], " ");
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.chars().enumerate() {
        let opens_block = (i == 0 && c.is_ascii_punctuation())
            || (i == digits && digits > 0 && matches!(c, '.' | ')'));
        if INLINE.contains(c) || opens_block {
            out.push('\\');
        }
        out.push(c);
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
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            markdown("# [x](y)\n*z* a&amp; |"),
            "\\# \\[x\\](y) \\*z\\* a\\&amp; \\|"
        );
        assert_eq!(
            markdown("kyc-independent: a.toml"),
            "kyc-independent: a.toml"
        );
        for (block, escaped) in [("- x", "\\- x"), ("> x", "\\> x"), ("12. x", "12\\. x")] {
            assert_eq!(markdown(block), escaped);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        /// Issue 9, class 8: whatever a name holds, what reaches a terminal has no control
        /// character but newline and tab, and Markdown text opens no tag, link or emphasis.
        #[test]
        fn no_control_character_or_markup_survives(s in "\\PC*|[\\x00-\\x1f\\x7f<>*_`\\[\\]&|#-]{0,40}") {
            let shown = printable(&s);
            proptest::prop_assert!(!shown.chars().any(is_hostile));
            let md = markdown(&s);
            let mut escaped = false;
            for c in md.chars() {
                if !escaped && "<>*_`[]&|~".contains(c) {
                    proptest::prop_assert!(false, "unescaped {c:?} in {md:?}");
                }
                escaped = !escaped && c == '\\';
            }
        }
    }
}
