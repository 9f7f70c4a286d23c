//! One value, one entity: the same rules as `detectors/overlaps.py`, on spans whose names
//! are ranks (the detectors sorted by entity type, then name), so ties break the same way.

use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    /// Index of the detector in the engine's list.
    pub det: usize,
    /// Rank of (entity type, detector name) among all detectors.
    pub rank: u32,
    /// Code-point offsets in the scanned string.
    pub start: usize,
    pub end: usize,
    pub score: f64,
}

fn position(a: &Span, b: &Span) -> Ordering {
    a.start
        .cmp(&b.start)
        .then(b.end.cmp(&a.end))
        .then(b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal))
        .then(a.rank.cmp(&b.rank))
}

/// A span inside a longer one goes; of partly overlapping ones the higher score stays.
/// [`resolve_into`] with fresh buffers, for the tests (the scans keep theirs).
#[cfg(test)]
pub fn resolve(mut spans: Vec<Span>) -> Vec<Span> {
    let mut kept = Vec::with_capacity(spans.len());
    resolve_into(&mut spans, &mut Resolving::default(), &mut kept);
    kept
}

/// The buffers [`resolve_into`] works in, kept by a scan for their capacity: a dense
/// export resolves a line of six spans every hundred bytes, and fresh vectors per line
/// were a tenth of the core's allocations.
#[derive(Default)]
pub struct Resolving {
    outer: Vec<Span>,
    run: Vec<Span>,
    chosen: Vec<Span>,
}

/// [`resolve`] of `spans` (sorted and deduplicated in place), the spans kept appended to
/// `out` in order of their starts.
pub fn resolve_into(spans: &mut Vec<Span>, bufs: &mut Resolving, out: &mut Vec<Span>) {
    if spans.len() < 2 {
        out.extend_from_slice(spans);
        return;
    }
    spans.sort_by(position);
    spans.dedup();
    let Resolving { outer, run, chosen } = bufs;
    outer.clear();
    run.clear();
    let mut max_end: i64 = -1;
    for s in spans.iter() {
        if s.end as i64 > max_end {
            max_end = s.end as i64;
            outer.push(*s);
        }
    }
    let mut run_end = 0usize;
    for s in outer.iter() {
        if !run.is_empty() && s.start >= run_end {
            best_of(run, chosen, out);
            run.clear();
        }
        run_end = if run.is_empty() {
            s.end
        } else {
            run_end.max(s.end)
        };
        run.push(*s);
    }
    best_of(run, chosen, out);
}

/// Non-overlapping spans of one run of overlapping ones, higher scores first; `chosen` is
/// a buffer.
fn best_of(run: &mut [Span], chosen: &mut Vec<Span>, out: &mut Vec<Span>) {
    if run.len() == 1 {
        out.push(run[0]);
        return;
    }
    run.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(Ordering::Equal)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.rank.cmp(&b.rank))
    });
    chosen.clear();
    for s in run.iter() {
        if chosen.iter().all(|c| s.end <= c.start || c.end <= s.start) {
            chosen.push(*s);
        }
    }
    chosen.sort_by_key(|s| s.start);
    out.extend_from_slice(chosen);
}

/// Search ranges around trigger hits, widened by a detector's reach and merged where they
/// overlap. A window with `end == usize::MAX` stands for the whole line.
pub fn merged_ranges(
    windows: &mut [(usize, usize)],
    reach: (usize, usize),
    n: usize,
    merged: &mut Vec<(usize, usize)>,
) {
    let (before, after) = reach;
    if windows.len() == 1 {
        let (start, end) = windows[0];
        if end == usize::MAX {
            merged.push((0, n));
        } else {
            merged.push((start.saturating_sub(before), n.min(end + after + 8)));
        }
        return;
    }
    windows.sort_unstable();
    let first = merged.len();
    for &(start, end) in windows.iter() {
        if end == usize::MAX {
            merged.truncate(first);
            merged.push((0, n));
            return;
        }
        let lo = start.saturating_sub(before);
        let hi = n.min(end + after + 8);
        match merged[first..].last_mut() {
            Some(last) if lo <= last.1 => {
                if hi > last.1 {
                    last.1 = hi;
                }
            }
            _ => merged.push((lo, hi)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(det: usize, start: usize, end: usize, score: f64) -> Span {
        Span {
            det,
            rank: det as u32,
            start,
            end,
            score,
        }
    }

    #[test]
    fn when_inside_longer_span_then_dropped() {
        let out = resolve(vec![sp(1, 2, 5, 0.9), sp(0, 0, 10, 0.5)]);
        assert_eq!(out, vec![sp(0, 0, 10, 0.5)]);
    }

    #[test]
    fn when_partial_overlap_then_higher_score_stays() {
        let out = resolve(vec![
            sp(0, 0, 6, 0.5),
            sp(1, 4, 12, 0.9),
            sp(2, 20, 22, 0.1),
        ]);
        assert_eq!(out, vec![sp(1, 4, 12, 0.9), sp(2, 20, 22, 0.1)]);
    }

    #[test]
    fn when_buffers_are_reused_then_each_line_resolves_alone() {
        // Lines as a scan resolves them, one set of buffers for all: nothing of a line's
        // runs or choices may reach the next, and `out` only grows.
        let lines = [
            vec![
                sp(0, 0, 6, 0.5),
                sp(1, 4, 12, 0.9),
                sp(3, 5, 9, 0.7),
                sp(10, 20, 22, 0.1),
            ],
            vec![sp(2, 0, 3, 0.4), sp(4, 2, 8, 0.6), sp(5, 7, 9, 0.3)],
            vec![sp(6, 1, 2, 0.2)],
            vec![sp(7, 0, 4, 0.9), sp(7, 0, 4, 0.9), sp(8, 3, 5, 0.1)],
        ];
        let mut bufs = Resolving::default();
        let mut out = vec![sp(9, 0, 1, 1.0)];
        let mut expected = out.clone();
        for line in &lines {
            let mut spans = line.clone();
            resolve_into(&mut spans, &mut bufs, &mut out);
            expected.extend(resolve(line.clone()));
        }
        assert_eq!(out, expected);
        assert_eq!(out.len(), 1 + 2 + 1 + 1 + 1);
    }

    #[test]
    fn when_windows_overlap_then_merged() {
        let ranges = |w: &mut [(usize, usize)]| {
            let mut out = vec![(7, 7)]; // a buffer's earlier contents stay
            merged_ranges(w, (2, 1), 100, &mut out);
            out
        };
        assert_eq!(ranges(&mut [(10, 12), (0, 2), (14, 15)]), [(7, 7), (0, 24)]);
        assert_eq!(ranges(&mut [(50, 52), (0, 2)]), [(7, 7), (0, 11), (48, 61)]);
        assert_eq!(ranges(&mut [(50, 52), (0, usize::MAX)]), [(7, 7), (0, 100)]);
        assert_eq!(ranges(&mut [(95, 99)]), [(7, 7), (93, 100)]);
    }
}
