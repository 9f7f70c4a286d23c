//! Checksums over trigger hits before any candidate work: the Rust form of
//! `detectors/prefilter.py`. A prefilter only drops hits that cannot validate; a hit whose
//! shape it does not recognise is kept.

use crate::checksums::{luhn_valid, verhoeff_valid};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefilter {
    None,
    /// 12 digits, plain or 4-4-4, passing Verhoeff.
    Aadhaar,
    /// An unseparated run of 13–19 digits must pass Luhn.
    LuhnPlain,
}

/// Position of the last digit of a hit: triggers may consume up to two characters after
/// the number; the nearest digit to the end wins.
fn last_digit(buf: &[u8], end: usize) -> Option<usize> {
    (1..=3)
        .filter_map(|back| end.checked_sub(back))
        .find(|&p| p < buf.len() && buf[p].is_ascii_digit())
}

/// The `W` bytes ending at `last`; before the buffer they read as NUL. On the stack: this
/// runs for every digit-run hit, and a vector per call showed in a dense scan's profile.
fn window<const W: usize>(buf: &[u8], last: usize) -> [u8; W] {
    let mut out = [0u8; W];
    let take = W.min(last + 1);
    out[W - take..].copy_from_slice(&buf[last + 1 - take..=last]);
    out
}

impl Prefilter {
    pub fn keep(self, buf: &[u8], end: usize) -> bool {
        match self {
            Prefilter::None => true,
            Prefilter::Aadhaar => {
                let Some(last) = last_digit(buf, end) else {
                    return true;
                };
                let plain = window::<12>(buf, last);
                if plain.iter().all(u8::is_ascii_digit) {
                    return verhoeff_valid(&plain);
                }
                let g = window::<14>(buf, last);
                let (a, b) = (g[4], g[9]);
                let mut digits = [0u8; 12];
                digits[..4].copy_from_slice(&g[..4]);
                digits[4..8].copy_from_slice(&g[5..9]);
                digits[8..].copy_from_slice(&g[10..]);
                if a == b && (a == b' ' || a == b'-') && digits.iter().all(u8::is_ascii_digit) {
                    return verhoeff_valid(&digits);
                }
                true
            }
            Prefilter::LuhnPlain => {
                let Some(last) = last_digit(buf, end) else {
                    return true;
                };
                let w = window::<20>(buf, last);
                let run = w.iter().rev().take_while(|c| c.is_ascii_digit()).count();
                if (13..=19).contains(&run) {
                    return luhn_valid(&w[20 - run..]);
                }
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_window_reaches_before_the_buffer_then_nul_pads_it() {
        assert_eq!(window::<4>(b"123456", 5), *b"3456");
        assert_eq!(window::<4>(b"12", 1), [0, 0, b'1', b'2']);
    }

    #[test]
    fn when_digits_fail_their_checksum_then_dropped_else_kept() {
        // 4111 1111 1111 1111 passes Luhn; one digit off fails; a short run is not judged.
        assert!(Prefilter::LuhnPlain.keep(b"card 4111111111111111 ok", 21));
        assert!(!Prefilter::LuhnPlain.keep(b"card 4111111111111112 ok", 21));
        assert!(Prefilter::LuhnPlain.keep(b"id 411111 ok", 9));
        // 2345 6789 0120 is not Verhoeff-valid, in either written form.
        assert!(!Prefilter::Aadhaar.keep(b"x 234567890120 y", 14));
        assert!(!Prefilter::Aadhaar.keep(b"x 2345 6789 0120 y", 16));
        assert!(Prefilter::Aadhaar.keep(b"x 2345.6789.0120 y", 16)); // shape not recognised
    }
}
