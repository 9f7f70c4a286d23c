//! `secrets._jwt`'s verdict, where it is certain without Python: the header (the value up
//! to its first `.`) base64url-decoded and read as JSON must be an object with an `alg`
//! member. Python pays a `base64` and a `json.loads` call per token, ~30 µs; a log of API
//! calls carries a bearer token on every line.
//!
//! The JSON read here is strict and small: what it accepts, `json.loads` accepts with the
//! same members. Anything else (a key with an escape, `NaN`, a long number, deep nesting,
//! text that is not UTF-8, trailing data) is left to the Python validator, which gives
//! the answer; so the verdict is always Python's.

use super::Screened;

/// Containers deeper than this are left to Python (whose parser may raise RecursionError
/// rather than reject).
const MAX_DEPTH: usize = 32;
/// Numbers longer than this are left to Python (which refuses integers over 4,300 digits).
const MAX_NUMBER: usize = 64;

pub fn screen(value: &str) -> Screened {
    let header = value.split('.').next().unwrap_or("");
    // `eyJ` decodes to `{"`: UTF-8 by `json`'s detection, and an object if anything.
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if !header.starts_with("eyJ") || !header.bytes().all(alphabet) {
        return Screened::Ask;
    }
    if header.len() % 4 == 1 {
        return Screened::Decided(None); // binascii: one character past a multiple of four
    }
    let bytes = decode(header.as_bytes());
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Screened::Ask; // Python decodes with surrogatepass: some of these are text
    };
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let Some(has_alg) = p.object(0) else {
        return Screened::Ask;
    };
    p.ws();
    match (p.i == p.b.len(), has_alg) {
        (true, Some(true)) => Screened::Decided(Some(0.0)),
        (true, Some(false)) => Screened::Decided(None),
        _ => Screened::Ask,
    }
}

/// Base64url of the alphabet only, padded as `_jwt` pads it: the trailing bits that do not
/// make a byte are dropped, as `binascii.a2b_base64` drops them.
fn decode(text: &[u8]) -> Vec<u8> {
    let sextet = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'-' => 62,
            _ => 63, // `_`: the caller admits only the alphabet
        }
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        acc = (acc << 6) | sextet(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// JSON's whitespace, as `json` skips it.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(depth).map(|_| ()),
            b'[' => self.array(depth),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// An object at `i`. Some(Some(whether a member is named `alg`)), Some(None) when
    /// that is unknown (a key with an escape may spell it), None when not read.
    fn object(&mut self, depth: usize) -> Option<Option<bool>> {
        if depth >= MAX_DEPTH || self.peek()? != b'{' {
            return None;
        }
        self.i += 1;
        self.ws();
        let (mut alg, mut unsure) = (false, false);
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Some(false));
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let (key, escaped) = self.string()?;
            alg |= key == b"alg";
            unsure |= escaped;
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            self.value(depth + 1)?;
            if self.closed(b'}')? {
                return Some(if alg {
                    Some(true)
                } else {
                    (!unsure).then_some(false)
                });
            }
        }
    }

    /// After a member or an element: Some(true) past `close`, Some(false) past a `,` and
    /// the whitespace after it (another must follow), None at anything else.
    fn closed(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        if c != close && c != b',' {
            return None;
        }
        self.i += 1;
        if c == b',' {
            self.ws();
        }
        Some(c == close)
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.value(depth + 1)?;
            if self.closed(b']')? {
                return Some(());
            }
        }
    }

    /// A string at `i` (strict: no control characters): its raw bytes between the quotes
    /// and whether it holds an escape.
    fn string(&mut self) -> Option<(&[u8], bool)> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'"' => {
                    let raw = &self.b[start..self.i];
                    self.i += 1;
                    return Some((raw, escaped));
                }
                b'\\' => {
                    escaped = true;
                    match *self.b.get(self.i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                        b'u' => {
                            let hex = self.b.get(self.i + 2..self.i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 6;
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, `json`'s number.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        (self.i - start <= MAX_NUMBER).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        b64_bytes(json.as_bytes())
    }

    fn b64_bytes(b: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk.iter().fold(0u32, |a, &x| (a << 8) | x as u32) << (8 * (3 - chunk.len()));
            for k in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            }
        }
        out
    }

    fn verdict(json: &str) -> Screened {
        screen(&format!("{}.eyJzdWIiOiIxIn0.sig", b64(json)))
    }

    #[test]
    fn when_headers_are_plain_json_then_the_verdict_is_decided() {
        assert_eq!(
            decode(b64(r#"{"alg":"HS256"}"#).as_bytes()),
            br#"{"alg":"HS256"}"#
        );
        for yes in [
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"typ":"JWT", "alg" : "RS256", "kid":"k-1" }"#,
            r#"{"alg":{},"x":[1,-2.5e+3,true,false,null,{"a":[]}],"y":"\u00e9\n"}"#,
            r#"{"\u0061lg":1,"alg":2}"#,
            "{\"alg\":\"é\"}\r\n",
        ] {
            assert_eq!(verdict(yes), Screened::Decided(Some(0.0)), "{yes}");
        }
        for no in [r#"{"typ":"JWT"}"#, r#"{"a":[]}"#, r#"{"Alg":"x","algo":1}"#] {
            assert_eq!(verdict(no), Screened::Decided(None), "{no}");
        }
    }

    #[test]
    fn when_json_is_not_plain_then_python_is_asked() {
        for ask in [
            r#" {"alg":1}"#, // not `eyJ`: json would skip the space, the screen does not
            r#"{"\u0061lg":1}"#,
            r#"{"alg":NaN}"#,
            r#"{"alg":1,}"#,
            r#"{"alg":01}"#,
            r#"{"alg":1.}"#,
            r#"{"alg":1} x"#,
            "{\"alg\":\"a\tb\"}",
            r#"{"alg":"\x"}"#,
            r#"{"alg":"\u12"}"#,
            r#"{"alg":1"#,
        ] {
            assert_eq!(verdict(ask), Screened::Ask, "{ask}");
        }
        let deep = format!(r#"{{"alg":{}1{}}}"#, "[".repeat(40), "]".repeat(40));
        assert_eq!(verdict(&deep), Screened::Ask);
        let long = format!(r#"{{"alg":{}}}"#, "9".repeat(70));
        assert_eq!(verdict(&long), Screened::Ask);
        // Not the token's alphabet, not `eyJ`, not UTF-8: Python's.
        assert_eq!(screen("eyJhbGc+.x.y"), Screened::Ask);
        assert_eq!(screen("abcdefgh.x.y"), Screened::Ask);
        assert_eq!(
            screen(&format!("{}.x.y", b64_bytes(b"{\"\xff\":1}"))),
            Screened::Ask
        );
        // One character past a multiple of four never decodes.
        assert_eq!(screen("eyJhbGciOiJIUzI1NiJ9X.x.y"), Screened::Decided(None));
    }
}
