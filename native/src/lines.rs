//! A block of `\n`-separated lines as the two buffers of an Arrow string array: the bytes
//! with the newlines left out, and the offsets of the lines in them.
//!
//! Every text block of a scan becomes such an array (`jobs.blocks.line_array`). numpy did
//! it in several passes (a compare, a nonzero, the offsets arithmetic) plus a
//! `bytes.replace`, with a fresh 8 MiB temporary for each: ~11 ms an 8 MiB block of logs,
//! a tenth of the CPU of a gzip log's scan. Here it is one newline search and one copy.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Number of lines of `data`: its newlines, plus one for a last line without one.
pub fn count(data: &[u8]) -> usize {
    let newlines = memchr::memchr_iter(b'\n', data).count();
    newlines + usize::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// Fill `out` (exactly `data.len()` less its newlines long) with the bytes of `data`
/// outside its newlines, and `offsets` (one more than the line count) with where each
/// line starts in `out`, then where the last ends.
fn split<T: TryFrom<usize>>(data: &[u8], out: &mut [u8], offsets: &mut Vec<T>) {
    let at = |n: usize| T::try_from(n).ok().expect("offset fits its width");
    let (mut from, mut to) = (0usize, 0usize);
    offsets.push(at(0));
    for nl in memchr::memchr_iter(b'\n', data) {
        let len = nl - from;
        out[to..to + len].copy_from_slice(&data[from..nl]);
        to += len;
        offsets.push(at(to));
        from = nl + 1;
    }
    if from < data.len() {
        let len = data.len() - from;
        out[to..to + len].copy_from_slice(&data[from..]);
        to += len;
        offsets.push(at(to));
    }
}

/// `data`'s lines as (bytes without newlines; offsets as native-endian int32, or int64
/// when the bytes reach 2 GiB; whether they are int64; line count). A last line without
/// its newline is a line; an empty block has none.
#[pyfunction]
pub fn split_lines<'py>(
    py: Python<'py>,
    data: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, bool, usize)> {
    let newlines = memchr::memchr_iter(b'\n', data).count();
    let n = newlines + usize::from(data.last().is_some_and(|&b| b != b'\n'));
    let kept = data.len() - newlines;
    let wide = kept >= i32::MAX as usize;
    let mut offsets: Vec<u8> = Vec::new();
    let bytes = PyBytes::new_with(py, kept, |out| {
        if wide {
            let mut o: Vec<i64> = Vec::with_capacity(n + 1);
            split(data, out, &mut o);
            offsets = o.iter().flat_map(|v| v.to_ne_bytes()).collect();
        } else {
            let mut o: Vec<i32> = Vec::with_capacity(n + 1);
            split(data, out, &mut o);
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
        let kept = data.len() - data.iter().filter(|&&b| b == b'\n').count();
        let mut out = vec![0u8; kept];
        let mut offsets: Vec<i64> = Vec::new();
        split(data, &mut out, &mut offsets);
        (out, offsets)
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
