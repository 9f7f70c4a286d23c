//! The trigger pass in three tiers, each one pass over the whole buffer, each given the
//! triggers it runs fastest (measured on the 50 MB engine corpus, one core):
//! - **name pairs** (`\bRahul[ +][A-Z]`, thousands of them): a word lookup at every space
//!   or `+` followed by a capital, ~1 GB/s; as literals they make any automaton slow;
//! - **keywords** (every match holds a literal of three bytes or more: `passport`, `otp`,
//!   `-----BEGIN`) and **wide gaps** (a bounded run of almost any byte: `(?:upi|vpa)
//!   [^\n]{0,40}@[A-Za-z]`): Hyperscan, which finds the literals first (~800 MB/s for
//!   these); in a DFA the keywords' states multiply with the digit shapes', and a counted
//!   gap needs a state per position in it;
//! - **the rest** (digit shapes, `@`, short prefixes): one DFA of all of them, every
//!   (pattern, end) reported, walked as four streams in lockstep over the buffer's
//!   quarters (`dfawalk::search_interleaved`): 730–800 MB/s once its states are built
//!   (a lazy DFA builds them as it goes; the dense one kept in the cache has them all),
//!   where one walk waits on every transition's load (~390 MB/s, ~500 for a DFA of one
//!   small pattern); Hyperscan runs the same triggers at ~160 MB/s, having no literal to
//!   start from;
//! - **led gaps** (`[=&][^ &=\n]{0,40}[A-Za-z0-9]\+[A-Za-z]`: a one-byte start, a wide gap
//!   that cannot hold it, a fixed tail): the DFA finds the tail, and a backward check finds
//!   the start ([`LedGap`]). Hyperscan ran the whole tier at ~775 MB/s with this one
//!   trigger and ~1,250 without it.
//!
//! All triggers in one Hyperscan database ran at 108–140 MB/s. The hits are Hyperscan's
//! semantics exactly (every end of every match, ASCII `\b` and classes, multi-line
//! anchors), which the tests hold against a Hyperscan database of all triggers.

use rustc_hash::FxHashMap;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_syntax::hir::{Class, Hir, HirKind};

use crate::dfawalk::{build_dense, search_interleaved, Dense, DenseDfa, Lazy, MatchMemo};
use crate::hs;
use crate::triggers::{build_dfa, choose_anchor, min_len, parse, pattern, Anchor, Hit};

/// A literal this long in every match is one Hyperscan finds quickly.
const KEYWORD_BYTES: usize = 3;

/// A bounded repeat of a class this wide, up to this many times, is a gap (`[^\n]{0,40}`):
/// a DFA needs a state per position in it for every keyword that may have started it.
const GAP_CLASS_BYTES: usize = 64;
const GAP_REPEATS: u32 = 12;

fn class_bytes(c: &Class) -> usize {
    match c {
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .map(|r| r.end() as usize - r.start() as usize + 1)
            .sum(),
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .map(|r| r.end() as usize - r.start() as usize + 1)
            .sum(),
    }
}

/// Whether `h` holds a wide gap.
fn has_gap(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Repetition(r) => {
            let wide =
                matches!(r.sub.kind(), HirKind::Class(c) if class_bytes(c) >= GAP_CLASS_BYTES);
            (wide && r.max.is_some_and(|m| m >= GAP_REPEATS)) || has_gap(&r.sub)
        }
        HirKind::Capture(c) => has_gap(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(has_gap),
        _ => false,
    }
}

/// Whether a trigger runs faster in Hyperscan than in the DFA: a wide gap, or a literal
/// of [`KEYWORD_BYTES`] in every match.
fn for_hyperscan(h: &Hir, caseless: bool) -> bool {
    has_gap(h)
        || match choose_anchor(h, caseless) {
            Anchor::Prefix(l) | Anchor::Inner(l) => min_len(&l) >= KEYWORD_BYTES,
            _ => false,
        }
}

/// The word of a name-pair trigger, `\b<ASCII letters>[ +][A-Z]` (case-sensitive).
fn name_word(rx: &str, caseless: bool) -> Option<&str> {
    let word = rx.strip_prefix(r"\b")?.strip_suffix("[ +][A-Z]")?;
    (!caseless && !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic())).then_some(word)
}

/// The DFA's pattern ids of led-gap tails carry this bit (detector ids are small).
const LED: u32 = 1 << 31;

/// A trigger alternative `S G{m,n} T`: one byte of a class S, a gap of m to n bytes of a
/// wide class G sharing no byte with S, then a tail T of a fixed length
/// (`[=&][^ &=\n]{0,40}[A-Za-z0-9]\+[A-Za-z]`, the URL-decoding trigger's). Hyperscan
/// runs such a trigger at ~750 MB/s on logs, where `=` and `&` start a gap on every other
/// word; in the DFA the gap multiplies its states. So the DFA finds the tail alone, and
/// each tail it finds is checked backwards: as G holds no byte of S, the only start that
/// can lead it is the first byte outside G before it. The same ends as Hyperscan's.
#[derive(Debug)]
struct LedGap {
    id: u32,
    start: [bool; 256],
    gap: [bool; 256],
    min: usize,
    max: usize,
    tail: usize,
}

/// The bytes of a one-byte literal or a byte class (None for anything else).
fn byte_set(h: &Hir) -> Option<[bool; 256]> {
    let mut set = [false; 256];
    match h.kind() {
        HirKind::Literal(l) if l.0.len() == 1 => set[l.0[0] as usize] = true,
        HirKind::Class(Class::Bytes(c)) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set[b as usize] = true;
                }
            }
        }
        _ => return None,
    }
    Some(set)
}

impl LedGap {
    /// The led gap of alternative `rx` and its tail's pattern, or None for another shape.
    fn parse(id: u32, rx: &str, caseless: bool) -> Result<Option<(LedGap, String)>, String> {
        let h = parse(rx, caseless)?;
        let HirKind::Concat(parts) = h.kind() else {
            return Ok(None);
        };
        let (Some(lead), Some(HirKind::Repetition(r))) =
            (parts.first(), parts.get(1).map(Hir::kind))
        else {
            return Ok(None);
        };
        let (Some(start), Some(gap), Some(max)) = (byte_set(lead), byte_set(&r.sub), r.max) else {
            return Ok(None);
        };
        let tail = Hir::concat(parts[2..].to_vec());
        let props = tail.properties();
        let fixed = props
            .minimum_len()
            .filter(|&n| n > 0 && props.maximum_len() == Some(n));
        let wide = gap.iter().filter(|&&b| b).count() >= GAP_CLASS_BYTES && max >= GAP_REPEATS;
        let disjoint = (0..256).all(|b| !(start[b] && gap[b]));
        match fixed {
            Some(n) if wide && disjoint && !has_gap(&tail) => Ok(Some((
                LedGap {
                    id,
                    start,
                    gap,
                    min: r.min as usize,
                    max: max as usize,
                    tail: n,
                },
                tail.to_string(),
            ))),
            _ => Ok(None),
        }
    }

