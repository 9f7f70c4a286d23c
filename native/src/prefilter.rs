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

/// The `width` bytes ending at `last`; before the buffer they read as NUL.
fn window(buf: &[u8], last: usize, width: usize) -> Vec<u8> {
    (0..width)
        .map(|k| {
            let idx = last as isize - width as isize + 1 + k as isize;
            if idx < 0 {
                0
            } else {
                buf[idx as usize]
            }
        })
        .collect()
}

impl Prefilter {
    pub fn keep(self, buf: &[u8], end: usize) -> bool {
        match self {
            Prefilter::None => true,
            Prefilter::Aadhaar => {
                let Some(last) = last_digit(buf, end) else {
                    return true;
                };
                let plain = window(buf, last, 12);
                if plain.iter().all(u8::is_ascii_digit) {
                    return verhoeff_valid(&plain);
                }
                let g = window(buf, last, 14);
                let (a, b) = (g[4], g[9]);
                let digits: Vec<u8> = g
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 4 && *i != 9)
                    .map(|(_, &c)| c)
                    .collect();
                if a == b && (a == b' ' || a == b'-') && digits.iter().all(u8::is_ascii_digit) {
                    return verhoeff_valid(&digits);
                }
                true
            }
            Prefilter::LuhnPlain => {
                let Some(last) = last_digit(buf, end) else {
                    return true;
                };
                let w = window(buf, last, 20);
                let run = w.iter().rev().take_while(|c| c.is_ascii_digit()).count();
                if (13..=19).contains(&run) {
                    return luhn_valid(&w[20 - run..]);
                }
                true
            }
        }
    }
}
