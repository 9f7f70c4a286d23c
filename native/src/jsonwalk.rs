//! JSON Lines records walked into their leaves in one pass over a block, so that a record's
//! leaves are the only thing scanned (issue #14: the buffer pass only chose the lines, and
//! every chosen line was then parsed and walked in Python and its leaves scanned again).
//!
//! A line is *walked* when Python's own walk would give the same leaves without a repair:
//! valid UTF-8, strict JSON (`json.loads` with `parse_constant` refused), no key twice in
//! an object (Python keeps the last value at the first key's place), every key a plain
//! identifier (`structured._PLAIN_KEY`, whose `$` also matches before one final `\n`), no
//! lone surrogate escape, no integer over 4,300 digits (CPython refuses to read one), no
//! float that overflows, at most [`MAX_DEPTH`] containers deep, its leaf paths within
//! [`path_budget`]. Every other line is left to the Python path, which repairs, labels
//! keys or redacts it as text; the reference of this walk is
//! `detectors.jsonwalk.walk_line`, and the tests hold the two to each other.
//!
//! Leaves follow `structured.plain_leaf_texts`: every string and number in document order,
//! its path (`$.a.b[0]`), its text (a number as Python's `str` writes it: `-0` is `0`, a
//! float as `repr`), and the key it is scanned under (the member's, kept through lists).

use std::collections::HashMap;

use crate::rows::py_float;

/// Containers deeper than this leave the line to Python (which walks it, or redacts it as
/// text when it nests past its recursion limit).
pub const MAX_DEPTH: usize = 64;

/// CPython's `sys.int_info.default_max_str_digits`: `json.loads` refuses a longer integer.
const MAX_INT_DIGITS: usize = 4300;

/// The bytes of a line's leaf paths may be at most this many times the line's length,
/// plus [`PATH_SLACK`], and never past [`MAX_PATH_BYTES`]; a line over it is left to
/// Python. Every leaf repeats its whole path, so a long key over a long array (`{"kk…k":
/// [0,0,…]}`, 200 KB) would otherwise ask gigabytes; a real record's paths are one to
/// three times its length.
pub const PATH_BYTES_PER_BYTE: usize = 8;
pub const PATH_SLACK: usize = 4096;
pub const MAX_PATH_BYTES: usize = 64 << 20;

/// The path budget of a line of `len` bytes.
pub fn path_budget(len: usize) -> usize {
    len.saturating_mul(PATH_BYTES_PER_BYTE)
        .saturating_add(PATH_SLACK)
        .min(MAX_PATH_BYTES)
}

/// The leaves of a block's walked lines, flat: per line whether it was walked; per leaf
/// its line, its field (index into `fields`, -1 for none), its text and its path, as
/// Arrow `large_string` data and offsets.
#[derive(Default, Debug)]
pub struct Leaves {
    pub walked: Vec<u8>,
    pub line: Vec<i32>,
    pub field: Vec<i32>,
    pub fields: Vec<String>,
    pub texts: Vec<u8>,
    pub text_offsets: Vec<i64>,
    pub paths: Vec<u8>,
    pub path_offsets: Vec<i64>,
    ids: HashMap<String, i32>,
}

impl Leaves {
    fn mark(&self) -> (usize, usize, usize) {
        (self.line.len(), self.texts.len(), self.paths.len())
    }

    /// Forget the leaves a line added before it turned out not to be walkable. Fields it
    /// named stay interned: an unused field costs nothing but its name.
    fn undo(&mut self, (leaves, texts, paths): (usize, usize, usize)) {
        self.line.truncate(leaves);
        self.field.truncate(leaves);
        self.text_offsets.truncate(leaves + 1);
        self.path_offsets.truncate(leaves + 1);
        self.texts.truncate(texts);
        self.paths.truncate(paths);
    }

    fn field_id(&mut self, key: &str) -> i32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.fields.len() as i32;
        self.fields.push(key.to_owned());
        self.ids.insert(key.to_owned(), id);
        id
    }

    fn push(&mut self, line: i32, field: i32, text: &[u8], path: &str) {
        self.line.push(line);
        self.field.push(field);
        self.texts.extend_from_slice(text);
        self.text_offsets.push(self.texts.len() as i64);
        self.paths.extend_from_slice(path.as_bytes());
        self.path_offsets.push(self.paths.len() as i64);
    }
}

/// Walk every `\n`-separated line of `block` (the last may lack its `\n`).
pub fn walk_block(block: &[u8]) -> Leaves {
    let mut out = Leaves {
        text_offsets: vec![0],
        path_offsets: vec![0],
        ..Leaves::default()
    };
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    if block.is_empty() {
        return out;
    }
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let mark = out.mark();
        let ok = std::str::from_utf8(line).is_ok() && {
            let mut w = Walker {
                s: line,
                pos: 0,
                line: i as i32,
                path: String::from("$"),
                budget: path_budget(line.len()),
                out: &mut out,
            };
            w.record()
        };
        if !ok {
            out.undo(mark);
        }
        out.walked.push(ok as u8);
    }
    out
}