    /// Whether the tail that ends at `end` follows a start and min..=max gap bytes.
    fn leads(&self, data: &[u8], end: usize) -> bool {
        let mut p = end - self.tail;
        for gap in 0..=self.max {
            let Some(q) = p.checked_sub(1) else {
                return false;
            };
            p = q;
            let b = data[p] as usize;
            if self.start[b] {
                return gap >= self.min;
            }
            if !self.gap[b] {
                return false;
            }
        }
        false
    }
}

/// The alternatives of `rx` split at its top-level `|`s, None when it has one alternative
/// or a construct the split does not read (a group other than `(?:`, such as inline
/// flags, which would reach past a `|`).
fn top_level_alternatives(rx: &str) -> Option<Vec<&str>> {
    let b = rx.as_bytes();
    let (mut depth, mut class, mut i, mut from) = (0usize, false, 0usize, 0usize);
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if class => return None,
            b'[' => {
                class = true;
                // A `]` first in a class (or after `^`) is a member.
                if b.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if class => class = false,
            _ if class => {}
            b'(' => {
                if b.get(i + 1) == Some(&b'?') && b.get(i + 2) != Some(&b':') {
                    return None;
                }
                depth += 1;
            }
            b')' => depth = depth.checked_sub(1)?,
            b'|' if depth == 0 => {
                out.push(&rx[from..i]);
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&rx[from..]);
    (out.len() > 1 && !class && depth == 0).then_some(out)
}

/// A hash of the Hyperscan tier's triggers (FNV-1a), stored with its serialised database.
fn tag(triggers: &[(u32, String, bool)]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for (id, rx, caseless) in triggers {
        let fields = [
            &id.to_le_bytes()[..],
            rx.as_bytes(),
            &[*caseless as u8, 0xff],
        ];
        for byte in fields.iter().flat_map(|f| f.iter()) {
            h = (h ^ *byte as u64).wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Name-pair triggers as a word lookup: the detectors of each word. Hashed with FxHash:
/// the words are the policy's, and SipHash cost ~190 instructions a lookup, one per
/// capitalised word pair of the text.
struct Words {
    ids: FxHashMap<Vec<u8>, Vec<u32>>,
    shortest: usize,
    longest: usize,
}

impl Words {
    /// A match of `\bW[ +][A-Z]` ends after the capital that follows the separator at `i`,
    /// and W is the whole run of letters before `i` (a letter before it would break `\b`;
    /// a digit or `_` before it too, being a word byte).
    fn scan(&self, data: &[u8], out: &mut Vec<Hit>) {
        separators_before_capitals(data, |i| self.at(data, i, out));
    }

    /// The hits of the separator at `i` (followed by a capital).
    fn at(&self, data: &[u8], i: usize, out: &mut Vec<Hit>) {
        if i == 0 {
            return;
        }
        let floor = i.saturating_sub(self.longest);
        let mut j = i;
        while j > floor && data[j - 1].is_ascii_alphabetic() {
            j -= 1;
        }
        if i - j < self.shortest || (j > 0 && is_word_byte(data[j - 1])) {
            return;
        }
        if let Some(ids) = self.ids.get(&data[j..i]) {
            out.extend(ids.iter().map(|&id| Hit { id, end: i + 2 }));
        }
    }
}

fn separator_before_capital(data: &[u8], i: usize) -> bool {
    matches!(data[i], b' ' | b'+') && data.get(i + 1).is_some_and(u8::is_ascii_uppercase)
}

/// Calls `f(i)`, in order, for each `i` where `data[i]` is a space or `+` and `data[i + 1]`
/// an ASCII capital. A log has a space every few bytes and a capital after few of them:
/// stopping at every separator (`memchr2`) cost ~4% of the core's time on logs; here 32
/// bytes are compared at once and only the pairs are visited.
fn separators_before_capitals(data: &[u8], mut f: impl FnMut(usize)) {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        // SSE2 is part of x86_64: always there.
        use std::arch::x86_64::*;
        // SAFETY: every load reads 16 bytes at `i`, `i + 1`, `i + 16` or `i + 17`, and
        // `i + 33 <= data.len()`; loads are unaligned.
        unsafe {
            let pairs = |at: *const u8| -> u32 {
                let v = _mm_loadu_si128(at as *const __m128i);
                let next = _mm_loadu_si128(at.add(1) as *const __m128i);
                let sep = _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'+' as i8)),
                );
                // A capital: next - 'A' is 0..=25 as an unsigned byte.
                let t = _mm_sub_epi8(next, _mm_set1_epi8(b'A' as i8));
                let upper = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(25)), t);
                _mm_movemask_epi8(_mm_and_si128(sep, upper)) as u32
            };
            let base = data.as_ptr();
            while i + 33 <= data.len() {
                let mut m = pairs(base.add(i)) | (pairs(base.add(i + 16)) << 16);
                while m != 0 {
                    f(i + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
                i += 32;
            }
        }
    }
    while i < data.len() {
        if separator_before_capital(data, i) {
            f(i);
        }
        i += 1;
    }
}

/// The triggers divided among the tiers.
struct Split {
    /// Name-pair words and their detectors.
    ids: FxHashMap<Vec<u8>, Vec<u32>>,
    /// Hyperscan's triggers.
    literal: Vec<(u32, String, bool)>,
    /// The DFA's patterns and the id each reports ([`LED`] | k for led gap k's tail).
    pats: Vec<String>,
    pat_ids: Vec<u32>,
    led: Vec<LedGap>,
}

fn split(triggers: &[(u32, String, bool)]) -> Result<Split, String> {
    let mut ids: FxHashMap<Vec<u8>, Vec<u32>> = FxHashMap::default();
    let mut literal = Vec::new();
    let (mut pats, mut pat_ids) = (Vec::new(), Vec::new());
    let mut led = Vec::new();
    for (id, rx, caseless) in triggers {
        if let Some(word) = name_word(rx, *caseless) {
            let owners = ids.entry(word.as_bytes().to_vec()).or_default();
            if !owners.contains(id) {
                owners.push(*id);
            }
            continue;
        }
        // A led gap among the trigger's alternatives goes to the DFA as its tail; the
        // other alternatives stay one trigger, placed as any other.
        let mut others = Vec::new();
        for alt in top_level_alternatives(rx).unwrap_or_else(|| vec![rx]) {
            match LedGap::parse(*id, alt, *caseless)? {
                Some((gap, tail)) => {
                    pats.push(format!("(?:{tail})"));
                    pat_ids.push(LED | led.len() as u32);
                    led.push(gap);
                }
                None => others.push(alt),
            }
        }
        if others.is_empty() {
            continue;
        }
        let rest = others.join("|");
        if for_hyperscan(&parse(&rest, *caseless)?, *caseless) {
            literal.push((*id, rest, *caseless));
        } else {
            pats.push(pattern(&rest, *caseless));
            pat_ids.push(*id);
        }
    }
    Ok(Split {
        ids,
        literal,
        pats,
        pat_ids,
        led,
    })
}

