//! Every (pattern, end) of a DFA's matches over a buffer: one walk, or four interleaved.
//!
//! The walks run over a lazy DFA (`hybrid`), whose states are built as the text meets
//! them, or over a dense DFA built whole ahead of time ([`build_dense`]), which the tiered
//! pass loads from its cache. Both come from the same determinizer with the same
//! configuration, so they give the same hits; the dense one has no states left to build.
//! On the 50 MB engine corpus the lazy DFA of the tiered pass builds its states in the
//! first ~55 ms of a process (12% of `piisweep detect`); once built, both walk at the
//! same speed.

use regex_automata::dfa::{dense, Automaton};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::util::primitives::StateID;
use regex_automata::{Input, MatchKind};

use crate::triggers::{trigger_syntax, Hit};

/// What the walks need of a DFA. A state is *plain* when the fast transition out of it
/// needs no further look: not a match, dead, quit, or (lazy) not yet built.
pub(crate) trait Walker {
    type State: Copy + Eq;
    /// The start state of a walk of `input`'s range: look-behind sees the byte before it.
    fn start(&mut self, input: &Input<'_>) -> Option<Self::State>;
    /// The next state by the fast transition; a state that is not plain may need
    /// [`Walker::settle`].
    fn fast(&self, s: Self::State, byte: u8) -> Self::State;
    fn plain(&self, s: Self::State) -> bool;
    /// The state the fast transition from `prev` on `byte` gave as `got`, made real.
    fn settle(&mut self, prev: Self::State, byte: u8, got: Self::State) -> Option<Self::State>;
    /// The next state by the general transition. None: the walk cannot go on (a lazy
    /// cache cleared under interleaved streams, whose other states it made stale).
    fn next(&mut self, s: Self::State, byte: u8) -> Option<Self::State>;
    /// The state after the end of input.
    fn eoi(&mut self, s: Self::State) -> Option<Self::State>;
    fn is_match(&self, s: Self::State) -> bool;
    /// Dead or quit: no match can follow.
    fn is_stop(&self, s: Self::State) -> bool;
    /// The hits of the match state `s` entered at `end`: one per pattern it matches.
    fn report(&mut self, s: Self::State, end: usize, ids: &[u32], out: &mut Vec<Hit>);
    /// Whether several states are live at once (the interleaved streams), so that a
    /// lazy cache clear must end the walk.
    fn streams(&mut self, _on: bool) {}
    fn begin(&mut self, _at: usize) {}
    fn finish(&mut self, _at: usize) {}
}

/// A lazy DFA and its cache.
pub(crate) struct Lazy<'a> {
    dfa: &'a DFA,
    cache: &'a mut Cache,
    /// The cache's clear count when the streams started, or None for one walk.
    clears: Option<usize>,
}

impl<'a> Lazy<'a> {
    pub(crate) fn new(dfa: &'a DFA, cache: &'a mut Cache) -> Lazy<'a> {
        Lazy {
            dfa,
            cache,
            clears: None,
        }
    }

    /// Whether a state id from before now is still good: a clear makes every id stale
    /// but the current one, which the library carries over.
    #[inline]
    fn intact(&self) -> bool {
        self.clears.is_none_or(|c| c == self.cache.clear_count())
    }
}

