//! The candidate path: which detectors fired on a line, their precise patterns around the
//! hits, validators, context scoring, overlaps, private-key blocks and URL-decoded values.
//! It mirrors `detectors/engine.py` step for step; the equivalence tests hold the two to the
//! same spans.

use std::collections::HashSet;

use crate::pyre::Pattern as Regex;

use crate::context::{field_matches, key_before, window_before};
use crate::masked::looks_masked;
use crate::overlaps::{merged_ranges, resolve_into, Resolving, Span};
use crate::prefilter::Prefilter;
use crate::text::Positions;
use crate::triggers::{Hit, Triggers};
use crate::validators::{Screened, Validator};
use crate::words::Words;

pub const CONTEXT_BOOST: f64 = 0.3;
pub const FIELD_BOOST: f64 = 0.35;
pub const KEY_PENALTY: f64 = 0.5;
pub const WINDOW_PENALTY: f64 = 0.25;
pub const NEGATIVE_WINDOW: usize = 10;
/// A window that stands for "search the whole line".
const WHOLE: (isize, isize) = (0, -1);

pub struct Detector {
    pub entity: String,
    pub pattern: Regex,
    /// Capture groups that hold the value, in order; the first that matched wins.
    pub groups: Vec<usize>,
    pub score: f64,
    pub validator: Validator,
    pub context: Option<Words>,
    pub negative: Option<Words>,
    pub negative_keys: Option<Words>,
    pub field_hints: Vec<String>,
    pub context_required: bool,
    pub reach: (usize, usize),
    pub prefilter: Prefilter,
    /// Longest match of this detector's triggers: a hit's window starts that far back.
    pub width: usize,
    /// `field_value` as a full match: what a whole value of a hinted field must be.
    pub field_value: Option<Regex>,
    /// The base score of a whole-value candidate (`field_score`).
    pub field_score: f64,
}

/// The mutable state of one scan: the trigger pass's automata caches and each detector's
/// capture slots (PCRE2 match data, whose JIT stack is costly to allocate per search).
pub struct Scratch {
    pub triggers: crate::triggers::Caches,
    pub locs: Vec<crate::pcre::Locations>,
    /// The value starts one detector's search has taken (see [`Taken`]).
    taken: Vec<usize>,
    /// Buffers of one line's work, kept for their capacity: a dense export has a line
    /// with hits every hundred bytes, and fresh vectors per line and detector were a
    /// tenth of the core's time in malloc and free.
    grouped: Grouped,
    sorted: Vec<Hit>,
    windows: Vec<(usize, usize)>,
    ranges: Vec<(usize, usize)>,
    /// The lower-cased text before the candidate being scored.
    window: String,
    /// A buffer's trigger hits and the line of each.
    hits: Vec<Hit>,
    lines_of: Vec<usize>,
    /// One line's candidates before overlaps are resolved, and the resolver's buffers.
    candidates: Vec<Span>,
    resolving: Resolving,
    /// The spans of [`Engine::scan_buffer`]'s lines, one after another: a line's
    /// [`LineSpans::spans`] indexes it. One vector for the buffer, not one per line.
    pub found: Vec<Span>,
}

/// Trigger hits grouped by detector: `ids[k]` owns `windows[k]`, ascending ids, a
/// detector's windows in order of their hits.
#[derive(Default)]
pub struct Grouped {
    ids: Vec<usize>,
    windows: Vec<(isize, isize)>,
}

impl Grouped {
    /// (detector, its windows), by ascending detector.
    fn runs(&self) -> impl Iterator<Item = (usize, &[(isize, isize)])> {
        let mut k = 0;
        std::iter::from_fn(move || {
            let id = *self.ids.get(k)?;
            let mut j = k + 1;
            while j < self.ids.len() && self.ids[j] == id {
                j += 1;
            }
            let run = (id, &self.windows[k..j]);
            k = j;
            Some(run)
        })
    }
}