/// The DFA tier's automaton: lazy, or dense when one was built or cached.
enum DfaTier {
    Lazy(Box<DFA>),
    Dense(Box<DenseDfa>),
}

/// What a payload holds of the dense DFA: it is kept once built; one over
/// [`DENSE_LIMIT`] is recorded, so that no later process spends seconds to learn it again.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DenseKept {
    Missing = 0,
    TooBig = 1,
    Present = 2,
}

/// How `dfawalk::build_dense` configures the dense DFA, in the tag a cached one is kept
/// under: a change there must make cached DFAs of the old configuration stale.
const DENSE_BUILD: &str = "dense 1: all matches, unanchored, ASCII, multi-line, no accel";

/// The largest dense DFA built for the DFA tier: the built-in triggers make 8.9 MB.
const DENSE_LIMIT: usize = 32 << 20;

/// The start of a cache payload of this layout (earlier payloads began with the Hyperscan
/// tier's tag): `MAGIC`, the Hyperscan tier's tag, its length and serialised database, the
/// DFA tier's tag, its [`DenseKept`] byte, zeros to an eight-byte boundary, a checksum of
/// the dense DFA's serialisation, and that serialisation.
const MAGIC: &[u8; 8] = b"pswtier2";

/// A cache payload's parts.
struct Cached<'a> {
    literal_tag: u64,
    literal: &'a [u8],
    dfa_tag: u64,
    kept: u8,
    /// The dense DFA's bytes, when they match their checksum.
    dense: Option<&'a [u8]>,
}

fn take_u64(b: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = b.split_first_chunk::<8>()?;
    Some((u64::from_le_bytes(*head), rest))
}

fn read_payload(payload: &[u8]) -> Option<Cached<'_>> {
    let b = payload.strip_prefix(&MAGIC[..])?;
    let (literal_tag, b) = take_u64(b)?;
    let (n, b) = take_u64(b)?;
    let n = usize::try_from(n).ok().filter(|&n| n <= b.len())?;
    let (literal, b) = b.split_at(n);
    let (dfa_tag, b) = take_u64(b)?;
    let (&kept, b) = b.split_first()?;
    let pad = dense_pad(payload.len() - b.len());
    let (sum, dense) = take_u64(b.get(pad..)?)?;
    let dense = (checksum(dense) == sum).then_some(dense);
    Some(Cached {
        literal_tag,
        literal,
        dfa_tag,
        kept,
        dense,
    })
}

/// Zero bytes after the [`DenseKept`] byte at offset `at`, so that the checksum and the
/// dense DFA start on an eight-byte boundary of the payload: Python's bytes are aligned,
/// so the DFA is then read where it lies rather than copied first.
fn dense_pad(at: usize) -> usize {
    (8 - at % 8) % 8
}

/// A checksum of the dense DFA's bytes (~2 ms for 9 MB). `from_bytes` checks that a table
/// is well formed, not that it is the one written: a flipped bit in a transition would
/// make a valid automaton that misses matches, and a PII scanner must not trust that.
fn checksum(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    h.finish()
}

/// A dense DFA from its serialisation, checked as the library checks one (a damaged file
/// is refused, never trusted). The library reads its tables in place and wants them on a
/// four-byte boundary; bytes that are not on one are copied to words first.
fn load_dense(bytes: &[u8], patterns: usize) -> Option<DenseDfa> {
    let words: Vec<u32>;
    let view = if bytes.as_ptr().align_offset(4) == 0 {
        bytes
    } else {
        words = bytes
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                u32::from_ne_bytes(b)
            })
            .collect();
        // SAFETY: any initialised u32 slice is a valid byte slice of four times its
        // length; the view is no longer than the words and lives only within this call.
        unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), bytes.len()) }
    };
    let (dfa, _) = regex_automata::dfa::dense::DFA::from_bytes(view).ok()?;
    Some(dfa.to_owned()).filter(|d| regex_automata::dfa::Automaton::pattern_len(d) == patterns)
}

pub struct TieredScanner {
    words: Option<Words>,
    dfa: Option<(DfaTier, Vec<u32>)>,
    /// What of the dense DFA a payload of this scanner records, and the tag of the DFA
    /// tier's patterns it is kept under.
    dense_kept: DenseKept,
    dfa_tag: u64,
    /// Whether a payload of this scanner would differ from the one it was given: a tier
    /// compiled or a dense DFA built (or refused) here.
    fresh: bool,
    /// The led gaps whose tails the DFA finds: the DFA reports tail `k` as `LED | k`.
    led: Vec<LedGap>,
    literal: Option<hs::Database>,
    /// What the Hyperscan tier was compiled from, to refuse a cached database of another.
    literal_tag: u64,
}

pub struct TieredCaches {
    dfa: Option<Cache>,
    /// The dense DFA's match states met so far, and their detectors.
    memo: MatchMemo,
    literal: Option<hs::Scratch>,
    /// Each tier's hits of the current scan, kept between scans for their capacity.
    tiers: [Vec<Hit>; 3],
}

impl TieredScanner {
    /// `triggers`: (detector id, regex, caseless), as for Hyperscan. `compiled`: a payload
    /// of the same triggers by [`TieredScanner::serialized`]: the Hyperscan tier (compiling
    /// it takes ~0.2 s, more than a small file's scan; loading, microseconds) and the DFA
    /// tier's dense DFA. `dense`: build the dense DFA when the payload has none for these
    /// triggers (~2.4 s for the built-in ones, once, for a cache to keep), else walk a lazy
    /// DFA, whose states cost ~55 ms of every process that scans 50 MB.
    pub fn new(
        triggers: &[(u32, String, bool)],
        compiled: Option<&[u8]>,
        dense: bool,
    ) -> Result<TieredScanner, String> {
        TieredScanner::with_limit(triggers, compiled, dense, DENSE_LIMIT)
    }

