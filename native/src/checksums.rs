//! Check digits that real identifiers carry (`detectors/checksums.py`).

pub(crate) const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
pub(crate) const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Luhn mod 10 over ASCII digits (cards, IMEI). Inlined: the prefilters run it on every
/// window of a digit run that a card trigger hit.
#[inline]
pub fn luhn_valid(digits: &[u8]) -> bool {
    let mut total = 0u32;
    for (i, &c) in digits.iter().rev().enumerate() {
        let mut d = (c - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        total += d;
    }
    total % 10 == 0
}

/// Verhoeff's dihedral check (Aadhaar) over ASCII digits (callers pass digits only;
/// another byte gives some answer, not a panic). Inlined, and every table index
/// masked to a power of two the tables are padded to, so no index is bounds-checked: the
/// prefilters run it on every 12-digit window of a run that an Aadhaar trigger hit.
#[inline]
pub fn verhoeff_valid(digits: &[u8]) -> bool {
    const fn padded<const N: usize>(t: [[u8; 10]; N]) -> [[u8; 16]; 16] {
        let mut out = [[0u8; 16]; 16];
        let mut i = 0;
        while i < N {
            let mut j = 0;
            while j < 10 {
                out[i][j] = t[i][j];
                j += 1;
            }
            i += 1;
        }
        out
    }
    const D: [[u8; 16]; 16] = padded(VERHOEFF_D);
    const P: [[u8; 16]; 16] = padded(VERHOEFF_P);
    let mut c = 0u8;
    for (i, &ch) in digits.iter().rev().enumerate() {
        let d = ch.wrapping_sub(b'0');
        debug_assert!(d < 10, "a digit");
        c = D[(c & 15) as usize][(P[i & 7][(d & 15) as usize] & 15) as usize];
    }
    c == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_check_digit_right_then_valid() {
        assert!(luhn_valid(b"4111111111111111"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(verhoeff_valid(b"2363"));
        assert!(!verhoeff_valid(b"2364"));
        // Every single-digit change of a valid Aadhaar-length number is caught.
        let valid = b"234123412346";
        assert!(verhoeff_valid(valid));
        for i in 0..valid.len() {
            for d in b'0'..=b'9' {
                let mut v = *valid;
                v[i] = d;
                assert_eq!(verhoeff_valid(&v), d == valid[i], "{i} {d}");
            }
        }
    }
}