/// The value starts a detector's search has reported, so that a start found twice is
/// scored once (as Python's `seen` set). Starts come in increasing order unless a value
/// group captures inside a look-behind, so a set is built only when one does not.
struct Taken<'a> {
    order: &'a mut Vec<usize>,
    set: Option<HashSet<usize>>,
}

impl Taken<'_> {
    /// True the first time `start` is seen.
    fn first(&mut self, start: usize) -> bool {
        if self.set.is_none() && self.order.last().is_none_or(|&m| start > m) {
            self.order.push(start);
            return true;
        }
        let order = &self.order;
        let set = self
            .set
            .get_or_insert_with(|| order.iter().copied().collect());
        set.insert(start)
    }
}

impl Engine {
    pub fn scratch(&self) -> Result<Scratch, String> {
        Ok(Scratch {
            triggers: self.triggers.cache()?,
            locs: self
                .detectors
                .iter()
                .map(|d| d.pattern.capture_locations())
                .collect(),
            taken: Vec::new(),
            grouped: Grouped::default(),
            sorted: Vec::new(),
            windows: Vec::new(),
            ranges: Vec::new(),
            window: String::new(),
            hits: Vec::new(),
            lines_of: Vec::new(),
            candidates: Vec::new(),
            resolving: Resolving::default(),
            found: Vec::new(),
        })
    }
}

impl Scratch {
    /// The spans of line `l` of the last [`Engine::scan_buffer`] with this scratch.
    pub fn spans_of(&self, l: &LineSpans) -> &[Span] {
        &self.found[l.spans.clone()]
    }
}

/// One line (or one value) being scanned.
pub struct Line<'a> {
    pub text: &'a str,
    pub pos: Positions,
    /// Tells lines apart for the host's per-line cache.
    pub id: u64,
}

