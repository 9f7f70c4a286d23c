//! A block of `\n`-separated lines as the two buffers of an Arrow string array: the bytes
//! with the newlines left out, and the offsets of the lines in them.
//!
//! Every text block of a scan becomes such an array (`jobs.blocks.line_array`). numpy did
//! it in several passes (a compare, a nonzero, the offsets arithmetic) plus a
//! `bytes.replace`, with a fresh 8 MiB temporary for each: ~11 ms an 8 MiB block of logs,
//! a tenth of the CPU of a gzip log's scan. Here it is one newline search and one copy,
//! which also writes the redacted copy's changed lines in place of the originals.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

/// Number of lines of `data`: its newlines, plus one for a last line without one.
pub fn count(data: &[u8]) -> usize {
    let newlines = memchr::memchr_iter(b'\n', data).count();
    newlines + usize::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// Where each of `data`'s `n` lines ends: at its newline, or at the end of `data` for a
/// last line without one.
fn line_ends(data: &[u8]) -> Vec<usize> {
    let mut ends: Vec<usize> = memchr::memchr_iter(b'\n', data).collect();
    if data.last().is_some_and(|&b| b != b'\n') {
        ends.push(data.len());
    }
    ends
}

/// Fill `out` (exactly as long as the lines it receives) with each line of `data` (ending
/// at `ends`), or with its replacement where `subs` (ascending line indexes) names one,
/// and `offsets` (one more than the line count) with where each line starts in `out`,
/// then where the last ends.
fn split<T: TryFrom<usize>>(
    data: &[u8],
    ends: &[usize],
    subs: &[(usize, &[u8])],
    out: &mut [u8],
    offsets: &mut Vec<T>,
) {
    let at = |n: usize| T::try_from(n).ok().expect("offset fits its width");
    let (mut from, mut to) = (0usize, 0usize);
    let mut next = subs.iter().peekable();
    offsets.push(at(0));
    for (i, &end) in ends.iter().enumerate() {
        let line = match next.next_if(|s| s.0 == i) {
            Some(&(_, new)) => new,
            None => &data[from..end],
        };
        out[to..to + line.len()].copy_from_slice(line);
        to += line.len();
        offsets.push(at(to));
        from = end + 1;
    }
}

/// `data`'s lines as (bytes without newlines; offsets as native-endian int32, or int64
/// when the bytes reach 2 GiB; whether they are int64; line count). A last line without
/// its newline is a line; an empty block has none.
///
/// `at` (native-endian int64, ascending and distinct) names lines to replace by the texts
/// of `new`, in order: a text block's redacted copy is its lines with a few changed, and
/// writing them while splitting saves a second copy of every line (Arrow's
/// `replace_with_mask` appended each value to a builder, ~1.3 GB/s, page faults included).
#[pyfunction]
#[pyo3(signature = (data, at=None, new=None))]
pub fn split_lines<'py>(
    py: Python<'py>,
    data: &[u8],
    at: Option<&[u8]>,
    new: Option<&Bound<'py, PyList>>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, bool, usize)> {
    let ends = line_ends(data);
    let n = ends.len();
    let texts: Vec<Bound<'py, PyString>> = match new {
        Some(list) => list
            .iter()
            .map(|v| v.downcast_into::<PyString>().map_err(PyErr::from))
            .collect::<PyResult<_>>()?,
        None => Vec::new(),
    };
    let at = at.unwrap_or_default();
    if at.len() != texts.len() * 8 {
        return Err(PyValueError::new_err("one line index per new text"));
    }
    let mut subs: Vec<(usize, &[u8])> = Vec::with_capacity(texts.len());
    for (k, text) in texts.iter().enumerate() {
        let i = i64::from_ne_bytes(at[k * 8..k * 8 + 8].try_into().expect("8 bytes"));
        let i = usize::try_from(i).ok().filter(|&i| i < n);
        let i = i.ok_or_else(|| PyValueError::new_err("line index out of range"))?;
        if subs.last().is_some_and(|s| s.0 >= i) {
            return Err(PyValueError::new_err("line indexes must ascend"));
        }
        subs.push((i, text.to_str()?.as_bytes()));
    }
    let newlines = n - usize::from(data.last().is_some_and(|&b| b != b'\n'));
    let mut kept = data.len() - newlines;
    for &(i, text) in &subs {
        let start = if i == 0 { 0 } else { ends[i - 1] + 1 };
        kept = kept - (ends[i] - start) + text.len();
    }
    let wide = kept >= i32::MAX as usize;
    let mut offsets: Vec<u8> = Vec::new();
    let bytes = PyBytes::new_with(py, kept, |out| {
        if wide {
            let mut o: Vec<i64> = Vec::with_capacity(n + 1);
            split(data, &ends, &subs, out, &mut o);
            offsets = o.iter().flat_map(|v| v.to_ne_bytes()).collect();
        } else {
            let mut o: Vec<i32> = Vec::with_capacity(n + 1);
            split(data, &ends, &subs, out, &mut o);
            offsets = o.iter().flat_map(|v| v.to_ne_bytes()).collect();
        }
        Ok(())
    })?;
    Ok((bytes, PyBytes::new(py, &offsets), wide, n))
}