    /// [`TieredScanner::new`] with a dense DFA of at most `limit` bytes.
    fn with_limit(
        triggers: &[(u32, String, bool)],
        compiled: Option<&[u8]>,
        dense: bool,
        limit: usize,
    ) -> Result<TieredScanner, String> {
        let Split {
            ids,
            literal,
            pats,
            pat_ids,
            led,
        } = split(triggers)?;
        let words = (!ids.is_empty()).then(|| Words {
            shortest: ids.keys().map(Vec::len).min().unwrap_or(0),
            longest: ids.keys().map(Vec::len).max().unwrap_or(0),
            ids,
        });
        let cached = compiled.and_then(read_payload);
        let build = format!("{DENSE_BUILD}, at most {limit} bytes");
        let dfa_tag = tag(&std::iter::once((u32::MAX, build, false))
            .chain(
                pats.iter()
                    .zip(&pat_ids)
                    .map(|(p, &id)| (id, p.clone(), false)),
            )
            .collect::<Vec<_>>());
        let mine = cached.as_ref().filter(|c| c.dfa_tag == dfa_tag);
        // The dense DFA: the payload's, else built here when asked and not known too big.
        let too_big = !pats.is_empty() && mine.is_some_and(|c| c.kept == DenseKept::TooBig as u8);
        let loaded = match mine {
            Some(Cached {
                kept,
                dense: Some(bytes),
                ..
            }) if *kept == DenseKept::Present as u8 && !pats.is_empty() => {
                load_dense(bytes, pats.len())
            }
            _ => None,
        };
        let from_payload = loaded.is_some();
        let built = (!pats.is_empty() && !from_payload && !too_big && dense)
            .then(|| build_dense(&pats, limit));
        let dense_kept = if from_payload || matches!(built, Some(Some(_))) {
            DenseKept::Present
        } else if too_big || matches!(built, Some(None)) {
            DenseKept::TooBig
        } else {
            DenseKept::Missing
        };
        let dfa = if pats.is_empty() {
            None
        } else {
            let tier = match loaded.or(built.flatten()) {
                Some(d) => DfaTier::Dense(Box::new(d)),
                None => DfaTier::Lazy(Box::new(build_dfa(&pats, false)?)),
            };
            Some((tier, pat_ids))
        };
        let literal_tag = tag(&literal);
        // New to a cache: another verdict on the dense DFA than the payload's, or one
        // built here over a payload's that did not load.
        let mut fresh = mine.is_none_or(|c| c.kept != dense_kept as u8)
            || (dense_kept == DenseKept::Present && !from_payload);
        let literal = if literal.is_empty() {
            None
        } else {
            let loaded = cached
                .as_ref()
                .filter(|c| c.literal_tag == literal_tag)
                .and_then(|c| hs::Database::deserialize(c.literal).ok());
            match loaded {
                Some(db) => Some(db),
                None => {
                    fresh = true;
                    Some(hs::Database::new(&literal)?)
                }
            }
        };
        Ok(TieredScanner {
            words,
            dfa,
            dense_kept,
            dfa_tag,
            fresh,
            led,
            literal,
            literal_tag,
        })
    }

    /// The payload a cache keeps of this scanner (None when there is nothing to keep):
    /// the Hyperscan tier and the dense DFA, each behind the tag of the triggers it holds,
    /// since which triggers go to a tier changes with the tiering, not only with the
    /// trigger set a cache is keyed by.
    pub fn serialized(&self) -> Option<Vec<u8>> {
        let literal = match &self.literal {
            Some(db) => db.serialize().ok()?,
            None => Vec::new(),
        };
        if self.literal.is_none() && self.dfa.is_none() {
            return None;
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&self.literal_tag.to_le_bytes());
        out.extend_from_slice(&(literal.len() as u64).to_le_bytes());
        out.extend_from_slice(&literal);
        out.extend_from_slice(&self.dfa_tag.to_le_bytes());
        out.push(self.dense_kept as u8);
        out.resize(out.len() + dense_pad(out.len()), 0);
        let dense = match &self.dfa {
            Some((DfaTier::Dense(d), _)) => {
                let (bytes, pad) = d.to_bytes_native_endian();
                bytes[pad..].to_vec()
            }
            _ => Vec::new(),
        };
        out.extend_from_slice(&checksum(&dense).to_le_bytes());
        out.extend_from_slice(&dense);
        Some(out)
    }

    /// [`TieredScanner::serialized`] when it would differ from the payload the scanner
    /// was given: a loaded payload of 9 MB is not written out and compared again.
    pub fn serialized_if_fresh(&self) -> Option<Vec<u8>> {
        if self.fresh {
            self.serialized()
        } else {
            None
        }
    }

    /// "dense" or "lazy": the DFA tier's automaton (None without a DFA tier).
    pub fn dfa_kind(&self) -> Option<&'static str> {
        self.dfa.as_ref().map(|(d, _)| match d {
            DfaTier::Lazy(_) => "lazy",
            DfaTier::Dense(_) => "dense",
        })
    }

    pub fn cache(&self) -> Result<TieredCaches, String> {
        Ok(TieredCaches {
            dfa: self.dfa.as_ref().and_then(|(d, _)| match d {
                DfaTier::Lazy(d) => Some(d.create_cache()),
                DfaTier::Dense(_) => None,
            }),
            literal: self.literal.as_ref().map(|g| g.scratch()).transpose()?,
            memo: MatchMemo::default(),
            tiers: Default::default(),
        })
    }

    /// All hits in `data`, ordered by end offset, then detector; one per (detector, end).
    /// An input Hyperscan refuses (over 4 GiB) gives no hits, as the one-database pass.
    pub fn scan(&self, caches: &mut TieredCaches, data: &[u8], out: &mut Vec<Hit>) {
        let mut tiers: [Vec<Hit>; 3] = std::mem::take(&mut caches.tiers);
        let mut refused = false;
        for (tier, hits) in tiers.iter_mut().enumerate() {
            hits.clear();
            refused = refused || self.scan_tier(tier, caches, data, hits).is_err();
        }
        if !refused {
            merge(&mut tiers, out);
        }
        caches.tiers = tiers;
    }

    /// The hits of one tier (0: Hyperscan, 1: the DFA, 2: the word lookup), in order of
    /// their ends.
    fn scan_tier(
        &self,
        tier: usize,
        caches: &mut TieredCaches,
        data: &[u8],
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        match tier {
            0 => {
                if let (Some(g), Some(s)) = (&self.literal, caches.literal.as_mut()) {
                    g.scan(s, data, out)?;
                }
            }
            1 => {
                if let Some((tier, ids)) = &self.dfa {
                    let from = out.len();
                    match (tier, caches.dfa.as_mut()) {
                        (DfaTier::Dense(d), _) => {
                            search_interleaved(&mut Dense::new(d, &mut caches.memo), data, ids, out)
                        }
                        (DfaTier::Lazy(d), Some(cache)) => {
                            search_interleaved(&mut Lazy::new(d, cache), data, ids, out)
                        }
                        (DfaTier::Lazy(_), None) => unreachable!("a lazy DFA without its cache"),
                    }
                    if !self.led.is_empty() {
                        self.lead(data, out, from);
                    }
                }
            }
            _ => {
                if let Some(w) = &self.words {
                    w.scan(data, out);
                }
            }
        }
        Ok(())
    }
}

impl TieredScanner {
    /// Turns the DFA's tail hits (those of `hits[from..]`) into their detectors' hits
    /// where a start and a gap lead them, and drops the others; the order by end stays.
    fn lead(&self, data: &[u8], hits: &mut Vec<Hit>, from: usize) {
        let mut kept = from;
        for i in from..hits.len() {
            let mut h = hits[i];
            if h.id & LED != 0 {
                let g = &self.led[(h.id & !LED) as usize];
                if !g.leads(data, h.end) {
                    continue;
                }
                h.id = g.id;
            }
            hits[kept] = h;
            kept += 1;
        }
        hits.truncate(kept);
    }
}