static LINE_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl<'a> Line<'a> {
    pub fn new(text: &'a str) -> Line<'a> {
        let id = LINE_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Line {
            text,
            pos: Positions::new(text),
            id,
        }
    }
}

/// The Python side of a validator call: turns a line into the Python string the reference
/// engine would pass, and calls a Python validator.
pub trait Host {
    fn call(
        &mut self,
        det: usize,
        value: &str,
        line: &Line,
        start: usize,
        end: usize,
    ) -> Option<f64>;
    fn allowed_by_pattern(&mut self, value: &str) -> bool;
}

pub struct Engine {
    pub detectors: Vec<Detector>,
    pub ranks: Vec<u32>,
    pub triggers: Triggers,
    pub urlenc_id: usize,
    pub pem_det: usize,
    pub threshold: f64,
    pub allow_values: HashSet<String>,
    /// Allow-list patterns are Python regexes, matched by the host (see `Host`).
    pub has_python_allow: bool,
}

/// Python's `round(x, 4)`: the decimal nearest to the exact binary value, ties to even.
/// Scores are sums of a few two-place decimals, so `x * 10^4` lies next to an integer and the
/// quick rounding is exact; anything near a tie goes through the exact decimal formatting.
pub fn round4(x: f64) -> f64 {
    let scaled = x * 10_000.0;
    let nearest = scaled.round();
    if (scaled - nearest).abs() < 0.25 {
        return nearest / 10_000.0;
    }
    let s = format!("{x:.4}");
    s.parse().unwrap_or(x)
}

impl Engine {
    /// Spans of one string that is scanned whole (`Engine.scan_text`): no line splitting.
    pub fn scan_whole(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        data: &[u8],
        field: Option<&str>,
    ) -> Vec<Span> {
        let mut hits = Vec::new();
        self.triggers.scan(&mut scratch.triggers, data, &mut hits);
        let text = crate::text::decode(data);
        let line = Line::new(&text);
        // Byte offsets are code points when every byte is one: ASCII, or an undecodable byte
        // (one code point after surrogateescape), as in Python.
        let exact = line.pos.len_cp(&text) == data.len();
        let mut spans = Vec::new();
        self.detect_hits(scratch, host, &line, &hits, 0, exact, field, &mut spans);
        spans
    }

    /// [`Engine::detect`] of `hits` (ends relative to `lo`), grouped in the scratch's
    /// buffers; the spans are appended to `out`.
    #[allow(clippy::too_many_arguments)]
    fn detect_hits(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        line: &Line,
        hits: &[Hit],
        lo: usize,
        exact: bool,
        field: Option<&str>,
        out: &mut Vec<Span>,
    ) {
        let mut grouped = std::mem::take(&mut scratch.grouped);
        group_hits(
            hits,
            lo,
            exact,
            &self.detectors,
            &mut scratch.sorted,
            &mut grouped,
        );
        self.detect(scratch, host, line, &grouped, field, out);
        scratch.grouped = grouped;
    }

    /// Run each detector whose trigger fired, around its hits only; the line's spans,
    /// overlaps resolved, are appended to `out`.
    pub fn detect(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        line: &Line,
        hits: &Grouped,
        field: Option<&str>,
        out: &mut Vec<Span>,
    ) {
        let mut spans = std::mem::take(&mut scratch.candidates);
        spans.clear();
        for (id, windows) in hits.runs() {
            if id == self.urlenc_id {
                self.decoded_spans(scratch, host, line, field, &mut spans);
            } else {
                self.run(scratch, host, id, line, field, windows, &mut spans, None);
            }
        }
        if !spans.is_empty() && (!self.allow_values.is_empty() || self.has_python_allow) {
            spans.retain(|s| {
                let a = line.pos.byte(s.start);
                let b = line.pos.byte(s.end);
                !self.allowed(host, &line.text[a..b])
            });
        }
        resolve_into(&mut spans, &mut scratch.resolving, out);
        scratch.candidates = spans;
    }

    pub fn allowed(&self, host: &mut dyn Host, value: &str) -> bool {
        if self.allow_values.contains(value) {
            return true;
        }
        self.has_python_allow && host.allowed_by_pattern(value)
    }

    /// Candidates of detector `id` in `line`, searched from `reach` before each hit to
    /// `reach` past it. `origin` maps a decoded line's code points back to the line.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        id: usize,
        line: &Line,
        field: Option<&str>,
        windows: &[(isize, isize)],
        out: &mut Vec<Span>,
        origin: Option<&[usize]>,
    ) {
        let d = &self.detectors[id];
        let n = line.pos.len_cp(line.text);
        // A window starting before the line (negative) searches from the line's start,
        // as max(0, start - before) does in Python.
        let mut ranges = std::mem::take(&mut scratch.ranges);
        ranges.clear();
        if windows.iter().any(|w| w.1 < 0) {
            ranges.push((0, n));
        } else {
            let ws = &mut scratch.windows;
            ws.clear();
            ws.extend(
                windows
                    .iter()
                    .map(|&(a, b)| (a.max(0) as usize, b as usize)),
            );
            merged_ranges(ws, d.reach, n, &mut ranges);
        }
        scratch.taken.clear();
        let mut taken = Taken {
            order: &mut scratch.taken,
            set: None,
        };
        let locs = &mut scratch.locs[id];
        for &(pos, endpos) in &ranges {
            let pb = line.pos.byte(pos);
            let eb = line.pos.byte(endpos);
            // The line ends at `endpos` for the search, as in Python's finditer(line, pos,
            // endpos); look-behind still sees the text before `pos`.
            let hay = &line.text[..eb];
            let mut at = pb;
            while at <= eb {
                let whole_m = match d.pattern.captures_read_at(locs, hay, at) {
                    Ok(Some(m)) => m,
                    _ => break,
                };
                let group = if d.groups.len() == 1 {
                    locs.get(d.groups[0])
                } else {
                    d.groups.iter().find_map(|&g| locs.get(g)).or(Some(whole_m))
                };
                at = if whole_m.1 > whole_m.0 {
                    whole_m.1
                } else {
                    match line.text[whole_m.1..eb].chars().next() {
                        Some(c) => whole_m.1 + c.len_utf8(),
                        None => eb + 1,
                    }
                };
                let (vs, ve) = group.unwrap_or((0, 0)); // a value group that took no part: empty
                if vs == ve || !taken.first(vs) {
                    continue;
                }
                if let Some(mut span) =
                    self.score(host, id, line, vs, ve, field, &mut scratch.window)
                {
                    if let Some(o) = origin {
                        span.start = o[span.start];
                        span.end = o[span.end];
                    }
                    out.push(span);
                }
            }
        }
        scratch.ranges = ranges;
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        host: &mut dyn Host,
        id: usize,
        line: &Line,
        start: usize,
        end: usize,
        field: Option<&str>,
        window: &mut String,
    ) -> Option<Span> {
        let d = &self.detectors[id];
        let text = line.text;
        let value = &text[start..end];
        if looks_masked(value) {
            return None;
        }
        let mut score = d.score;
        match &d.validator {
            Validator::None => {}
            Validator::Builtin(f) => score += f(value, line, start, end)?,
            Validator::Screened(screen) => match screen(value) {
                Screened::Decided(verdict) => score += verdict?,
                Screened::Ask => score += host.call(id, value, line, start, end)?,
            },
            Validator::Python => score += host.call(id, value, line, start, end)?,
        }
        let key_owned = key_before(text, start);
        let key: Option<&str> = key_owned
            .as_deref()
            .filter(|k| !k.is_empty())
            .or(field.filter(|f| !f.is_empty()));
        window_before(text, line.pos.is_ascii(), start, window);
        let window = window.as_str();
        let key_has_hint =
            key.is_some_and(|k| !d.field_hints.is_empty() && field_matches(k, &d.field_hints));
        if key_has_hint {
            score += FIELD_BOOST;
        } else if let Some(ctx) = &d.context {
            let spaced = key.map(|k| k.replace('_', " "));
            let hit = spaced.as_deref().is_some_and(|k| ctx.is_match(k)) || ctx.is_match(window);
            if hit {
                score += CONTEXT_BOOST;
            } else if d.context_required {
                return None;
            }
        } else if d.context_required {
            return None;
        }
        let key_neg = key.is_some_and(|k| d.negative_keys.as_ref().is_some_and(|r| r.is_match(k)));
        if key_neg {
            score -= KEY_PENALTY;
        } else if let Some(neg) = &d.negative {
            if key.is_some_and(|k| neg.is_match(k)) {
                score -= KEY_PENALTY;
            } else {
                let tail_start = crate::text::back_chars(
                    window,
                    window.is_ascii(),
                    window.len(),
                    NEGATIVE_WINDOW,
                );
                if neg.is_match(&window[tail_start..]) {
                    score -= WINDOW_PENALTY;
                }
            }
        }
        let score = score.clamp(0.0, 1.0);
        if score < self.threshold {
            return None;
        }
        Some(Span {
            det: id,
            rank: self.ranks[id],
            start: line.pos.cp(start),
            end: line.pos.cp(end),
            score: round4(score),
        })
    }

    fn decoded_spans(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        line: &Line,
        field: Option<&str>,
        out: &mut Vec<Span>,
    ) {
        let (decoded, origin) = crate::urlenc::decode_with_map(line.text);
        if decoded == line.text {
            return;
        }
        let raw = crate::text::encode(&decoded);
        let mut hits = Vec::new();
        self.triggers.scan(&mut scratch.triggers, &raw, &mut hits);
        let mut fired: Vec<usize> = hits
            .iter()
            .map(|h| h.id as usize)
            .filter(|&i| i != self.urlenc_id)
            .collect();
        fired.sort_unstable();
        fired.dedup();
        let dline = Line::new(&decoded);
        for i in fired {
            self.run(
                scratch,
                host,
                i,
                &dline,
                field,
                &[WHOLE],
                out,
                Some(&origin),
            );
        }
    }
}