impl Walker for Lazy<'_> {
    type State = LazyStateID;

    fn start(&mut self, input: &Input<'_>) -> Option<LazyStateID> {
        let s = self.dfa.start_state_forward(self.cache, input).ok()?;
        self.intact().then_some(s)
    }

    #[inline(always)]
    fn fast(&self, s: LazyStateID, byte: u8) -> LazyStateID {
        self.dfa.next_state_untagged(self.cache, s, byte)
    }

    #[inline(always)]
    fn plain(&self, s: LazyStateID) -> bool {
        !s.is_tagged()
    }

    #[inline]
    fn settle(&mut self, prev: LazyStateID, byte: u8, got: LazyStateID) -> Option<LazyStateID> {
        if got.is_unknown() {
            self.next(prev, byte)
        } else {
            Some(got)
        }
    }

    #[inline]
    fn next(&mut self, s: LazyStateID, byte: u8) -> Option<LazyStateID> {
        let next = self.dfa.next_state(self.cache, s, byte).ok()?;
        self.intact().then_some(next)
    }

    fn eoi(&mut self, s: LazyStateID) -> Option<LazyStateID> {
        let next = self.dfa.next_eoi_state(self.cache, s).ok()?;
        self.intact().then_some(next)
    }

    #[inline(always)]
    fn is_match(&self, s: LazyStateID) -> bool {
        s.is_match()
    }

    #[inline(always)]
    fn is_stop(&self, s: LazyStateID) -> bool {
        s.is_dead() || s.is_quit()
    }

    #[inline]
    fn report(&mut self, s: LazyStateID, end: usize, ids: &[u32], out: &mut Vec<Hit>) {
        for k in 0..self.dfa.match_len(self.cache, s) {
            let id = ids[self.dfa.match_pattern(self.cache, s, k).as_usize()];
            out.push(Hit { id, end });
        }
    }

    fn streams(&mut self, on: bool) {
        self.clears = on.then(|| self.cache.clear_count());
    }

    fn begin(&mut self, at: usize) {
        self.cache.search_start(at);
    }

    fn finish(&mut self, at: usize) {
        self.cache.search_finish(at);
    }
}

/// A dense DFA, every state built. Built without acceleration, so its special states
/// are only match, dead and quit states.
pub(crate) type DenseDfa = dense::DFA<Vec<u32>>;

/// A dense DFA and the hits of its match states met so far.
pub(crate) struct Dense<'a> {
    dfa: &'a DenseDfa,
    memo: &'a mut MatchMemo,
}

impl<'a> Dense<'a> {
    /// `memo` must have been filled by walks of this `dfa` with the same `ids` only.
    pub(crate) fn new(dfa: &'a DenseDfa, memo: &'a mut MatchMemo) -> Dense<'a> {
        Dense { dfa, memo }
    }
}

/// The detector ids each match state of a dense DFA reports, kept as walks meet them. The
/// library's `match_len` and `match_pattern` cost ~100 instructions a hit (a check, an
/// index computed from the state, two slices); on a dense export the digit shapes report
/// ten hits a value, so the ids are looked up once per state and then read from here.
#[derive(Default)]
pub(crate) struct MatchMemo {
    /// By state index (id >> stride2): 0 unknown, else 1 + the offset in `ids` of the
    /// state's count, its ids following.
    at: Vec<u32>,
    ids: Vec<u32>,
}

impl MatchMemo {
    fn of(&mut self, dfa: &DenseDfa, s: StateID, map: &[u32]) -> &[u32] {
        let i = s.as_usize() >> dfa.stride2();
        if i >= self.at.len() {
            self.at.resize(i + 1, 0);
        }
        if self.at[i] == 0 {
            let n = dfa.match_len(s);
            self.at[i] = self.ids.len() as u32 + 1;
            self.ids.push(n as u32);
            for k in 0..n {
                self.ids.push(map[dfa.match_pattern(s, k).as_usize()]);
            }
        }
        let o = self.at[i] as usize - 1;
        let n = self.ids[o] as usize;
        &self.ids[o + 1..o + 1 + n]
    }
}

