//! URL-encoded values (`email=rahul%40gmail.com`, `name=Rahul+Sharma`): a decoded copy of
//! the line and, for each of its code points, the code-point offset it came from.

/// The decoded line and the origin of each decoded code point (plus the end). Only ASCII
/// escapes are decoded; `+` becomes a space, as in form-encoded query strings.
pub fn decode_with_map(line: &str) -> (String, Vec<usize>) {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut origin = Vec::with_capacity(chars.len() + 1);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '+' {
            out.push(' ');
            origin.push(i);
            i += 1;
            continue;
        }
        if c == '%' {
            if let Some((len, v)) = escape_at(&chars, i) {
                if v < 0x80 {
                    out.push(char::from(v as u8));
                    origin.push(i);
                } else {
                    // Not decoded: the escape's characters stay as they are.
                    for k in 0..len {
                        out.push(chars[i + k]);
                        origin.push(i + k);
                    }
                }
                i += len;
                continue;
            }
        }
        out.push(c);
        origin.push(i);
        i += 1;
    }
    origin.push(chars.len());
    (out, origin)
}

/// The escape starting at the `%` at `i`: its length in characters and the value it
/// encodes. `%25XY` is an escape encoded twice (`%2540` is `@`), decoded in one step: Python's
/// `%(?:25)?([0-9A-Fa-f]{2})` tries that longer form first.
fn escape_at(chars: &[char], i: usize) -> Option<(usize, u32)> {
    let hex =
        |at: usize| Some(chars.get(at)?.to_digit(16)? * 16 + chars.get(at + 1)?.to_digit(16)?);
    if chars.get(i + 1) == Some(&'2') && chars.get(i + 2) == Some(&'5') {
        if let Some(v) = hex(i + 3) {
            return Some((5, v));
        }
    }
    hex(i + 1).map(|v| (3, v))
}

#[cfg(test)]
mod tests {
    use super::decode_with_map;

    #[test]
    fn when_escapes_then_decoded_with_origins() {
        let (d, o) = decode_with_map("e=a%40b.in&n=R+S");
        assert_eq!(d, "e=a@b.in&n=R S");
        assert_eq!(o[2], 2);
        assert_eq!(o[3], 3);
        assert_eq!(o[4], 6);
        assert_eq!(*o.last().unwrap(), 16);
    }

    #[test]
    fn when_escape_encoded_twice_then_decoded_in_one_step() {
        let (d, o) = decode_with_map("e=a%2540b.in&p=%252B91&q=%25zz%25");
        assert_eq!(d, "e=a@b.in&p=+91&q=%zz%");
        assert_eq!(o[3], 3);
        assert_eq!(o[4], 8);
    }

    #[test]
    fn when_non_ascii_escape_then_kept() {
        let (d, _) = decode_with_map("a%C3%A9");
        assert_eq!(d, "a%C3%A9");
    }
}