/// Trigger hits grouped by detector (ascending ids) into `out`, as windows relative to the
/// line at `lo`; without exact offsets (a non-ASCII line) the whole line, once. `sorted`
/// is a buffer.
pub fn group_hits(
    hits: &[Hit],
    lo: usize,
    exact: bool,
    detectors: &[Detector],
    sorted: &mut Vec<Hit>,
    out: &mut Grouped,
) {
    sorted.clear();
    sorted.extend_from_slice(hits);
    sorted.sort_by_key(|h| h.id); // stable: ends stay in order within a detector
    out.ids.clear();
    out.windows.clear();
    for h in sorted.iter() {
        let id = h.id as usize;
        if !exact && out.ids.last() == Some(&id) {
            continue;
        }
        let window = if exact {
            let width = detectors.get(id).map(|d| d.width).unwrap_or(0);
            let start = h.end.saturating_sub(width);
            (start as isize - lo as isize, h.end as isize - lo as isize)
        } else {
            WHOLE
        };
        out.ids.push(id);
        out.windows.push(window);
    }
}

/// What one buffer of `\n`-separated lines gave: for each line with spans, its index, its
/// byte range (without a final `\r`) and where its spans are in the scratch's
/// [`Scratch::found`] (see [`Scratch::spans_of`]).
pub struct LineSpans {
    pub line: usize,
    pub lo: usize,
    pub hi: usize,
    pub spans: std::ops::Range<usize>,
}