/// The tiers' hits in one run ordered by (end, detector), one per (detector, end). Each
/// tier gives its hits in order of their ends (Hyperscan documents it; the DFA and the
/// word lookup walk forward), so a merge does it in one pass where a sort of a dense
/// buffer's millions of hits cost a tenth of the scan; a tier out of order is sorted.
fn merge(tiers: &mut [Vec<Hit>; 3], out: &mut Vec<Hit>) {
    for t in tiers.iter_mut() {
        if !t.is_sorted_by_key(|h| h.end) {
            t.sort_unstable_by_key(|h| h.end);
        }
    }
    let start = out.len();
    out.reserve(tiers.iter().map(Vec::len).sum());
    let mut filled = tiers.iter().filter(|t| !t.is_empty());
    match (filled.next(), filled.next()) {
        (None, _) => {}
        // One tier found everything (a column of phone numbers: the DFA's): a copy.
        (Some(only), None) => out.extend_from_slice(only),
        _ => {
            let mut at = [0usize; 3];
            loop {
                let mut best: Option<usize> = None;
                for k in 0..3 {
                    if let Some(h) = tiers[k].get(at[k]) {
                        if best.is_none_or(|b| h.end < tiers[b][at[b]].end) {
                            best = Some(k);
                        }
                    }
                }
                let Some(k) = best else { break };
                out.push(tiers[k][at[k]]);
                at[k] += 1;
            }
        }
    }
    // Hits with the same end: by detector, once each.
    let mut kept = start;
    let mut i = start;
    while i < out.len() {
        let mut j = i + 1;
        while j < out.len() && out[j].end == out[i].end {
            j += 1;
        }
        if j - i > 1 {
            out[i..j].sort_unstable_by_key(|h| h.id);
        }
        for k in i..j {
            if k == i || out[k] != out[k - 1] {
                out[kept] = out[k];
                kept += 1;
            }
        }
        i = j;
    }
    out.truncate(kept);
}

#[cfg(test)]
impl TieredScanner {
    /// Seconds of each tier on `data` (Hyperscan, DFA, words): the profile's breakdown.
    pub fn tier_seconds(&self, caches: &mut TieredCaches, data: &[u8]) -> [f64; 3] {
        let mut out = Vec::new();
        [0, 1, 2].map(|tier| {
            out.clear();
            let t = std::time::Instant::now();
            self.scan_tier(tier, caches, data, &mut out).unwrap();
            t.elapsed().as_secs_f64()
        })
    }
}

#[cfg(test)]
mod tests_support {
    use super::*;

    pub fn hyperscan(specs: &[(u32, String, bool)], data: &[u8]) -> Vec<Hit> {
        let db = hs::Database::new(specs).unwrap();
        let mut want = Vec::new();
        db.scan(&mut db.scratch().unwrap(), data, &mut want)
            .unwrap();
        want.sort_unstable_by_key(|h| (h.end, h.id));
        want.dedup();
        want
    }

    /// The tiered pass's hits, the same with a lazy and with a dense DFA tier.
    pub fn tiered(specs: &[(u32, String, bool)], data: &[u8]) -> Vec<Hit> {
        let [lazy, dense] = [false, true].map(|dense| {
            let t = TieredScanner::new(specs, None, dense).unwrap();
            let mut got = Vec::new();
            t.scan(&mut t.cache().unwrap(), data, &mut got);
            got
        });
        assert_eq!(lazy, dense, "the dense DFA tier's hits");
        lazy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::tests_support::{hyperscan, tiered};

    pub(super) fn specs() -> Vec<(u32, String, bool)> {
        let mut s: Vec<(u32, String, bool)> = vec![
            (
                0,
                r"(?:^|[^\w.+\-])[6-9]\d{4}[ \-]?\d{5}(?:$|[^\w.\-])".into(),
                false,
            ),
            (
                1,
                r"[A-Za-z0-9._+\-]@[A-Za-z0-9\-]+\.[A-Za-z0-9.\-]*[A-Za-z]{2}".into(),
                false,
            ),
            (2, r"(?:upi|vpa)[^\n]{0,40}@[A-Za-z]".into(), true),
            (3, r"(?:cvv2?|cvc2?)[^0-9\n]{0,16}\d{3,4}".into(), true),
            (4, r"\b\d{3}-\d{2}-\d{4}\b".into(), false),
            (5, r"(?:\b|_)otp".into(), true),
            (
                6,
                r"\+[1-9]\d{0,3}[ \-.(]{0,2}\d{1,4}[ \-.)]{0,2}\d{2,5}".into(),
                false,
            ),
            (
                7,
                r"[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}".into(),
                false,
            ),
            (8, r"^-----BEGIN".into(), false),
            // A caseless name-shaped trigger is not a name pair: Hyperscan's, as a keyword.
            (9, r"\bAsha[ +][A-Z]".into(), true),
            // A one-byte anchor (the 0): the DFA's.
            (12, r"\b[A-Z]{4}0[A-Z0-9]{6}\b".into(), false),
        ];
        for name in ["Rahul", "Ra", "Priya", "Mohammed", "Al", "Zoya"] {
            s.push((10, format!(r"\b{name}[ +][A-Z]"), false));
        }
        // The same word for a second detector, and twice for the first.
        s.push((11, r"\bPriya[ +][A-Z]".into(), false));
        s.push((10, r"\bPriya[ +][A-Z]".into(), false));
        s
    }

    #[test]
    fn when_separators_and_capitals_fall_anywhere_then_every_pair_is_found_in_order() {
        let alphabet = b" +AZaz@[`\xc1\xda\n0";
        let mut x: u64 = 11;
        for len in (0..200).chain([1000, 4099]) {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[(x >> 33) as usize % alphabet.len()]
                })
                .collect();
            let want: Vec<usize> = (0..data.len())
                .filter(|&i| separator_before_capital(&data, i))
                .collect();
            let mut got = Vec::new();
            separators_before_capitals(&data, |i| got.push(i));
            assert_eq!(got, want, "{len}");
        }
    }

    #[test]
    fn when_triggers_are_split_then_each_goes_to_its_tier() {
        let t = TieredScanner::new(&specs(), None, false).unwrap();
        let words = t.words.as_ref().unwrap();
        assert_eq!(words.ids.len(), 6);
        assert_eq!(words.ids[&b"Priya".to_vec()], vec![10, 11]);
        assert_eq!((words.shortest, words.longest), (2, 8));
        assert_eq!(t.dfa.as_ref().unwrap().1, vec![0, 1, 4, 6, 7, 12]);
        assert!(t.literal.is_some());
        assert!(name_word(r"\bO'Brien[ +][A-Z]", false).is_none());
        assert!(name_word(r"\bRahul[ ][A-Z]", false).is_none());
    }

    #[test]
    fn when_tiers_are_merged_then_by_end_and_detector_once_each() {
        let h = |id, end| Hit { id, end };
        let merged = |tiers: [Vec<Hit>; 3]| {
            let mut tiers = tiers;
            let mut out = vec![h(99, 0)]; // what was there stays
            merge(&mut tiers, &mut out);
            out
        };
        assert_eq!(merged(Default::default()), vec![h(99, 0)]);
        // One tier: copied, equal hits once, same ends by detector.
        let one = vec![h(5, 3), h(2, 3), h(5, 3), h(1, 9)];
        let want = vec![h(99, 0), h(2, 3), h(5, 3), h(1, 9)];
        for k in 0..3 {
            let mut tiers: [Vec<Hit>; 3] = Default::default();
            tiers[k] = one.clone();
            assert_eq!(merged(tiers), want, "tier {k}");
        }
        // Three tiers, one out of order, a hit in two tiers.
        let got = merged([
            vec![h(1, 4), h(7, 8)],
            vec![h(3, 2), h(1, 4), h(2, 4)],
            vec![h(9, 20), h(4, 1)],
        ]);
        let want = [(0, 99), (1, 4), (2, 3), (4, 1), (4, 2), (8, 7), (20, 9)];
        assert_eq!(got, want.map(|(end, id)| h(id, end)).to_vec());
    }

    #[test]
    fn when_names_sit_at_edges_and_inside_words_then_hits_equal_hyperscan() {
        let data: &[u8] = b"Rahul Sharma xRahul Sharma 9Rahul K _Rahul K Rahul+K Rahul  K Rahul k \
            RahulRahul K Ra Ra Priya Mohammed+Ali Al Zoya Z\xe0Rahul K,Priya Q\nPriya R\nZoya";
        let got = tiered(&specs(), data);
        assert_eq!(got, hyperscan(&specs(), data));
        let names = got.iter().filter(|h| h.id >= 10).count();
        assert!(names >= 8, "{got:?}");
        assert!(got.contains(&Hit { id: 10, end: 7 }) && got.iter().any(|h| h.id == 11));
    }

    #[test]
    fn when_bytes_are_adversarial_then_hits_equal_hyperscan() {
        // Tokens that make every tier's shapes, joined at random: hits land next to each
        // other, across tier boundaries, inside invalid UTF-8 and at line starts.
        let tokens: [&[u8]; 30] = [
            b"Rahul",
            b"Priya",
            b"Asha",
            b" ",
            b" ",
            b"+",
            b"K",
            b"k",
            b"otp",
            b"OTP",
            b"upi",
            b"VPA",
            b"cvv",
            b"@",
            b"x.co",
            b"123",
            b"45",
            b"6789",
            b"-",
            b":",
            b"ab",
            b"\n",
            b"\xff",
            b"_",
            b"9876543210",
            b"-----BEGIN",
            b"+91",
            b".",
            b"\xe0\x80",
            b"IFSC0",
        ];
        let mut data: Vec<u8> = b"upi 98765 43210 x@y.co Rahul Sharma cvv: 123 ".to_vec();
        data.extend(std::iter::repeat_n(b'7', 3000));
        let mut x: u64 = 7;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            data.extend_from_slice(tokens[(x >> 33) as usize % tokens.len()]);
        }
        data.extend_from_slice(b" Priya+Z");
        let want = hyperscan(&specs(), &data);
        let mut ids: Vec<u32> = want.iter().map(|h| h.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert!(
            want.len() >= 5_000 && ids.len() >= 12,
            "{} hits of {ids:?}",
            want.len()
        );
        assert_eq!(tiered(&specs(), &data), want);
        for d in [&b""[..], &b"Rahul"[..], &b" R"[..], &[b'9'; 64][..]] {
            assert_eq!(tiered(&specs(), d), hyperscan(&specs(), d));
        }
    }
}

