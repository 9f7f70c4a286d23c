//! Context word lists without a regex engine.
//!
//! Every context, negative-context and negative-key list of a detector is one regex of a
//! fixed shape, built by `detectors.registry._words_regex`:
//! `(?:^|[^a-z0-9<joiners>])(?:w1|w2|…)s?(?![a-z\-])`, searched in lower-cased text. It
//! matches exactly when some word occurs at some position `p` with
//! - `p` at the start of the text, or the character before it outside `[a-z0-9<joiners>]`;
//! - after the word, either an `s` not followed by `[a-z-]`, or no `[a-z-]` at all.
//!
//! Which alternative the regex would pick does not matter for "is there a match", so each
//! position the first condition allows is checked against the words that start with its
//! byte. A candidate's window is 48 characters and a finding is checked against two or
//! three lists: PCRE2's call per list was a fifth of the core's time on a dense export,
//! and an overlapping Aho-Corasick search, tried next, a third of that still.

pub struct Words {
    /// The words (bytes), and for each first byte the indexes of the words starting with it.
    words: Vec<Vec<u8>>,
    by_first: Vec<Vec<u32>>,
    /// Bytes a word may not follow: ASCII lower-case letters, digits and the joiners
    /// (`/-` or `-`), which glue a word to the one before it into a name.
    glued: [bool; 256],
    /// An empty word matches wherever the boundaries allow (the regex's empty alternative).
    empty: bool,
}

impl Words {
    /// `words`: already lower-cased, as `_words_regex` lowers them.
    pub fn new(words: &[String], joiners: &str) -> Result<Words, String> {
        if !joiners.is_ascii() {
            return Err(format!("word joiners must be ASCII: {joiners:?}"));
        }
        let mut by_first = vec![Vec::new(); 256];
        let list: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        for (i, w) in list.iter().enumerate() {
            if let Some(&b) = w.first() {
                by_first[b as usize].push(i as u32);
            }
        }
        let mut glued = [false; 256];
        for b in (b'a'..=b'z').chain(b'0'..=b'9').chain(joiners.bytes()) {
            glued[b as usize] = true;
        }
        Ok(Words {
            words: list,
            by_first,
            glued,
            empty: words.iter().any(|w| w.is_empty()),
        })
    }

    /// Whether the list's regex would find a match in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        // A word is valid UTF-8 in valid UTF-8: its first byte never continues a character,
        // so a position inside one is never tried, and a byte of a multi-byte character
        // before a word is outside the ASCII class, as the character is.
        let mut prev_glued = false;
        for (p, &b) in bytes.iter().enumerate() {
            if !prev_glued
                && (self.empty || !self.by_first[b as usize].is_empty())
                && self.word_at(bytes, p)
            {
                return true;
            }
            prev_glued = self.glued[b as usize];
        }
        self.empty && !prev_glued && self.word_at(bytes, bytes.len())
    }

    /// Whether some word starts at `p` and is followed as the regex requires: an `s` not
    /// followed by `[a-z-]`, or no `[a-z-]` at all.
    fn word_at(&self, bytes: &[u8], p: usize) -> bool {
        let free = |i: usize| {
            bytes
                .get(i)
                .is_none_or(|&b| !(b.is_ascii_lowercase() || b == b'-'))
        };
        let ends = |e: usize| free(e) || (bytes[e] == b's' && free(e + 1));
        // The empty word also starts inside no character.
        let boundary = bytes.get(p).is_none_or(|&b| b & 0xC0 != 0x80);
        if self.empty && boundary && ends(p) {
            return true;
        }
        let Some(&first) = bytes.get(p) else {
            return false;
        };
        // Words are a few bytes and their first byte already matched: a loop of byte
        // compares, not `starts_with`'s call to libc's memcmp per word tried.
        let rest = &bytes[p..];
        self.by_first[first as usize].iter().any(|&i| {
            let w = &self.words[i as usize];
            rest.len() >= w.len()
                && rest[1..w.len()].iter().zip(&w[1..]).all(|(a, b)| a == b)
                && ends(p + w.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str], joiners: &str) -> Words {
        let owned: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Words::new(&owned, joiners).unwrap()
    }

    #[test]
    fn when_text_shares_only_a_word_first_byte_then_no_match() {
        let w = words(&["otp", "order", "pin"], "/-");
        for text in ["oxp", "otq", "ordex", "oredr", "pi", "pxn code", "o"] {
            assert!(!w.is_match(text), "{text}");
        }
        assert!(w.is_match("pin code"));
        assert!(w.is_match("the order"));
    }

    #[test]
    fn when_word_stands_alone_then_match() {
        let w = words(&["otp", "order"], "/-");
        assert!(w.is_match("your otp is"));
        assert!(w.is_match("otp_code"));
        assert!(w.is_match("otp:"));
        assert!(w.is_match("orders 12"));
        assert!(w.is_match("x order"));
        assert!(!w.is_match("footprint"));
        assert!(!w.is_match("otpx"));
        assert!(!w.is_match("ordersx"));
        assert!(!w.is_match("user-order"));
        assert!(!w.is_match("/order"));
        assert!(!w.is_match("order-id"));
        assert!(w.is_match("order/id"));
        assert!(w.is_match("\u{e9}otp")); // a non-ASCII letter before is outside the class
    }

    #[test]
    fn when_joiners_differ_then_slash_counts_only_where_listed() {
        let neg = words(&["order"], "-");
        assert!(neg.is_match("/orders/87"));
        assert!(!words(&["order"], "/-").is_match("/orders/87"));
    }

    #[test]
    fn when_words_overlap_then_every_start_is_tried() {
        // "mobile" at 2 is glued to "x"; "mob" is not a word; "mobiles" at 10 stands alone.
        let w = words(&["mobile", "mob"], "/-");
        assert!(!w.is_match("xmobile"));
        assert!(w.is_match("xmobile mobiles"));
        assert!(!w.is_match("mobilex"));
        // only the shorter word stands alone here
        assert!(words(&["ab", "abc"], "/-").is_match("ab c"));
        assert!(!words(&["ab", "abc"], "/-").is_match("ab-c"));
        assert!(!words(&["ab", "abc"], "/-").is_match("abcd"));
    }

    #[test]
    fn when_empty_word_then_any_free_position() {
        let w = words(&[""], "-");
        assert!(w.is_match(""));
        assert!(w.is_match("ab "));
        assert!(!w.is_match("ab c"));
        assert!(!w.is_match("-\u{e9}-")); // not between the two bytes of the é
    }
}