impl Walker for Dense<'_> {
    type State = StateID;

    fn start(&mut self, input: &Input<'_>) -> Option<StateID> {
        self.dfa.start_state_forward(input).ok()
    }

    #[inline(always)]
    fn fast(&self, s: StateID, byte: u8) -> StateID {
        self.dfa.next_state(s, byte)
    }

    #[inline(always)]
    fn plain(&self, s: StateID) -> bool {
        !self.dfa.is_special_state(s)
    }

    #[inline(always)]
    fn settle(&mut self, _prev: StateID, _byte: u8, got: StateID) -> Option<StateID> {
        Some(got)
    }

    #[inline]
    fn next(&mut self, s: StateID, byte: u8) -> Option<StateID> {
        Some(self.dfa.next_state(s, byte))
    }

    fn eoi(&mut self, s: StateID) -> Option<StateID> {
        Some(self.dfa.next_eoi_state(s))
    }

    #[inline(always)]
    fn is_match(&self, s: StateID) -> bool {
        self.dfa.is_match_state(s)
    }

    #[inline(always)]
    fn is_stop(&self, s: StateID) -> bool {
        self.dfa.is_dead_state(s) || self.dfa.is_quit_state(s)
    }

    #[inline]
    fn report(&mut self, s: StateID, end: usize, ids: &[u32], out: &mut Vec<Hit>) {
        for &id in self.memo.of(self.dfa, s, ids) {
            out.push(Hit { id, end });
        }
    }
}

/// The dense DFA of `patterns`, configured as `triggers::build_dfa`'s lazy one (a change
/// here changes `tiered::DENSE_BUILD`, which cached ones are tagged with), or None
/// when it would exceed `limit` bytes (states multiply with each pattern that can be
/// open at once: 22 digit shapes make 17,000 states, 8.9 MB, built in ~2.4 s).
pub(crate) fn build_dense(patterns: &[String], limit: usize) -> Option<DenseDfa> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .starts_for_each_pattern(false)
                .accelerate(false)
                .minimize(false)
                .dfa_size_limit(Some(limit))
                .determinize_size_limit(Some(limit)),
        )
        .syntax(trigger_syntax())
        .build_many(patterns)
        .ok()
}

/// Every match end of the DFA's patterns that lies within `lo..hi` (look-around still
/// sees the bytes outside).
pub(crate) fn search_all<W: Walker>(
    w: &mut W,
    data: &[u8],
    lo: usize,
    hi: usize,
    ids: &[u32],
    out: &mut Vec<Hit>,
) {
    // A cache error (never: the cache is never given up) or a start error ends the search.
    let _ = walk(w, data, lo, hi, ids, out);
}

/// [`search_all`]: the DFA walked byte by byte, as the lazy DFA's documentation shows,
/// through the fast transition while the state is plain (most bytes). The library's
/// overlapping search, one call per match and a general transition per byte, caps near
/// 500 MB/s for any automaton. Matches are delayed by one byte: a match state entered on
/// the byte at `at` holds the matches ending at `at`.
fn walk<W: Walker>(
    w: &mut W,
    data: &[u8],
    lo: usize,
    hi: usize,
    ids: &[u32],
    out: &mut Vec<Hit>,
) -> Option<()> {
    w.streams(false);
    let input = Input::new(data).range(lo..hi);
    let mut sid = w.start(&input)?;
    w.begin(lo);
    let mut at = lo;
    while at < hi {
        if !w.plain(sid) {
            sid = w.next(sid, data[at])?;
            at += 1;
        } else {
            let mut prev = sid;
            while at < hi {
                prev = sid;
                sid = w.fast(sid, data[at]);
                at += 1;
                if !w.plain(sid) {
                    break;
                }
            }
            if !w.plain(sid) {
                sid = w.settle(prev, data[at - 1], sid)?;
            }
        }
        if w.is_match(sid) {
            w.report(sid, at - 1, ids, out);
        } else if w.is_stop(sid) {
            w.finish(at);
            return Some(());
        }
    }
    // The end: the byte after the range as look-ahead, or the end of input.
    sid = if hi < data.len() {
        w.next(sid, data[hi])?
    } else {
        w.eoi(sid)?
    };
    if w.is_match(sid) {
        w.report(sid, hi, ids, out);
    }
    w.finish(hi);
    Some(())
}