/// An object's keys so far: a list while short (most objects), a set past that, so that a
/// line with a hundred thousand keys costs no more than its length.
#[derive(Default)]
struct Keys {
    few: Vec<String>,
    many: std::collections::HashSet<String>,
}

impl Keys {
    /// False when `key` was there already.
    fn insert(&mut self, key: &str) -> bool {
        if self.many.is_empty() {
            if self.few.iter().any(|k| k == key) {
                return false;
            }
            if self.few.len() < 16 {
                self.few.push(key.to_owned());
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key.to_owned())
    }
}

struct Walker<'a> {
    s: &'a [u8],
    pos: usize,
    line: i32,
    path: String,
    /// Path bytes this line may still add ([`path_budget`]).
    budget: usize,
    out: &'a mut Leaves,
}

/// `structured._PLAIN_KEY.match`: an identifier, which Python's `$` lets end in one `\n`.
fn plain_key(key: &str) -> bool {
    let k = key.strip_suffix('\n').unwrap_or(key).as_bytes();
    matches!(k.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && k.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn record(&mut self) -> bool {
        self.ws();
        if !self.value(0, -1) {
            return false;
        }
        self.ws();
        self.pos == self.s.len()
    }

    fn value(&mut self, depth: usize, field: i32) -> bool {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1, field),
            Some(b'"') => match self.string() {
                Some(text) => self.leaf(field, text.as_bytes()),
                None => false,
            },
            Some(b'-' | b'0'..=b'9') => self.number(field),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => false,
        }
    }

    /// A leaf at the current path, within the line's path budget (false past it).
    fn leaf(&mut self, field: i32, text: &[u8]) -> bool {
        let Some(left) = self.budget.checked_sub(self.path.len()) else {
            return false;
        };
        self.budget = left;
        self.out.push(self.line, field, text, &self.path);
        true
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        self.pos += 1;
        self.ws();
        if self.eat(b'}') {
            return true;
        }
        let mut seen = Keys::default();
        loop {
            if self.peek() != Some(b'"') {
                return false;
            }
            let Some(key) = self.string() else {
                return false;
            };
            if !plain_key(&key) || !seen.insert(&key) {
                return false;
            }
            self.ws();
            if !self.eat(b':') {
                return false;
            }
            self.ws();
            let field = self.out.field_id(&key);
            let at = self.path.len();
            self.path.push('.');
            self.path.push_str(&key);
            let ok = self.value(depth, field);
            self.path.truncate(at);
            if !ok {
                return false;
            }
            self.ws();
            if self.eat(b',') {
                self.ws();
                continue;
            }
            return self.eat(b'}');
        }
    }

    fn array(&mut self, depth: usize, field: i32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        self.pos += 1;
        self.ws();
        if self.eat(b']') {
            return true;
        }
        let mut index = 0usize;
        loop {
            let at = self.path.len();
            self.path.push('[');
            self.path.push_str(&index.to_string());
            self.path.push(']');
            let ok = self.value(depth, field);
            self.path.truncate(at);
            if !ok {
                return false;
            }
            index += 1;
            self.ws();
            if self.eat(b',') {
                self.ws();
                continue;
            }
            return self.eat(b']');
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.pos..self.pos + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(text, 16).ok()
    }

    /// A JSON string decoded, the opening quote at `pos`; None where strict JSON refuses
    /// it (a raw control character, a bad escape, no closing quote) or it holds a lone
    /// surrogate escape.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.s.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.s[start..self.pos]);
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    // Whole UTF-8 sequences copied between ASCII stops, and escapes
                    // written as chars: valid UTF-8.
                    return String::from_utf8(out).ok();
                }
                b'\\' => {
                    self.pos += 1;
                    let c = self.peek()?;
                    self.pos += 1;
                    let simple = match c {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => 0,
                        _ => return None,
                    };
                    if c != b'u' {
                        out.push(simple);
                        continue;
                    }
                    let hi = self.hex4()?;
                    let code = match hi {
                        0xD800..=0xDBFF => {
                            if !self.s[self.pos..].starts_with(b"\\u") {
                                return None;
                            }
                            self.pos += 2;
                            let lo = self.hex4()?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return None;
                            }
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => hi,
                    };
                    let ch = char::from_u32(code)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => return None, // a raw control character: strict JSON refuses it
            }
        }
    }

    /// A number leaf with the text Python's `str` gives the value `json.loads` reads.
    fn number(&mut self, field: i32) -> bool {
        let start = self.pos;
        self.eat(b'-');
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return false,
        }
        let int_digits = self.pos - int_start;
        let mut float = false;
        if self.peek() == Some(b'.') && matches!(self.s.get(self.pos + 1), Some(b'0'..=b'9')) {
            float = true;
            self.pos += 1;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let back = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                float = true;
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            } else {
                self.pos = back; // Python reads the integer and stumbles on the `e`
            }
        }
        let token = std::str::from_utf8(&self.s[start..self.pos]).expect("ASCII");
        let text = if float {
            match token.parse::<f64>() {
                Ok(x) if x.is_finite() => py_float(x),
                _ => return false,
            }
        } else if int_digits > MAX_INT_DIGITS {
            return false;
        } else if token == "-0" {
            "0".to_owned()
        } else {
            token.to_owned()
        };
        self.leaf(field, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (path, text, field) of each leaf.
    type Leaves = Vec<(String, String, Option<String>)>;

    /// Each line's leaves, `None` for a line not walked.
    fn leaves(block: &str) -> Vec<Option<Leaves>> {
        let out = walk_block(block.as_bytes());
        let mut by_line: Vec<Option<Vec<_>>> = out
            .walked
            .iter()
            .map(|&w| if w == 1 { Some(Vec::new()) } else { None })
            .collect();
        for i in 0..out.line.len() {
            let text = |d: &[u8], o: &[i64]| {
                String::from_utf8(d[o[i] as usize..o[i + 1] as usize].to_vec()).unwrap()
            };
            let field = out.field[i];
            let entry = (
                text(&out.paths, &out.path_offsets),
                text(&out.texts, &out.text_offsets),
                (field >= 0).then(|| out.fields[field as usize].clone()),
            );
            by_line[out.line[i] as usize].as_mut().unwrap().push(entry);
        }
        by_line
    }

    fn leaf(path: &str, text: &str, field: Option<&str>) -> (String, String, Option<String>) {
        (path.into(), text.into(), field.map(Into::into))
    }

    #[test]
    fn a_line_whose_paths_would_outgrow_its_budget_is_not_walked() {
        let key = "k".repeat(10_000);
        let zeros = vec!["0"; 20_000].join(",");
        let line = format!("{{\"{key}\":[{zeros}]}}");
        let out = walk_block(line.as_bytes());
        assert_eq!(out.walked, vec![0]);
        assert!(out.paths.is_empty() && out.line.is_empty());
        // The same shape, short enough: walked.
        let line = format!("{{\"{}\":[0,0,0]}}", "k".repeat(100));
        assert_eq!(walk_block(line.as_bytes()).walked, vec![1]);
    }

    #[test]
    fn when_a_record_is_plain_then_its_leaves_have_paths_texts_and_fields() {
        let got = leaves(
            "{\"a\": {\"b\": [\"x\\u00e9\", 12, -0, 1.50, 1e16, true]}, \"c\": null}\n\"top\"\n",
        );
        assert_eq!(
            got,
            vec![
                Some(vec![
                    leaf("$.a.b[0]", "xé", Some("b")),
                    leaf("$.a.b[1]", "12", Some("b")),
                    leaf("$.a.b[2]", "0", Some("b")),
                    leaf("$.a.b[3]", "1.5", Some("b")),
                    leaf("$.a.b[4]", "1e+16", Some("b")),
                ]),
                Some(vec![leaf("$", "top", None)]),
            ]
        );
    }

    #[test]
    fn when_a_line_needs_python_then_it_is_not_walked_and_adds_no_leaf() {
        let lines = [
            "{\"a\": 1, \"a\": 2}", // duplicate key
            "{\"a b\": 1}",         // key not an identifier
            "{\"a\": \"\\ud800\"}", // lone surrogate
            "{\"a\": \"x\ty\"}",    // raw control character
            "{\"a\": 1,}",          // trailing comma (Python repairs it)
            "{'a': 1}",             // single quotes
            "{\"a\": NaN}",         // a constant json.loads is told to refuse
            "{\"a\": 1e999}",       // overflows to infinity
            "{\"a\": 01}",          // leading zero
            "",                     // not JSON at all
            "{\"a\": 1} x",         // text after the value
        ];
        let mut block = lines.join("\n");
        block.push_str("\n{\"ok\": \"9876543210\"}");
        let got = leaves(&block);
        assert!(got[..lines.len()].iter().all(Option::is_none), "{got:?}");
        assert_eq!(
            got[lines.len()],
            Some(vec![leaf("$.ok", "9876543210", Some("ok"))])
        );
    }

    #[test]
    fn when_nesting_passes_the_limit_then_the_line_is_left_to_python() {
        let at = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let got = leaves(&format!("{}\n{}", at(MAX_DEPTH), at(MAX_DEPTH + 1)));
        assert!(got[0].is_some() && got[1].is_none());
    }

    #[test]
    fn when_a_key_ends_in_one_newline_then_it_is_plain_as_pythons_dollar_says() {
        assert!(plain_key("ab\n") && plain_key("_x9"));
        assert!(!plain_key("ab\n\n") && !plain_key("\n") && !plain_key("9x") && !plain_key(""));
    }
}
