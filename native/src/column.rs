//! The column path: a column's values, joined by newlines, scanned as one buffer, plus the
//! whole-value detection of fields whose name says what they hold (`customer_name`,
//! `address`), merged per row. It mirrors `Engine._scan_column` and `Engine._field_spans` in
//! `detectors/engine.py`, so a Parquet or CSV column costs no Python per value and no Python
//! object per finding; the equivalence tests hold the two to the same spans.

use std::borrow::Cow;

use crate::engine::{round4, Engine, Host, Line, Scratch};
use crate::masked::looks_masked;
use crate::overlaps::{resolve_into, Resolving, Span};
use crate::validators::{Screened, Validator};

/// A column's spans as parallel arrays, rows ascending, a row's spans in resolved order.
#[derive(Default, Debug, PartialEq)]
pub struct Flat {
    pub rows: Vec<i64>,
    pub starts: Vec<i64>,
    pub ends: Vec<i64>,
    pub sources: Vec<i32>,
    pub scores: Vec<f64>,
}

impl Flat {
    /// Room for `n` spans in each array: a dense column's arrays grew by doubling, each
    /// step a copy.
    fn with_capacity(n: usize) -> Flat {
        Flat {
            rows: Vec::with_capacity(n),
            starts: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
            sources: Vec::with_capacity(n),
            scores: Vec::with_capacity(n),
        }
    }

    fn push_row(&mut self, row: usize, spans: &[Span]) {
        for s in spans {
            self.rows.push(row as i64);
            self.starts.push(s.start as i64);
            self.ends.push(s.end as i64);
            self.sources.push(s.det as i32);
            self.scores.push(s.score);
        }
    }
}

/// Python's `str.isspace()`: Unicode white space plus the separators U+001C–U+001F.
pub fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `value.strip()` as (bytes stripped in front, the stripped value).
fn py_strip(value: &str) -> (usize, &str) {
    let front = value.trim_start_matches(py_space);
    let lead = value.len() - front.len();
    (lead, front.trim_end_matches(py_space))
}

impl Engine {
    /// `Engine._field_spans`: whole-value candidates of the detectors `ids` for one value of
    /// field `field`, in code points of `value`.
    /// The spans are appended to `out`; `fake` is a buffer kept by the caller for the
    /// `field=value` line (a `format!` per value was ~4% of an address column's scan).
    pub fn field_spans(
        &self,
        host: &mut dyn Host,
        value: &str,
        field: &str,
        ids: &[usize],
        fake: &mut String,
        out: &mut Vec<Span>,
    ) {
        let (lead, stripped) = py_strip(value);
        if stripped.is_empty() || looks_masked(stripped) {
            return; // a masked value (a redacted copy's) is no live data
        }
        let start = value[..lead].chars().count();
        let end = start + stripped.chars().count();
        // Validators read keys from the line: they get the field as one, `field=value`.
        fake.clear();
        fake.push_str(field);
        fake.push('=');
        fake.push_str(stripped);
        let fake = fake.as_str();
        let mut line: Option<Line> = None;
        let mut allowed: Option<bool> = None;
        for &id in ids {
            let d = &self.detectors[id];
            if d.field_value
                .as_ref()
                .is_some_and(|re| !re.is_match(stripped))
            {
                continue;
            }
            let mut score = d.field_score;
            if !matches!(d.validator, Validator::None) {
                let line = line.get_or_insert_with(|| Line::new(fake));
                let (a, b) = (field.len() + 1, fake.len());
                let delta = match &d.validator {
                    Validator::Builtin(f) => f(stripped, line, a, b),
                    Validator::Screened(screen) => match screen(stripped) {
                        Screened::Decided(verdict) => verdict,
                        Screened::Ask => host.call(id, stripped, line, a, b),
                    },
                    _ => host.call(id, stripped, line, a, b),
                };
                match delta {
                    Some(x) => score += x,
                    None => continue,
                }
            }
            let score = score.min(1.0);
            if score < self.threshold {
                continue;
            }
            if !*allowed.get_or_insert_with(|| self.allowed(host, stripped)) {
                out.push(Span {
                    det: id,
                    rank: self.ranks[id],
                    start,
                    end,
                    score: round4(score),
                });
            }
        }
    }