/// Byte range of line `li` of `data`, without its `\n` and a final `\r` (Python strips
/// one `\r` from every decoded line).
fn line_bounds(data: &[u8], newlines: &[usize], li: usize) -> (usize, usize) {
    let lo = if li == 0 { 0 } else { newlines[li - 1] + 1 };
    let mut hi = newlines.get(li).copied().unwrap_or(data.len());
    if hi > lo && data[hi - 1] == b'\r' {
        hi -= 1;
    }
    (lo, hi)
}

fn is_pem_body(line: &str) -> bool {
    let b = line.as_bytes();
    if b.len() <= 100
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=')
    {
        return true;
    }
    if line.starts_with("Proc-Type: ")
        || line.starts_with("DEK-Info: ")
        || line.starts_with("Comment: ")
    {
        return true;
    }
    if let Some(rest) = line.strip_prefix("-----END ") {
        let label = rest
            .trim_start_matches(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ');
        // `[A-Z0-9 ]*PRIVATE KEY`: the run may end inside "PRIVATE KEY" itself.
        let taken = &rest[..rest.len() - label.len()];
        return (0..=taken.len())
            .rev()
            .any(|k| rest[k..].starts_with("PRIVATE KEY"));
    }
    false
}

impl Engine {
    /// `Engine._scan_buffer`: every line of `data` with spans, and whether a private key's
    /// PEM block is still open at the end (`in_pem` says one was open at the start).
    pub fn scan_buffer(
        &self,
        scratch: &mut Scratch,
        host: &mut dyn Host,
        data: &[u8],
        field: Option<&str>,
        in_pem: bool,
    ) -> (Vec<LineSpans>, bool) {
        let newlines: Vec<usize> = memchr::memchr_iter(b'\n', data).collect();
        let mut out = Vec::new();
        let mut found = std::mem::take(&mut scratch.found);
        found.clear();
        let mut covered: isize = -1;
        let mut still_open = in_pem;
        if in_pem {
            let (c, open) = self.pem_body(data, &newlines, -1, &mut out, &mut found);
            covered = c;
            still_open = open;
        }
        // The buffer's hits and their lines, in vectors kept in the scratch for their
        // capacity: a dense 8 MiB block has millions of hits, and fresh vectors that size
        // cost their page faults on every call.
        let mut hits = std::mem::take(&mut scratch.hits);
        let mut lines_of = std::mem::take(&mut scratch.lines_of);
        hits.clear();
        lines_of.clear();
        self.triggers.scan(&mut scratch.triggers, data, &mut hits);
        hits.retain(|h| {
            let d = self.detectors.get(h.id as usize);
            d.is_none_or(|d| d.prefilter.keep(data, h.end))
        });
        // Line of each hit: the number of newlines before its last byte (hits come in
        // order of their ends).
        let mut nl = 0usize;
        for h in &hits {
            let last = h.end.saturating_sub(1);
            while nl < newlines.len() && newlines[nl] < last {
                nl += 1;
            }
            lines_of.push(nl);
        }
        let mut k = 0;
        while k < hits.len() {
            let li = lines_of[k];
            let mut j = k + 1;
            while j < hits.len() && lines_of[j] == li {
                j += 1;
            }
            let group = &hits[k..j];
            k = j;
            if (li as isize) <= covered {
                continue;
            }
            let (lo, hi) = line_bounds(data, newlines.as_slice(), li);
            let text = crate::text::decode(&data[lo..hi]);
            let line = Line::new(&text);
            let n = line.pos.len_cp(&text);
            let exact = n == hi - lo;
            let first = found.len();
            self.detect_hits(scratch, host, &line, group, lo, exact, field, &mut found);
            if found.len() == first {
                continue;
            }
            let opens = found[first..].iter().any(|s| {
                self.detectors[s.det].entity == "PRIVATE_KEY"
                    && s.end == n
                    && !text[line.pos.byte(s.start)..line.pos.byte(s.end)].contains("-----END")
            });
            out.push(LineSpans {
                line: li,
                lo,
                hi,
                spans: first..found.len(),
            });
            if opens {
                let (c, open) = self.pem_body(data, &newlines, li as isize, &mut out, &mut found);
                covered = c;
                still_open = open;
            }
        }
        scratch.hits = hits;
        scratch.lines_of = lines_of;
        scratch.found = found;
        (out, still_open)
    }

    /// The lines of a private key's PEM body after its BEGIN line `li` (-1: in an earlier
    /// buffer), up to its END line: the last line covered and whether it is still open.
    fn pem_body(
        &self,
        data: &[u8],
        newlines: &[usize],
        li: isize,
        out: &mut Vec<LineSpans>,
        found: &mut Vec<Span>,
    ) -> (isize, bool) {
        let n_lines = newlines.len() + usize::from(!data.ends_with(b"\n"));
        let mut lj = (li + 1) as usize;
        while lj < n_lines {
            let (lo, hi) = line_bounds(data, newlines, lj);
            let text = crate::text::decode(&data[lo..hi]);
            if !is_pem_body(&text) {
                return (lj as isize - 1, false);
            }
            if !text.is_empty() {
                let n = Positions::new(&text).len_cp(&text);
                let span = Span {
                    det: self.pem_det,
                    rank: self.ranks[self.pem_det],
                    start: 0,
                    end: n,
                    score: 1.0,
                };
                found.push(span);
                out.push(LineSpans {
                    line: lj,
                    lo,
                    hi,
                    spans: found.len() - 1..found.len(),
                });
            }
            if text.starts_with("-----END") {
                return (lj as isize, false);
            }
            lj += 1;
        }
        (n_lines as isize - 1, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_starts_repeat_or_go_back_then_each_is_taken_once() {
        let mut order = Vec::new();
        let mut taken = Taken {
            order: &mut order,
            set: None,
        };
        let got: Vec<bool> = [3, 5, 9, 7, 9, 5, 12, 7, 13]
            .iter()
            .map(|&s| taken.first(s))
            .collect();
        assert_eq!(
            got,
            [true, true, true, true, false, false, true, false, true]
        );
        let mut order = Vec::new();
        let mut taken = Taken {
            order: &mut order,
            set: None,
        };
        assert!([1, 2, 4, 8].iter().all(|&s| taken.first(s)));
        assert!(!taken.first(8) && taken.set.is_some());
    }
}