/// Streams of [`search_interleaved`]: one DFA walk waits on each transition's load (the
/// next state depends on it), so independent walks over different parts of a buffer,
/// stepped together, fill that wait.
const STREAMS: usize = 4;
/// Bytes after a stream's start over which the stream before it may still differ (a match
/// begun before the start); a stream that has not met its successor's state by then gives
/// the buffer back to one walk.
pub(crate) const SYNC: usize = 512;
/// Buffers shorter than this are walked as one stream: the streams' first SYNC bytes go
/// through the general transition, a few percent of a walk from this size on.
pub(crate) const INTERLEAVE_BYTES: usize = 256 << 10;

/// [`search_all`] over the whole of `data`, walked as [`STREAMS`] streams stepped in
/// lockstep: the same hits, in order of their ends, possibly some twice at a seam (the
/// tiered pass merges equal hits). Stream `k + 1` starts in the unanchored start state at
/// its offset (look-behind sees the byte before), so it finds every match that starts
/// there or later; stream `k` runs past that offset until its state equals stream `k +
/// 1`'s after the same byte (within [`SYNC`] bytes, else one walk does the buffer), from
/// where both walks are the same walk, so it finds the matches begun before. A lazy DFA
/// state has one id while the cache is not cleared; a clear (never with the tiered pass's
/// 32 MiB) makes the ids stale, and the buffer is then walked again as one stream.
pub(crate) fn search_interleaved<W: Walker>(
    w: &mut W,
    data: &[u8],
    ids: &[u32],
    out: &mut Vec<Hit>,
) {
    let start = out.len();
    if data.len() < INTERLEAVE_BYTES || interleaved(w, data, ids, out).is_none() {
        out.truncate(start);
        search_all(w, data, 0, data.len(), ids, out);
    }
}

/// One byte through the general transition, which computes a state not yet built.
#[inline]
fn step<W: Walker>(
    w: &mut W,
    sid: W::State,
    data: &[u8],
    at: usize,
    ids: &[u32],
    hits: &mut Vec<Hit>,
) -> Option<W::State> {
    let next = w.next(sid, data[at])?;
    if w.is_stop(next) {
        return None;
    }
    if w.is_match(next) {
        w.report(next, at, ids, hits);
    }
    Some(next)
}

