//! The one rule for every text a person or an import writes: notes, reasons, comments, names,
//! titles, codes and e-mail addresses.
//!
//! Why: PostgreSQL refuses a NUL character in a text column while SQLite stores it, so without
//! a rule of our own the same request gets 201 on one backend and 500 on the other; and a line
//! break in a name ends up as a header line in an e-mail, a property in a calendar file or a
//! broken line in a PDF. So, on both backends alike:
//! - **free text** (notes, reasons, comments, descriptions) may hold line breaks and tabs, and
//!   nothing else below U+0020 or in the C1 range; a Windows line break (`\r\n`, what browsers
//!   send from a `<textarea>`) is stored as `\n`;
//! - a **line** (names, titles, codes, units, e-mail addresses) holds no control character at
//!   all, nor the Unicode line and paragraph separators.
//!
//! Both trim surrounding white space; blank text is absent.

use super::DomainError;

/// The longest name, title, code or unit (characters).
pub const MAX_LINE_CHARS: usize = 200;

/// Is `c` allowed in free text? Newline and tab are; every other control character is not.
fn free_text_char(c: char) -> bool {
    c == '\n' || c == '\t' || !c.is_control()
}

/// Is `c` allowed in a single line?
fn line_char(c: char) -> bool {
    !c.is_control() && c != '\u{2028}' && c != '\u{2029}'
}

fn describe(c: char) -> String {
    match c {
        '\0' => "a NUL character (U+0000)".to_string(),
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => format!("a line break (U+{:04X})", c as u32),
        '\t' => "a tab (U+0009)".to_string(),
        c => format!("the control character U+{:04X}", c as u32),
    }
}

fn check(
    field: &str,
    v: &str,
    max: usize,
    allowed: fn(char) -> bool,
    what: &str,
) -> Result<(), DomainError> {
    if let Some((i, c)) = v.chars().enumerate().find(|(_, c)| !allowed(*c)) {
        return Err(DomainError::new(
            field,
            format!("contains {} at character {}; {what}", describe(c), i + 1),
        ));
    }
    if v.chars().count() > max {
        return Err(DomainError::new(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Free text, optional: trimmed, `\r\n` stored as `\n`; blank is `None`; at most `max`
/// characters; control characters other than newline and tab are an error naming `field`.
pub fn optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, DomainError> {
    let Some(v) = value else { return Ok(None) };
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let v = if v.contains("\r\n") {
        v.replace("\r\n", "\n")
    } else {
        v.to_string()
    };
    check(
        field,
        &v,
        max,
        free_text_char,
        "only line breaks and tabs are allowed",
    )?;
    Ok(Some(v))
}

/// Free text that must be there.
pub fn required_text(field: &str, value: String, max: usize) -> Result<String, DomainError> {
    optional_text(field, Some(value), max)?
        .ok_or_else(|| DomainError::new(field, "must not be empty"))
}

/// A single line, optional: trimmed; blank is `None`; no control characters or line breaks;
/// at most [`MAX_LINE_CHARS`].
pub fn optional_line(field: &str, value: Option<String>) -> Result<Option<String>, DomainError> {
    let Some(v) = value else { return Ok(None) };
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    check(
        field,
        v,
        MAX_LINE_CHARS,
        line_char,
        "a name or title is a single line without control characters",
    )?;
    Ok(Some(v.to_string()))
}

/// A single line that must be there.
pub fn required_line(field: &str, value: String) -> Result<String, DomainError> {
    optional_line(field, Some(value))?.ok_or_else(|| DomainError::new(field, "must not be empty"))
}

/// Check text that is stored as given (an imported document keeps its exact wording): the
/// same character rules, without trimming or length limits. `line` selects the line rule.
pub fn check_stored(field: &str, v: &str, line: bool) -> Result<(), DomainError> {
    if line {
        check(
            field,
            v,
            usize::MAX,
            line_char,
            "a name or title is a single line without control characters",
        )
    } else {
        check(
            field,
            v,
            usize::MAX,
            free_text_char,
            "only line breaks and tabs are allowed",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_keeps_line_breaks_and_tabs_and_refuses_other_controls() {
        assert_eq!(
            optional_text("note", Some("  a\n\tb  ".into()), 100).unwrap(),
            Some("a\n\tb".into())
        );
        assert_eq!(
            optional_text("note", Some("a\r\nb".into()), 100).unwrap(),
            Some("a\nb".into()),
            "a browser's line break is stored as \\n"
        );
        for bad in [
            "a\u{0}b",
            "a\rb",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}b",
            "a\u{85}b",
        ] {
            let e = optional_text("note", Some(bad.into()), 100).unwrap_err();
            assert_eq!(e.field, "note", "{bad:?}");
        }
        let e = optional_text("note", Some("a\u{0}b".into()), 100).unwrap_err();
        assert_eq!(
            e.message,
            "contains a NUL character (U+0000) at character 2; only line breaks and tabs are allowed"
        );
        assert_eq!(
            optional_text("note", Some("   ".into()), 100).unwrap(),
            None
        );
        assert!(optional_text("note", Some("æøå".repeat(34)), 100).is_err());
        assert!(optional_text("note", Some("æøå".repeat(33)), 100).is_ok());
    }

    #[test]
    fn a_line_refuses_every_line_break() {
        assert_eq!(
            required_line("name", " Center for Ejendomme ".into()).unwrap(),
            "Center for Ejendomme"
        );
        for bad in ["Evil\r\nX", "a\nb", "a\tb", "a\u{2028}b", "a\u{0}b"] {
            assert_eq!(
                required_line("name", bad.into()).unwrap_err().field,
                "name",
                "{bad:?}"
            );
        }
        assert!(required_line("name", "".into()).is_err());
        assert!(required_line("name", "x".repeat(MAX_LINE_CHARS + 1)).is_err());
    }

    #[test]
    fn stored_text_is_checked_without_being_changed() {
        assert!(check_stored("text", "linje 1\nlinje 2", false).is_ok());
        assert!(check_stored("text", "linje 1\nlinje 2", true).is_err());
        assert!(check_stored("text", "nul\u{0}", false).is_err());
    }
}
