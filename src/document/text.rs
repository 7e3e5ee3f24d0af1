//! The byte-level habits of a file that the parsers do not keep on their own:
//! a UTF-8 byte order mark, CRLF line endings and a missing final newline.
//! Text is normalised before parsing and the habits are put back on output.

use std::borrow::Cow;

const BOM: char = '\u{feff}';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    pub bom: bool,
    /// Every line ends in CRLF (mixed files are left as they are).
    pub crlf: bool,
    pub final_newline: bool,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle { bom: false, crlf: false, final_newline: true }
    }
}

impl TextStyle {
    /// Splits `raw` into its style and the normalised text the parsers see
    /// (`raw` itself, borrowed, for the usual LF file without a BOM).
    pub fn detect(raw: &str) -> (TextStyle, Cow<'_, str>) {
        let (bom, body) = match raw.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let bytes = body.as_bytes();
        // Counting bytes is cheap; the CRLF count runs only for files that have a CR at all.
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        let crlf = newlines > 0 && bytes.contains(&b'\r') && body.matches("\r\n").count() == newlines;
        let final_newline = body.is_empty() || body.ends_with('\n');
        let text = if crlf { Cow::Owned(body.replace("\r\n", "\n")) } else { Cow::Borrowed(body) };
        (TextStyle { bom, crlf, final_newline }, text)
    }

    /// Puts the file's habits back on normalised text.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        if !self.final_newline {
            while out.ends_with('\n') {
                out.pop();
            }
        }
        if self.crlf {
            out = out.replace('\n', "\r\n");
        }
        if self.bom {
            out.insert(0, BOM);
        }
        out
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_crlf_bom_and_missing_final_newline() {
        let raw = "\u{feff}a = 1\r\nb = 2";
        let (style, text) = TextStyle::detect(raw);
        assert_eq!(text, "a = 1\nb = 2");
        assert_eq!(style.apply("a = 1\nb = 2\n"), raw);
    }

    #[test]
    fn mixed_line_endings_are_not_normalised() {
        let (style, text) = TextStyle::detect("a\r\nb\nc\n");
        assert!(!style.crlf);
        assert_eq!(text, "a\r\nb\nc\n");
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("x", 99), (1, 2));
    }
}