#[cfg(test)]
mod led_gap_tests {
    use super::tests_support::{hyperscan, tiered};
    use super::*;

    const URL: &str = r#"%[2-7][0-9A-Fa-f]|[=&][^ &=\n]{0,40}[A-Za-z0-9]\+[A-Za-z]|[=&]\+?[0-9]{2,6}\+[0-9]{2,8}(?:[&\s\"]|$)"#;

    #[test]
    fn when_a_regex_is_split_at_its_top_level_bars_then_groups_classes_and_escapes_hold() {
        assert_eq!(
            top_level_alternatives("a|b(?:c|d)|e"),
            Some(vec!["a", "b(?:c|d)", "e"])
        );
        assert_eq!(
            top_level_alternatives(r"[|]x|\|y|[^]|]z"),
            Some(vec!["[|]x", r"\|y", "[^]|]z"])
        );
        assert_eq!(top_level_alternatives("abc"), None);
        assert_eq!(top_level_alternatives("(?:a|b)"), None);
        // Inline flags or look-arounds reach past a bar: not split.
        assert_eq!(top_level_alternatives("(?i)a|b"), None);
        assert_eq!(top_level_alternatives("(?=a)|b"), None);
        assert_eq!(top_level_alternatives("[[:alpha:]]|b"), None);
        assert_eq!(top_level_alternatives("a)|b"), None);
        assert_eq!(top_level_alternatives(URL).map(|v| v.len()), Some(3));
    }

    #[test]
    fn when_an_alternative_is_a_start_byte_a_wide_gap_and_a_fixed_tail_then_it_is_a_led_gap() {
        let alts = top_level_alternatives(URL).unwrap();
        let (gap, tail) = LedGap::parse(7, alts[1], false).unwrap().unwrap();
        assert_eq!((gap.id, gap.min, gap.max, gap.tail), (7, 0, 40, 3));
        assert!(gap.start[b'=' as usize] && gap.start[b'&' as usize] && !gap.gap[b' ' as usize]);
        assert_eq!(
            parse(&tail, false).unwrap(),
            parse(r"[A-Za-z0-9]\+[A-Za-z]", false).unwrap()
        );
        for other in [
            alts[0],
            alts[2],
            r"(?:upi|vpa)[^\n]{0,40}@[A-Za-z]", // the start is a word
            r"[a-z][^\n]{0,40}@x",              // the gap holds the start's bytes
            r"=[^\n]{0,4}@x",                   // a narrow gap: the DFA's
            r"=[^\n]{0,40}@[a-z]+",             // a tail of no fixed length
            r"=[^\n]{0,40}",                    // no tail
        ] {
            assert!(LedGap::parse(0, other, false).unwrap().is_none(), "{other}");
        }
    }