    /// `Engine._scan_column`: the spans of every row of a `\n`-joined column, the buffer
    /// pass's merged with the whole-value candidates of the field detectors `ids`.
    /// `overrides` gives (row, value) for rows whose value differs from its line (a line
    /// break inside became a space), ascending: the whole value is judged as written.
    pub fn scan_column(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        data: &[u8],
        field: Option<&str>,
        ids: &[usize],
        overrides: &[(usize, Cow<'_, str>)],
    ) -> Flat {
        let (lines, _) = self.scan_buffer(scratch, host, data, field, false);
        let mut flat = Flat::with_capacity(scratch.found.len());
        let field = match field {
            Some(f) if !f.is_empty() && !ids.is_empty() => f,
            _ => {
                for l in &lines {
                    flat.push_row(l.line, scratch.spans_of(l));
                }
                return flat;
            }
        };
        let mut found = lines.iter().peekable();
        let mut odd = overrides.iter().peekable();
        let mut lo = 0usize;
        // Kept across rows for their capacity: a name-hinted column has a whole-value span
        // in almost every row.
        let (mut fake, mut extra, mut all) = (String::new(), Vec::new(), Vec::new());
        let (mut bufs, mut kept) = (Resolving::default(), Vec::new());
        for row in 0usize.. {
            let hi = memchr::memchr(b'\n', &data[lo..]).map_or(data.len(), |i| lo + i);
            let spans: &[Span] = match found.peek() {
                Some(l) if l.line == row => found.next().map_or(&[], |l| scratch.spans_of(l)),
                _ => &[],
            };
            let text = match odd.peek() {
                Some((r, v)) if *r == row => odd.next().map(|(_, v)| Cow::Borrowed(v.as_ref())),
                _ => None,
            }
            .unwrap_or_else(|| crate::text::decode(&data[lo..hi]));
            // An empty value strips to nothing: field_spans returns no span for it.
            extra.clear();
            self.field_spans(host, &text, field, ids, &mut fake, &mut extra);
            if extra.is_empty() {
                flat.push_row(row, spans);
            } else {
                all.clear();
                all.extend_from_slice(spans);
                all.append(&mut extra);
                kept.clear();
                resolve_into(&mut all, &mut bufs, &mut kept);
                flat.push_row(row, &kept);
            }
            if hi >= data.len() {
                break;
            }
            lo = hi + 1;
        }
        // PEM body lines past the last row cannot be: every line is a row. Kept for safety.
        for l in found {
            flat.push_row(l.line, scratch.spans_of(l));
        }
        flat
    }
}

/// The column buffer `scan_column` reads (`detectors.columns.joined_buffer`): the values of
/// a string array, given as its data and the value offsets `offsets` (the array's `len + 1`
/// of them, already read from its offsets buffer), joined by `\n`, each value's own `\n` and
/// `\r` made a space so a value stays one line. One pass and one copy, written into `out`
/// (exactly [`joined_len`] bytes). The rows whose values held a line break are pushed to
/// `broken`: whole-value detection judges those as written. Offsets must ascend within
/// `data`: checked by the caller.
pub fn join_values(data: &[u8], offsets: &[usize], out: &mut [u8], broken: &mut Vec<usize>) {
    let mut at = 0;
    for (i, pair) in offsets.windows(2).enumerate() {
        if i > 0 {
            out[at] = b'\n';
            at += 1;
        }
        let value = &data[pair[0]..pair[1]];
        let dest = &mut out[at..at + value.len()];
        dest.copy_from_slice(value);
        if memchr::memchr2(b'\n', b'\r', value).is_some() {
            broken.push(i);
            for b in dest.iter_mut() {
                if *b == b'\n' || *b == b'\r' {
                    *b = b' ';
                }
            }
        }
        at += value.len();
    }
}

/// The length of [`join_values`]' output: the values' bytes and a separator between two.
pub fn joined_len(offsets: &[usize]) -> usize {
    match (offsets.first(), offsets.last()) {
        (Some(&a), Some(&b)) if offsets.len() > 1 => b - a + offsets.len() - 2,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{join_values, joined_len, py_space, py_strip};

    /// `values` joined as `join_values` joins them, and the rows it told held a break.
    fn join(values: &[&str]) -> (Vec<u8>, Vec<usize>) {
        let data: String = values.concat();
        let mut cuts = vec![0];
        for v in values {
            cuts.push(cuts.last().unwrap() + v.len());
        }
        let mut out = vec![0u8; joined_len(&cuts)];
        let mut rows = Vec::new();
        join_values(data.as_bytes(), &cuts, &mut out, &mut rows);
        (out, rows)
    }

    fn joined(values: &[&str]) -> Vec<u8> {
        join(values).0
    }

    fn broken(values: &[&str]) -> Vec<usize> {
        join(values).1
    }

    #[test]
    fn when_values_are_joined_then_each_is_one_line() {
        assert_eq!(joined(&["a\nb", "", "c\r\n"]), b"a b\n\nc  ".to_vec());
        assert_eq!(joined(&["", ""]), b"\n".to_vec());
        assert_eq!(joined(&["x"]), b"x".to_vec());
        assert!(joined(&[]).is_empty());
    }

    #[test]
    fn when_values_hold_line_breaks_then_their_rows_are_told() {
        assert_eq!(broken(&["a\nb", "", "c\r", "d"]), vec![0, 2]);
        assert!(broken(&["a", "b c"]).is_empty());
    }

    #[test]
    fn when_python_whitespace_then_stripped() {
        assert_eq!(py_strip("  Rahul \u{a0}"), (2, "Rahul"));
        assert_eq!(py_strip("\u{1c}\u{3000}x\u{2028}"), (4, "x"));
        assert_eq!(py_strip("\u{200b}x"), (0, "\u{200b}x")); // zero width space is no space
        let python: Vec<u32> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| py_space(c))
            .map(|c| c as u32)
            .collect();
        let mut want: Vec<u32> = vec![0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20];
        want.extend([0x85, 0xa0, 0x1680]);
        want.extend(0x2000..=0x200a);
        want.extend([0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
        assert_eq!(python, want);
    }
}