fn interleaved<W: Walker>(w: &mut W, data: &[u8], ids: &[u32], out: &mut Vec<Hit>) -> Option<()> {
    w.streams(true);
    let n = data.len();
    let bounds: [usize; STREAMS + 1] = std::array::from_fn(|k| n * k / STREAMS);
    let mut found: [Vec<Hit>; STREAMS] = Default::default();
    w.begin(0);
    let mut sid = [w.start(&Input::new(data))?; STREAMS];
    let mut at = bounds;
    // Each later stream's first SYNC states, which the stream before it is compared with.
    let mut seen: [Vec<W::State>; STREAMS] = Default::default();
    for k in 1..STREAMS {
        let input = Input::new(data).range(bounds[k]..n);
        sid[k] = w.start(&input)?;
        for _ in 0..SYNC {
            sid[k] = step(w, sid[k], data, at[k], ids, &mut found[k])?;
            seen[k].push(sid[k]);
            at[k] += 1;
        }
    }
    let end: [usize; STREAMS] = std::array::from_fn(|k| bounds[k + 1]);
    // Lockstep while every stream has bytes left: the fast transitions of all four while
    // every state is plain (most bytes of a log). Where a stream meets a state that is not
    // (a match to report, a state to build) each stream takes one byte, through the
    // general transition only where it needs it. Such bytes cost several ordinary ones:
    // where they are frequent (a dense export: a match every few bytes) one walk is
    // faster, so past a sixteenth of the buffer a walk that has met one every 32 bytes
    // of a stream or more gives up, and the buffer is walked as one stream.
    let (mut stepped, mut tagged, mut judged) = (0usize, 0usize, false);
    loop {
        let left = (0..STREAMS).map(|k| end[k] - at[k]).min().unwrap_or(0);
        if left == 0 {
            break;
        }
        let (mut s0, mut s1, mut s2, mut s3) = (sid[0], sid[1], sid[2], sid[3]);
        let mut i = 0;
        if w.plain(s0) && w.plain(s1) && w.plain(s2) && w.plain(s3) {
            while i < left {
                let n0 = w.fast(s0, data[at[0] + i]);
                let n1 = w.fast(s1, data[at[1] + i]);
                let n2 = w.fast(s2, data[at[2] + i]);
                let n3 = w.fast(s3, data[at[3] + i]);
                if !(w.plain(n0) && w.plain(n1) && w.plain(n2) && w.plain(n3)) {
                    break;
                }
                (s0, s1, s2, s3) = (n0, n1, n2, n3);
                i += 1;
            }
        }
        sid = [s0, s1, s2, s3];
        for a in at.iter_mut() {
            *a += i;
        }
        stepped += i + 1;
        if i < left {
            for k in 0..STREAMS {
                if w.plain(sid[k]) {
                    let next = w.fast(sid[k], data[at[k]]);
                    if w.plain(next) {
                        sid[k] = next;
                        at[k] += 1;
                        continue;
                    }
                }
                tagged += 1;
                sid[k] = step(w, sid[k], data, at[k], ids, &mut found[k])?;
                at[k] += 1;
            }
        }
        if !judged && stepped * STREAMS * 16 >= n {
            judged = true;
            if tagged * 32 >= stepped * STREAMS {
                return None;
            }
        }
    }
    for k in 0..STREAMS {
        while at[k] < end[k] {
            sid[k] = step(w, sid[k], data, at[k], ids, &mut found[k])?;
            at[k] += 1;
        }
    }
    // Past its end, each stream runs until it meets the next one's state.
    // One that has not met it within SYNC bytes (a match open across the seam, an
    // e-mail's domain run on for a page) gives up: walking on to the end one general step
    // at a time would cost more than one walk of the whole buffer.
    for k in 0..STREAMS {
        let last = k + 1 == STREAMS;
        let mut met = false;
        while !last && !met && at[k] < n {
            let i = at[k] - end[k];
            if i >= SYNC {
                return None;
            }
            sid[k] = step(w, sid[k], data, at[k], ids, &mut found[k])?;
            at[k] += 1;
            met = seen[k + 1][i] == sid[k];
        }
        if !met {
            // The end: the look-ahead past the buffer, as search_all's walk.
            let eoi = w.eoi(sid[k])?;
            if w.is_match(eoi) {
                w.report(eoi, n, ids, &mut found[k]);
            }
        }
    }
    w.finish(n);
    // Each stream's hits are in order; a stream's hits past its end (few, unless it never
    // met the next stream) interleave with the next stream's first ones: only those are
    // merged, the rest is copied once.
    let mut carry: Vec<Hit> = Vec::new();
    for (k, hits) in found.iter().enumerate() {
        let p = carry
            .last()
            .map_or(0, |c| hits.partition_point(|h| h.end <= c.end));
        let head = merge_by_end(&carry, &hits[..p]);
        let rest = &hits[p..];
        let cut = rest.partition_point(|h| h.end < end[k]);
        let head_cut = head.partition_point(|h| h.end < end[k]);
        out.extend_from_slice(&head[..head_cut]);
        out.extend_from_slice(&rest[..cut]);
        carry = merge_by_end(&head[head_cut..], &rest[cut..]);
    }
    out.extend_from_slice(&carry);
    Some(())
}