    #[test]
    fn when_gaps_run_up_to_and_past_their_bounds_then_hits_equal_hyperscan() {
        let specs: Vec<(u32, String, bool)> = vec![
            (3, URL.into(), false),
            (4, r"[&:][^ \n&:]{2,12}X\+y".into(), true),
            (5, r"(?:\b|_)otp".into(), true),
            (6, r"[6-9]\d{9}".into(), false),
        ];
        let t = TieredScanner::new(&specs, None, false).unwrap();
        assert_eq!(t.led.len(), 2);
        assert_eq!(
            t.dfa
                .as_ref()
                .unwrap()
                .1
                .iter()
                .filter(|&&i| i & LED != 0)
                .count(),
            2
        );
        let tokens: [&[u8]; 18] = [
            b"=",
            b"&",
            b":",
            b"+",
            b"a",
            b"X",
            b"y",
            b"9",
            b" ",
            b"\n",
            b"%2B",
            b"otp",
            b"q=",
            b"\xff",
            b"abcdefghij",
            b"=98765+43210&",
            b"9876543210",
            b"x+Y",
        ];
        let mut data = Vec::new();
        // Gaps of every length around both bounds, at the start of the buffer too.
        for n in [0, 1, 2, 3, 11, 12, 13, 39, 40, 41, 42] {
            data.extend(std::iter::repeat_n(b'k', n));
            data.extend_from_slice(b"a+b X+y\n=");
            data.extend(std::iter::repeat_n(b'k', n));
            data.extend_from_slice(b"a+b &");
            data.extend(std::iter::repeat_n(b'k', n));
            data.extend_from_slice(b"X+Y :");
        }
        let mut x: u64 = 5;
        for _ in 0..60_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            data.extend_from_slice(tokens[(x >> 33) as usize % tokens.len()]);
        }
        let want = hyperscan(&specs, &data);
        for id in [3, 4, 5, 6] {
            assert!(want.iter().filter(|h| h.id == id).count() >= 50, "{id}");
        }
        assert_eq!(tiered(&specs, &data), want);
        for cut in [0, 1, 4, 40, 41, 44, 45, 46, 100] {
            let d = &data[..cut];
            assert_eq!(tiered(&specs, d), hyperscan(&specs, d), "{cut}");
        }
    }

    #[test]
    fn when_a_cached_database_is_of_other_triggers_then_it_is_not_loaded() {
        let a: Vec<(u32, String, bool)> = vec![(0, r"passport".into(), true)];
        let b: Vec<(u32, String, bool)> = vec![(0, r"aadhaar".into(), true)];
        let payload = TieredScanner::new(&a, None, false)
            .unwrap()
            .serialized()
            .unwrap();
        let loaded = TieredScanner::new(&b, Some(&payload), false).unwrap();
        assert_eq!(
            tiered_with(&loaded, b"my aadhaar passport"),
            vec![Hit { id: 0, end: 10 }]
        );
        let same = TieredScanner::new(&a, Some(&payload), false).unwrap();
        assert_eq!(
            tiered_with(&same, b"my aadhaar passport"),
            vec![Hit { id: 0, end: 19 }]
        );
        // A payload of the format before the tag: compiled again, not misread.
        let untagged = TieredScanner::new(&a, Some(&payload[8..]), false).unwrap();
        assert_eq!(
            tiered_with(&untagged, b"passport"),
            vec![Hit { id: 0, end: 8 }]
        );
    }

    #[test]
    fn when_a_payload_keeps_the_dense_dfa_then_a_new_scanner_loads_it_and_refuses_a_damaged_one() {
        let specs = super::tests::specs();
        let data = b"call 98765 43210 or +91 98765-43210, mail x@y.co; Priya Sharma paid";
        let want = tiered(&specs, data);
        assert!(want.len() >= 4, "{want:?}");
        let built = TieredScanner::new(&specs, None, true).unwrap();
        assert_eq!(built.dfa_kind(), Some("dense"));
        let payload = built.serialized_if_fresh().unwrap();
        // Loaded, not built: a scanner told not to build one has it from the payload, and
        // has nothing new for the cache.
        let loaded = TieredScanner::new(&specs, Some(&payload), false).unwrap();
        assert_eq!(loaded.dfa_kind(), Some("dense"));
        assert_eq!(tiered_with(&loaded, data), want);
        assert_eq!(loaded.serialized().unwrap(), payload);
        assert!(loaded.serialized_if_fresh().is_none());
        // The same table read from bytes off a four-byte boundary (copied first).
        let cached = read_payload(&payload).unwrap().dense.unwrap();
        assert_eq!(
            (cached.as_ptr() as usize - payload.as_ptr() as usize) % 8,
            0
        );
        let mut shifted = vec![0u8; cached.len() + 1];
        shifted[1..].copy_from_slice(cached);
        let odd = &shifted[1..];
        assert_ne!(odd.as_ptr().align_offset(4), 0);
        let ids = &built.dfa.as_ref().unwrap().1;
        assert!(
            load_dense(odd, ids.len() + 1).is_none(),
            "another pattern count"
        );
        let copied = load_dense(odd, ids.len()).expect("a table off the boundary");
        let mut hits = Vec::new();
        let mut memo = MatchMemo::default();
        crate::dfawalk::search_all(
            &mut Dense::new(&copied, &mut memo),
            data,
            0,
            data.len(),
            ids,
            &mut hits,
        );
        let mut walked = Vec::new();
        let Some((DfaTier::Dense(d), _)) = &loaded.dfa else {
            unreachable!()
        };
        let mut memo = MatchMemo::default();
        crate::dfawalk::search_all(
            &mut Dense::new(d, &mut memo),
            data,
            0,
            data.len(),
            ids,
            &mut walked,
        );
        assert!(!hits.is_empty());
        assert_eq!(hits, walked);
        // A damaged table is refused: the lazy DFA, the same hits.
        let mut damaged = payload.clone();
        let at = damaged.len() - 4096;
        damaged[at..at + 64].fill(0xff);
        let refused = TieredScanner::new(&specs, Some(&damaged), false).unwrap();
        assert_eq!(refused.dfa_kind(), Some("lazy"));
        assert_eq!(tiered_with(&refused, data), want);
        assert!(
            refused.serialized_if_fresh().is_some(),
            "the damaged file is replaced"
        );
        let rebuilt = TieredScanner::new(&specs, Some(&damaged), true).unwrap();
        assert_eq!(rebuilt.dfa_kind(), Some("dense"));
        assert_eq!(rebuilt.serialized_if_fresh().as_ref(), Some(&payload));
        // Other triggers' dense DFA is not loaded.
        let mut other = specs.clone();
        other.push((13, r"\b\d{3}-\d{2}-\d{4}\b".into(), false));
        let theirs = TieredScanner::new(&other, Some(&payload), false).unwrap();
        assert_eq!(theirs.dfa_kind(), Some("lazy"));
        let ssn = b"ssn 123-45-6789 ";
        let got = tiered_with(&theirs, ssn);
        assert!(got.contains(&Hit { id: 13, end: 15 }), "{got:?}");
        assert_eq!(got, tiered(&other, ssn));
    }

    #[test]
    fn when_a_payload_records_the_dense_dfa_as_too_big_then_it_is_not_built_again() {
        let specs = super::tests::specs();
        let lazy = TieredScanner::new(&specs, None, false).unwrap();
        let mut payload = lazy.serialized_if_fresh().unwrap();
        // The DenseKept byte: after the magic, the tag, the length and the database, a tag.
        let n = u64::from_le_bytes(payload[16..24].try_into().unwrap()) as usize;
        let kept_at = 24 + n + 8;
        assert_eq!(payload[kept_at], DenseKept::Missing as u8);
        // Missing: a scanner that may build one does, and keeps it.
        let built = TieredScanner::new(&specs, Some(&payload), true).unwrap();
        assert_eq!(built.dfa_kind(), Some("dense"));
        assert!(built.serialized_if_fresh().is_some());
        // One that may not leaves the payload as it is.
        let reader = TieredScanner::new(&specs, Some(&payload), false).unwrap();
        assert_eq!(reader.dfa_kind(), Some("lazy"));
        assert!(reader.serialized_if_fresh().is_none());
        payload[kept_at] = DenseKept::TooBig as u8;
        let kept = TieredScanner::new(&specs, Some(&payload), true).unwrap();
        assert_eq!(kept.dfa_kind(), Some("lazy"));
        assert_eq!(kept.serialized().unwrap(), payload);
        assert!(kept.serialized_if_fresh().is_none());
    }

    #[test]
    fn when_a_payload_is_cut_or_a_bit_flips_then_the_dense_dfa_is_refused() {
        let specs = super::tests::specs();
        let data = b"+91 98765 43210 x@y.co 10.2.3.4 98765-43210";
        let want = tiered(&specs, data);
        let payload = TieredScanner::new(&specs, None, true)
            .unwrap()
            .serialized()
            .unwrap();
        let dense_at = payload.len() - read_payload(&payload).unwrap().dense.unwrap().len();
        // Flips in the header, the transitions and the last byte: refused, never trusted.
        let mut x: u64 = 7;
        for k in 0..24 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = match k {
                0 => dense_at,
                1 => payload.len() - 1,
                _ => dense_at + (x >> 20) as usize % (payload.len() - dense_at),
            };
            let mut flipped = payload.clone();
            flipped[at] ^= 1 << (x >> 60) % 8;
            let t = TieredScanner::new(&specs, Some(&flipped), false).unwrap();
            assert_eq!(t.dfa_kind(), Some("lazy"), "a flip at {at}");
            assert_eq!(tiered_with(&t, data), want);
        }
        for cut in [
            0,
            7,
            8,
            30,
            dense_at - 8,
            dense_at,
            dense_at + 1000,
            payload.len() - 1,
        ] {
            let t = TieredScanner::new(&specs, Some(&payload[..cut]), false).unwrap();
            assert_eq!(t.dfa_kind(), Some("lazy"), "cut at {cut}");
            assert_eq!(tiered_with(&t, data), want);
        }
    }

    #[test]
    fn when_the_dense_dfa_would_pass_the_limit_then_the_lazy_one_walks_and_the_verdict_is_kept() {
        let specs = super::tests::specs();
        let data = b"+91 98765 43210 x@y.co 10.2.3.4";
        let small = TieredScanner::with_limit(&specs, None, true, 1 << 12).unwrap();
        assert_eq!(small.dfa_kind(), Some("lazy"));
        assert_eq!(tiered_with(&small, data), tiered(&specs, data));
        let payload = small
            .serialized_if_fresh()
            .expect("the verdict is new to a cache");
        let again = TieredScanner::with_limit(&specs, Some(&payload), true, 1 << 12).unwrap();
        assert_eq!(again.dfa_kind(), Some("lazy"));
        assert!(
            again.serialized_if_fresh().is_none(),
            "not built, nothing to write"
        );
        // Another limit is another build: its verdict is not this one's.
        let wider = TieredScanner::new(&specs, Some(&payload), true).unwrap();
        assert_eq!(wider.dfa_kind(), Some("dense"));
    }

    fn tiered_with(t: &TieredScanner, data: &[u8]) -> Vec<Hit> {
        let mut got = Vec::new();
        t.scan(&mut t.cache().unwrap(), data, &mut got);
        got
    }
}