/// The number of lines of `data` (see [`count`]).
#[pyfunction]
pub fn line_count(data: &[u8]) -> usize {
    count(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> (Vec<u8>, Vec<i64>) {
        replaced(data, &[])
    }

    fn replaced(data: &[u8], subs: &[(usize, &[u8])]) -> (Vec<u8>, Vec<i64>) {
        let ends = line_ends(data);
        let kept = data.len() - data.iter().filter(|&&b| b == b'\n').count();
        let removed: usize = subs
            .iter()
            .map(|&(i, _)| ends[i] - if i == 0 { 0 } else { ends[i - 1] + 1 })
            .sum();
        let added: usize = subs.iter().map(|s| s.1.len()).sum();
        let mut out = vec![0u8; kept - removed + added];
        let mut offsets: Vec<i64> = Vec::new();
        split(data, &ends, subs, &mut out, &mut offsets);
        (out, offsets)
    }

    #[test]
    fn when_lines_are_replaced_then_the_others_keep_their_bytes() {
        let subs: &[(usize, &[u8])] = &[(0, b"X"), (2, b""), (3, b"longer line")];
        assert_eq!(
            replaced(b"ab\n\ncde\nf", subs),
            (b"Xlonger line".to_vec(), vec![0, 1, 1, 1, 12])
        );
        assert_eq!(
            replaced(b"\n\n", &[(1, b"z")]),
            (b"z".to_vec(), vec![0, 0, 1])
        );
    }

    #[test]
    fn when_lines_end_in_newlines_then_each_is_one_value() {
        assert_eq!(lines(b"ab\n\ncde\n"), (b"abcde".to_vec(), vec![0, 2, 2, 5]));
        assert_eq!(count(b"ab\n\ncde\n"), 3);
    }

    #[test]
    fn when_last_line_lacks_newline_then_it_is_still_a_line() {
        assert_eq!(lines(b"ab\ncd"), (b"abcd".to_vec(), vec![0, 2, 4]));
        assert_eq!(count(b"ab\ncd"), 2);
        assert_eq!(lines(b"x"), (b"x".to_vec(), vec![0, 1]));
    }

    #[test]
    fn when_block_is_empty_or_only_newlines_then_counts_agree() {
        assert_eq!(lines(b""), (vec![], vec![0]));
        assert_eq!(count(b""), 0);
        assert_eq!(lines(b"\n\n"), (vec![], vec![0, 0, 0]));
        assert_eq!(count(b"\n\n"), 2);
    }

    #[test]
    fn when_lines_are_long_then_split_equals_a_naive_split() {
        // Lines longer than memchr's vector width and bytes that are not UTF-8.
        let mut data = Vec::new();
        for i in 0..500usize {
            data.extend(std::iter::repeat_n((i % 251) as u8 | 0x80, i * 7 % 301));
            data.push(b'\n');
        }
        data.extend_from_slice(b"tail");
        let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        let (out, offsets) = lines(&data);
        assert_eq!(out, parts.concat());
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        assert_eq!(offsets.len(), parts.len() + 1);
        for (k, p) in parts.iter().enumerate() {
            assert_eq!(&out[offsets[k] as usize..offsets[k + 1] as usize], *p);
        }
    }
}