/// Two lists in order of their ends, merged in that order.
fn merge_by_end(a: &[Hit], b: &[Hit]) -> Vec<Hit> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].end <= b[j].end {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::{build_dfa, pattern};

    fn sorted(mut hits: Vec<Hit>) -> Vec<Hit> {
        hits.sort_unstable_by_key(|h| (h.end, h.id));
        hits.dedup();
        hits
    }

    /// The lazy and the dense DFA of the same patterns.
    struct Both {
        lazy: DFA,
        dense: DenseDfa,
    }

    impl Both {
        fn new(pats: &[String]) -> Both {
            Both {
                lazy: build_dfa(pats, false).unwrap(),
                dense: build_dense(pats, 64 << 20).expect("a dense DFA within the limit"),
            }
        }

        /// One walk of the lazy DFA, the reference; the dense DFA's one walk must agree.
        fn one_walk(&self, data: &[u8], ids: &[u32]) -> Vec<Hit> {
            let mut want = Vec::new();
            let mut cache = self.lazy.create_cache();
            search_all(
                &mut Lazy::new(&self.lazy, &mut cache),
                data,
                0,
                data.len(),
                ids,
                &mut want,
            );
            let mut dense = Vec::new();
            search_all(
                &mut Dense::new(&self.dense, &mut MatchMemo::default()),
                data,
                0,
                data.len(),
                ids,
                &mut dense,
            );
            assert_eq!(sorted(dense), sorted(want.clone()), "dense one walk");
            sorted(want)
        }

        /// The interleaved walk's hits of each DFA, merged as the tiered pass merges them.
        fn interleaved(&self, data: &[u8], ids: &[u32]) -> [Vec<Hit>; 2] {
            let mut lazy = Vec::new();
            let mut cache = self.lazy.create_cache();
            search_interleaved(&mut Lazy::new(&self.lazy, &mut cache), data, ids, &mut lazy);
            // The second walk keeps the first's memo, as a scanner's caches keep it.
            let mut memo = MatchMemo::default();
            let [dense, again] = [(); 2].map(|_| {
                let mut hits = Vec::new();
                search_interleaved(
                    &mut Dense::new(&self.dense, &mut memo),
                    data,
                    ids,
                    &mut hits,
                );
                hits
            });
            assert_eq!(again, dense, "a dense walk with a kept memo");
            for got in [&lazy, &dense] {
                assert!(got.is_sorted_by_key(|h| h.end), "hits out of order");
            }
            [sorted(lazy), sorted(dense)]
        }
    }

    #[test]
    fn when_matches_cross_the_seams_then_interleaved_streams_find_what_one_walk_finds() {
        // Long matches begun before a seam (an e-mail's domain, a digit run that keeps the
        // stream before in its own state for longer than SYNC: it must run to the end),
        // matches at the very start and end, and look-behind at each seam.
        let pats: Vec<String> = [
            r"[A-Za-z0-9._+\-]@[A-Za-z0-9\-]+\.[A-Za-z0-9.\-]*[A-Za-z]{2}",
            r"\b\d{3}-\d{2}-\d{4}\b",
            r"(?:^|[^\w.\-])[6-9]\d{9}(?:$|[^\w.\-])",
            r"x[0-9]{0,5000}y",
            r"\bab",
        ]
        .iter()
        .map(|p| pattern(p, false))
        .collect();
        let both = Both::new(&pats);
        let ids = [0, 1, 2, 3, 4];
        let unit: &[u8] = b"ab 123-45-6789 call 9876543210 at x@y.example.com; x0123y\n";
        let mut x: u64 = 11;
        for size in [0usize, 100, INTERLEAVE_BYTES, 300_000, 777_777] {
            let mut data = Vec::with_capacity(size + 64);
            while data.len() < size {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                match (x >> 33) % 4 {
                    0 => data.extend_from_slice(unit),
                    1 => data.extend_from_slice(b"x"),
                    2 => data.extend(std::iter::repeat_n(b'7', ((x >> 40) % 3000) as usize)),
                    _ => data.extend_from_slice(b"ab@cd.efg-hi "),
                }
            }
            data.extend_from_slice(b"y ab");
            let want = both.one_walk(&data, &ids);
            assert!(
                size < 1000 || want.len() > 100,
                "{size}: {} hits",
                want.len()
            );
            for got in both.interleaved(&data, &ids) {
                let extra: Vec<_> = got.iter().filter(|h| !want.contains(h)).collect();
                let missed: Vec<_> = want.iter().filter(|h| !got.contains(h)).collect();
                assert!(
                    extra.is_empty() && missed.is_empty(),
                    "size {size} n {}: extra {extra:?} missed {missed:?}",
                    data.len()
                );
            }
            // A seam inside a run that never syncs: x, then digits past every seam.
            let mut run = b"x".to_vec();
            run.extend(std::iter::repeat_n(b'1', size));
            run.push(b'y');
            let want = both.one_walk(&run, &ids);
            for got in both.interleaved(&run, &ids) {
                assert_eq!(got, want);
            }
        }
        // A match every three bytes: the streams give up for one walk, with the same hits.
        let dense = b"ab ".repeat(INTERLEAVE_BYTES / 2);
        let want = both.one_walk(&dense, &ids);
        assert_eq!(want.len(), INTERLEAVE_BYTES / 2);
        for got in both.interleaved(&dense, &ids) {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn when_a_lazy_cache_clears_under_the_streams_then_one_walk_finds_the_same_hits() {
        // A cache at the library's minimum clears again and again on varied text; every
        // clear makes the other streams' state ids stale, so the streams give up for one
        // walk, which is safe across clears.
        let pats: Vec<String> = [
            r"\b\d{3}-\d{2}-\d{4}\b",
            r"[a-z]{3}[0-9]{2}[a-z]x",
            r"\d+@\w+",
        ]
        .iter()
        .map(|p| pattern(p, false))
        .collect();
        let tiny = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(0)
                    .skip_cache_capacity_check(true)
                    .minimum_cache_clear_count(None),
            )
            .syntax(trigger_syntax())
            .build_many(&pats)
            .unwrap();
        let mut data = Vec::new();
        let mut x: u64 = 3;
        while data.len() < 2 * INTERLEAVE_BYTES {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = (x >> 56) as u8;
            data.push(match b % 5 {
                0 => b'0' + b % 10,
                1 => b'a' + b % 26,
                2 => b"-@x \n"[(b % 5) as usize],
                _ => b,
            });
        }
        let ids = [0, 1, 2];
        let mut want = Vec::new();
        let mut cache = tiny.create_cache();
        search_all(
            &mut Lazy::new(&tiny, &mut cache),
            &data,
            0,
            data.len(),
            &ids,
            &mut want,
        );
        let mut got = Vec::new();
        let mut cache = tiny.create_cache();
        search_interleaved(&mut Lazy::new(&tiny, &mut cache), &data, &ids, &mut got);
        assert!(cache.clear_count() > 0, "the cache never cleared");
        assert!(want.len() > 100, "{} hits", want.len());
        assert_eq!(sorted(got), sorted(want.clone()));
        let lazy = Both::new(&pats).one_walk(&data, &ids);
        assert_eq!(lazy, sorted(want));
    }

    #[test]
    fn when_a_dense_dfa_would_pass_its_limit_then_none_is_built() {
        // Forty positions of an open class before a fixed tail: a state per subset.
        let pats = [pattern(r"[a-z][a-z0-9]{0,40}x[a-z]{12}", false)];
        assert!(build_dense(&pats, 1 << 16).is_none());
        let small = [pattern(r"\b\d{3}-\d{2}-\d{4}\b", false)];
        let dfa = build_dense(&small, 1 << 16).expect("small enough");
        let mut hits = Vec::new();
        search_all(
            &mut Dense::new(&dfa, &mut MatchMemo::default()),
            b"ssn 123-45-6789.",
            0,
            16,
            &[7],
            &mut hits,
        );
        assert_eq!(hits, vec![Hit { id: 7, end: 15 }]);
    }
}