#[cfg(test)]
mod profile {
    /// Each tier's speed on a corpus, without the per-detector Hyperscan runs of
    /// `triggers::profile` (see there for the variables): warm on the whole corpus, then
    /// cold on 8 MiB chunks as `detect` reads them. `PIISWEEP_DENSE=1`: with the dense
    /// DFA, which has no states to build on the first pass.
    #[test]
    #[ignore]
    fn profile_tiers() {
        let Some((triggers, data)) = crate::triggers::profile::load() else {
            eprintln!("set PIISWEEP_TRIGGERS and PIISWEEP_CORPUS");
            return;
        };
        let mb = data.len() as f64 / 1e6;
        let t = super::TieredScanner::new(&triggers, None, std::env::var("PIISWEEP_DENSE").is_ok())
            .unwrap();
        let mut c = t.cache().unwrap();
        let mut c2 = t.cache().unwrap();
        let mut best = [f64::MAX; 3];
        for _ in 0..3 {
            let s = t.tier_seconds(&mut c, &data);
            for k in 0..3 {
                best[k] = best[k].min(s[k]);
            }
        }
        println!(
            "hyperscan {:.0} MB/s, dfa {:.0} MB/s, words {:.0} MB/s",
            mb / best[0],
            mb / best[1],
            mb / best[2]
        );
        let mut chunked = [0.0; 3];
        for c in data.chunks(8 << 20) {
            let s = t.tier_seconds(&mut c2, c);
            for k in 0..3 {
                chunked[k] += s[k];
            }
        }
        println!(
            "8 MiB chunks: hyperscan {:.0} MB/s, dfa {:.0} MB/s, words {:.0} MB/s",
            mb / chunked[0],
            mb / chunked[1],
            mb / chunked[2]
        );
    }
}

#[cfg(test)]
mod profile_hs {
    /// Which of the Hyperscan tier's triggers cost the most: the tier without each one,
    /// and each alone (the variables as for `triggers::profile`).
    #[test]
    #[ignore]
    fn profile_hyperscan_tier() {
        let Some((triggers, data)) = crate::triggers::profile::load() else {
            return;
        };
        let mb = data.len() as f64 / 1e6;
        let tier = super::split(&triggers).unwrap().literal;
        let time = |specs: &[(u32, String, bool)]| {
            let db = crate::hs::Database::new(specs).unwrap();
            let mut sc = db.scratch().unwrap();
            let mut out = Vec::new();
            let mut best = f64::MAX;
            for _ in 0..3 {
                out.clear();
                let t = std::time::Instant::now();
                db.scan(&mut sc, &data, &mut out).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
            }
            (best, out.len())
        };
        let (all, n) = time(&tier);
        println!(
            "tier: {} triggers {:.0} MB/s {n} hits",
            tier.len(),
            mb / all
        );
        for i in 0..tier.len() {
            let mut rest = tier.clone();
            let gone = rest.remove(i);
            let (s, n) = time(&rest);
            let (alone, k) = time(std::slice::from_ref(&gone));
            println!(
                "without {i:3} d{:2} {:.0} MB/s ({n} hits); alone {:.0} MB/s {k} hits  {}",
                gone.0,
                mb / s,
                mb / alone,
                gone.1
            );
        }
    }
}
