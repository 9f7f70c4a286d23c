//! The trigger pass: every trigger of every detector over a whole buffer.
//!
//! Hyperscan's semantics, which the Python engine relies on, are kept exactly: every end
//! offset at which some match of a trigger ends is reported (overlapping matches too), with
//! ASCII classes (`\w`, `\d`, `\b`, case folding) over raw bytes and multi-line anchors.
//!
//! Running all triggers as one automaton over every byte is slow (thousands of name
//! triggers, bounded repeats such as `[^\n]{0,40}`), so each trigger is anchored on
//! something every one of its matches must contain, found cheaply, and the trigger's own
//! automaton is run only there:
//! - a *prefix literal* (`passport`, `Rahul `): an Aho-Corasick pass finds every occurrence
//!   and the trigger is searched anchored at it;
//! - an inner literal (`@`, `://`) or a *run of digits* (a phone needs five in a row): the
//!   trigger is searched in a window around each occurrence, as wide as its longest match;
//! - neither: the trigger runs over the whole buffer.
//!
//! Every match contains its anchor and lies within the window around it, so the hits are
//! the same as one pass of all triggers would give.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind, PatternID};
use regex_syntax::hir::{Class, Hir, HirKind};

use crate::dfawalk::{search_all, Lazy};

/// One trigger hit: the detector it belongs to and the end of the match (exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub id: u32,
    pub end: usize,
}

/// The trigger pass of an engine: Hyperscan where it is compiled in (the Python engine's
/// own scanner), else the anchored scanner below. Both give the same hits.
pub enum Triggers {
    #[cfg(feature = "hyperscan")]
    Hyperscan(crate::hs::Database),
    #[cfg(feature = "hyperscan")]
    Tiered(crate::tiered::TieredScanner),
    Anchored(AnchoredScanner),
}

/// Per-scan scratch space of the trigger pass.
pub enum Caches {
    #[cfg(feature = "hyperscan")]
    Hyperscan(crate::hs::Scratch),
    #[cfg(feature = "hyperscan")]
    Tiered(crate::tiered::TieredCaches),
    Anchored(AnchoredCaches),
}

impl Triggers {
    /// `scanner`: "hyperscan", "anchored" or "auto" (the tiered pass when Hyperscan is
    /// compiled in, else the anchored scanner).
    /// `compiled`: the Hyperscan database (of all triggers, or the tiered pass's payload)
    /// serialised from the same triggers by the same scanner, if cached. `dense`: the tiered
    /// pass builds its dense DFA when `compiled` has none (see `TieredScanner::new`).
    pub fn new(
        triggers: &[(u32, String, bool)],
        scanner: &str,
        compiled: Option<&[u8]>,
        dense: bool,
    ) -> Result<Triggers, String> {
        let _ = dense; // without Hyperscan: the anchored scanner has no DFA tier to keep
        match scanner {
            #[cfg(feature = "hyperscan")]
            "auto" => Ok(Triggers::Tiered(crate::tiered::TieredScanner::new(
                triggers, compiled, dense,
            )?)),
            #[cfg(feature = "hyperscan")]
            "hyperscan" => {
                let loaded = compiled.and_then(|b| crate::hs::Database::deserialize(b).ok());
                Ok(Triggers::Hyperscan(match loaded {
                    Some(db) => db,
                    None => crate::hs::Database::new(triggers)?,
                }))
            }
            #[allow(unreachable_patterns)]
            "auto" | "anchored" => {
                let _ = compiled;
                Ok(Triggers::Anchored(AnchoredScanner::new(triggers)?))
            }
            other => Err(format!(
                "unknown trigger scanner {other:?}; expected auto, hyperscan or anchored"
            )),
        }
    }

    /// What a cache keeps of the compiled scanner: the Hyperscan database, or the tiered
    /// pass's payload when it differs from the one given (None for the anchored scanner,
    /// which compiles fast, and when there is nothing new to keep).
    pub fn serialized(&self) -> Option<Vec<u8>> {
        match self {
            #[cfg(feature = "hyperscan")]
            Triggers::Hyperscan(db) => db.serialize().ok(),
            #[cfg(feature = "hyperscan")]
            Triggers::Tiered(t) => t.serialized_if_fresh(),
            Triggers::Anchored(_) => None,
        }
    }

    /// The tiered pass's DFA tier: "dense" or "lazy" (None for the other scanners).
    pub fn dfa_kind(&self) -> Option<&'static str> {
        match self {
            #[cfg(feature = "hyperscan")]
            Triggers::Tiered(t) => t.dfa_kind(),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "hyperscan")]
            Triggers::Hyperscan(_) => "hyperscan",
            #[cfg(feature = "hyperscan")]
            Triggers::Tiered(_) => "tiered",
            Triggers::Anchored(_) => "anchored",
        }
    }

    pub fn cache(&self) -> Result<Caches, String> {
        Ok(match self {
            #[cfg(feature = "hyperscan")]
            Triggers::Hyperscan(db) => Caches::Hyperscan(db.scratch()?),
            #[cfg(feature = "hyperscan")]
            Triggers::Tiered(t) => Caches::Tiered(t.cache()?),
            Triggers::Anchored(a) => Caches::Anchored(a.cache()),
        })
    }

    /// All hits in `data`, ordered by end offset; one per (detector, end).
    pub fn scan(&self, caches: &mut Caches, data: &[u8], out: &mut Vec<Hit>) {
        match (self, caches) {
            #[cfg(feature = "hyperscan")]
            (Triggers::Hyperscan(db), Caches::Hyperscan(s)) => {
                let start = out.len();
                if db.scan(s, data, out).is_err() {
                    // A scan error (an input over 4 GiB) leaves no partial hits behind.
                    out.truncate(start);
                }
            }
            #[cfg(feature = "hyperscan")]
            (Triggers::Tiered(t), Caches::Tiered(c)) => t.scan(c, data, out),
            (Triggers::Anchored(a), Caches::Anchored(c)) => a.scan(c, data, out),
            #[allow(unreachable_patterns)]
            _ => unreachable!("caches of another scanner"),
        }
    }
}

/// Largest literal set one trigger may be anchored on.
const MAX_LITERALS: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Anchor {
    /// Every match starts with one of these (lower-cased when the trigger is caseless).
    Prefix(Vec<Vec<u8>>),
    /// Every match contains one of these.
    Inner(Vec<Vec<u8>>),
    /// Every match contains a run of at least this many ASCII digits.
    Digits(usize),
    Whole,
}

/// How far a match may reach from its anchor.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reach {
    Bytes(usize),
    /// Unbounded, but never across a newline: the window is the anchor's line.
    Line,
}

struct Trigger {
    id: u32,
    caseless: bool,
    anchor: Anchor,
    reach: Reach,
}

/// A group of triggers searched in windows with one automaton.
/// A group of triggers whose anchor occurrences are widened by one reach.
struct Windowed {
    /// Trigger indexes in this group.
    members: Vec<usize>,
    reach: Reach,
}

pub struct AnchoredScanner {
    triggers: Vec<Trigger>,
    /// All triggers, one pattern each, for anchored searches at prefix literals.
    anchored: DFA,
    /// Literal occurrences: case-sensitive and caseless automata, and the triggers each
    /// literal anchors.
    exact_ac: Option<(AhoCorasick, Vec<Vec<usize>>)>,
    caseless_ac: Option<(AhoCorasick, Vec<Vec<usize>>)>,
    /// Windowed groups, one per (detector, reach kind), and the group of each trigger.
    windowed: Vec<Windowed>,
    group_of: Vec<Option<usize>>,
    /// Every windowed trigger in one automaton, searched once over the union of all
    /// groups' windows: on dense text (a digit run every few dozen bytes) the windows of
    /// ten digit-anchored groups each cover most of the buffer, and one pass over their
    /// union costs a tenth of a pass per group.
    inner: Option<(DFA, Vec<u32>)>,
    /// Byte classes of the byte-class pass: DIGIT, ANCHOR.
    classes: [u8; 256],
    /// How far windows reach around each anchor byte, and around a digit run of each
    /// length (the last entry for longer runs): the widest reach of the groups anchored
    /// there, as every group's windows go into one union.
    byte_reach: Vec<Widen>,
    digit_reach: Vec<Widen>,
    /// Triggers without an anchor, run over the whole buffer.
    whole: Option<(DFA, Vec<u32>)>,
}

/// The scratch state of the anchored scanner's automata.
pub struct AnchoredCaches {
    anchored: Cache,
    inner: Option<Cache>,
    whole: Option<Cache>,
}

/// A window's reach: bytes either side, or the whole line when `line`; None: no window.
type Widen = Option<(usize, bool)>;

fn wider(a: Widen, r: Reach) -> Widen {
    let (b, l) = a.unwrap_or((0, false));
    Some(match r {
        Reach::Bytes(n) => (b.max(n), l),
        Reach::Line => (b, true),
    })
}

/// Adds a window, joined to the last one when they overlap: the byte-class pass finds
/// millions of anchors on dense text, mostly in order, and sorting them all costs more than
/// the pass.
fn push(windows: &mut Vec<(usize, usize)>, w: (usize, usize)) {
    match windows.last_mut() {
        Some(last) if w.0 <= last.1 && last.0 <= w.1 => *last = (last.0.min(w.0), last.1.max(w.1)),
        _ => windows.push(w),
    }
}

/// The window around the anchor occurrence `s..e`.
fn widen(data: &[u8], s: usize, e: usize, w: (usize, bool)) -> (usize, usize) {
    let (mut lo, mut hi) = (s.saturating_sub(w.0), e.saturating_add(w.0).min(data.len()));
    if w.1 {
        lo = lo.min(memchr::memrchr(b'\n', &data[..s]).map_or(0, |p| p + 1));
        hi = hi.max(memchr::memchr(b'\n', &data[e..]).map_or(data.len(), |p| e + p));
    }
    (lo, hi)
}

const DIGIT: u8 = 1;
const ANCHOR: u8 = 2;

/// A trigger anchored on literals of one byte each: found by the byte-class pass.
fn byte_anchored(t: &Trigger) -> bool {
    matches!(&t.anchor, Anchor::Inner(l) if l.iter().all(|x| x.len() == 1))
}

pub(crate) fn pattern(rx: &str, caseless: bool) -> String {
    if caseless {
        format!("(?i:{rx})")
    } else {
        format!("(?:{rx})")
    }
}

/// How every trigger automaton reads its patterns, as Hyperscan does: ASCII classes over
/// raw bytes, multi-line anchors. The lazy and the dense DFA of one tier must agree on it.
pub(crate) fn trigger_syntax() -> syntax::Config {
    syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
}

pub(crate) fn build_dfa(patterns: &[String], each_start: bool) -> Result<DFA, String> {
    DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .starts_for_each_pattern(each_start)
                .cache_capacity(32 << 20)
                .minimum_cache_clear_count(None),
        )
        .syntax(trigger_syntax())
        .build_many(patterns)
        .map_err(|e| format!("a trigger does not compile: {e}"))
}

pub(crate) fn parse(rx: &str, caseless: bool) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .case_insensitive(caseless)
        .build()
        .parse(rx)
        .map_err(|e| format!("a trigger does not parse: {e}"))
}

impl AnchoredScanner {
    /// `triggers`: (detector id, regex, caseless), in Hyperscan syntax.
    pub fn new(triggers: &[(u32, String, bool)]) -> Result<AnchoredScanner, String> {
        let mut infos = Vec::with_capacity(triggers.len());
        for (id, rx, caseless) in triggers {
            let hir = parse(rx, *caseless)?;
            let reach = match hir.properties().maximum_len() {
                Some(n) => Reach::Bytes(n),
                None if !can_match_newline(&hir) => Reach::Line,
                None => Reach::Bytes(usize::MAX),
            };
            let anchor = match reach {
                Reach::Bytes(usize::MAX) => Anchor::Whole,
                // A one-byte prefix (`+`) is windowed like an inner byte: every match
                // contains it, and the byte-class pass finds it cheaply.
                _ => match choose_anchor(&hir, *caseless) {
                    Anchor::Prefix(l) if l.iter().all(|x| x.len() == 1) => Anchor::Inner(l),
                    a => a,
                },
            };
            infos.push(Trigger {
                id: *id,
                caseless: *caseless,
                anchor,
                reach,
            });
        }
        let patterns: Vec<String> = triggers.iter().map(|(_, rx, c)| pattern(rx, *c)).collect();
        let anchored = build_dfa(&patterns, true)?;
        let exact_ac = literal_automaton(&infos, false)?;
        let caseless_ac = literal_automaton(&infos, true)?;
        // Windowed groups: per detector and reach kind.
        let mut windowed: Vec<Windowed> = Vec::new();
        let mut group_of = vec![None; infos.len()];
        let mut keys: Vec<(u32, bool)> = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (i, t) in infos.iter().enumerate() {
            if matches!(t.anchor, Anchor::Inner(_) | Anchor::Digits(_)) {
                let key = (t.id, t.reach == Reach::Line);
                let g = match keys.iter().position(|k| *k == key) {
                    Some(g) => g,
                    None => {
                        keys.push(key);
                        members.push(Vec::new());
                        keys.len() - 1
                    }
                };
                members[g].push(i);
                group_of[i] = Some(g);
            }
        }
        // Groups anchored on each single byte (`@`, `.`, `:`): found by the byte-class pass
        // with the digit runs, not by the literal automata, where one-byte literals match
        // millions of times and switch off their prefilters.
        let mut byte_groups: Vec<Vec<usize>> = vec![Vec::new(); 256];
        let mut classes = [0u8; 256];
        for (i, t) in infos.iter().enumerate() {
            if let (true, Some(g), Anchor::Inner(l)) = (byte_anchored(t), group_of[i], &t.anchor) {
                for x in l {
                    let b = x[0];
                    let mut bytes = vec![b];
                    if t.caseless && b.is_ascii_alphabetic() {
                        bytes = vec![b.to_ascii_lowercase(), b.to_ascii_uppercase()];
                    }
                    for b in bytes {
                        classes[b as usize] |= ANCHOR;
                        if !byte_groups[b as usize].contains(&g) {
                            byte_groups[b as usize].push(g);
                        }
                    }
                }
            }
        }
        let inner_idx: Vec<usize> = members.iter().flatten().copied().collect();
        let inner = if inner_idx.is_empty() {
            None
        } else {
            let pats: Vec<String> = inner_idx.iter().map(|&i| patterns[i].clone()).collect();
            Some((
                build_dfa(&pats, false)?,
                inner_idx.iter().map(|&i| infos[i].id).collect(),
            ))
        };
        for (g, m) in members.into_iter().enumerate() {
            let reach = if keys[g].1 {
                Reach::Line
            } else {
                Reach::Bytes(
                    m.iter()
                        .map(|&i| match infos[i].reach {
                            Reach::Bytes(n) => n,
                            Reach::Line => 0,
                        })
                        .max()
                        .unwrap_or(0),
                )
            };
            windowed.push(Windowed { members: m, reach });
        }
        let whole_idx: Vec<usize> = (0..infos.len())
            .filter(|&i| infos[i].anchor == Anchor::Whole)
            .collect();
        let whole = if whole_idx.is_empty() {
            None
        } else {
            let pats: Vec<String> = whole_idx.iter().map(|&i| patterns[i].clone()).collect();
            Some((
                build_dfa(&pats, false)?,
                whole_idx.iter().map(|&i| infos[i].id).collect(),
            ))
        };
        let min_digits = infos
            .iter()
            .filter_map(|t| {
                if let Anchor::Digits(k) = t.anchor {
                    Some(k)
                } else {
                    None
                }
            })
            .min()
            .unwrap_or(usize::MAX);
        if min_digits != usize::MAX {
            for b in b'0'..=b'9' {
                classes[b as usize] |= DIGIT;
            }
        }
        let byte_reach: Vec<Widen> = byte_groups
            .iter()
            .map(|gs| gs.iter().fold(None, |a, &g| wider(a, windowed[g].reach)))
            .collect();
        let most = infos
            .iter()
            .filter_map(|t| match t.anchor {
                Anchor::Digits(k) => Some(k),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let digit_reach: Vec<Widen> = (0..=most)
            .map(|run| {
                windowed.iter().fold(None, |a, w| {
                    let wants = w
                        .members
                        .iter()
                        .any(|&t| matches!(infos[t].anchor, Anchor::Digits(k) if k <= run));
                    if wants {
                        wider(a, w.reach)
                    } else {
                        a
                    }
                })
            })
            .collect();
        Ok(AnchoredScanner {
            triggers: infos,
            anchored,
            exact_ac,
            caseless_ac,
            windowed,
            group_of,
            inner,
            classes,
            byte_reach,
            digit_reach,
            whole,
        })
    }

    pub fn cache(&self) -> AnchoredCaches {
        AnchoredCaches {
            anchored: self.anchored.create_cache(),
            inner: self.inner.as_ref().map(|(d, _)| d.create_cache()),
            whole: self.whole.as_ref().map(|(d, _)| d.create_cache()),
        }
    }

    /// All hits in `data`, ordered by end offset, then detector; one per (detector, end).
    pub fn scan(&self, caches: &mut AnchoredCaches, data: &[u8], out: &mut Vec<Hit>) {
        let start = out.len();
        let mut windows: Vec<(usize, usize)> = Vec::new();
        let mut anchored_at: Vec<(usize, usize)> = Vec::new(); // (position, trigger)
        for (ac, caseless) in [(&self.exact_ac, false), (&self.caseless_ac, true)] {
            let Some((ac, owners)) = ac else { continue };
            for m in ac.find_overlapping_iter(data) {
                for &t in &owners[m.pattern().as_usize()] {
                    debug_assert_eq!(self.triggers[t].caseless, caseless);
                    match self.group_of[t] {
                        None => anchored_at.push((m.start(), t)),
                        Some(g) => windows.push(widen(
                            data,
                            m.start(),
                            m.end(),
                            wider(None, self.windowed[g].reach).unwrap_or_default(),
                        )),
                    }
                }
            }
        }
        self.byte_windows(data, &mut windows);
        anchored_at.sort_unstable();
        anchored_at.dedup();
        for &(p, t) in &anchored_at {
            let input = Input::new(data)
                .range(p..)
                .anchored(Anchored::Pattern(PatternID::new_unchecked(t)));
            let mut state = OverlappingState::start();
            while self
                .anchored
                .try_search_overlapping_fwd(&mut caches.anchored, &input, &mut state)
                .is_ok()
            {
                match state.get_match() {
                    None => break,
                    Some(m) => out.push(Hit {
                        id: self.triggers[t].id,
                        end: m.offset(),
                    }),
                }
            }
        }
        if let (Some((dfa, ids)), Some(cache)) = (&self.inner, caches.inner.as_mut()) {
            // Each group's windows hold every match of its triggers; their union holds
            // them all, and whatever else the automaton finds in it is a real match too.
            for (lo, hi) in merge(&mut windows, Reach::Bytes(0), data) {
                search_all(&mut Lazy::new(dfa, cache), data, lo, hi, ids, out);
            }
        }
        if let (Some((dfa, ids)), Some(cache)) = (&self.whole, caches.whole.as_mut()) {
            search_all(&mut Lazy::new(dfa, cache), data, 0, data.len(), ids, out);
        }
        let found = &mut out[start..];
        found.sort_unstable_by_key(|h| (h.end, h.id));
        let mut n = start;
        for k in start..out.len() {
            if n == start || out[k] != out[n - 1] {
                out[n] = out[k];
                n += 1;
            }
        }
        out.truncate(n);
    }

    /// The byte-class pass: windows around runs of digits long enough for some
    /// digit-anchored trigger, and around each anchor byte, widened by their reach.
    fn byte_windows(&self, data: &[u8], windows: &mut Vec<(usize, usize)>) {
        let classes = &self.classes;
        let mut i = 0;
        let n = data.len();
        while i < n {
            let c = classes[data[i] as usize];
            if c == 0 {
                i += 1;
                continue;
            }
            if c & DIGIT == 0 {
                if let Some(w) = self.byte_reach[data[i] as usize] {
                    push(windows, widen(data, i, i + 1, w));
                }
                i += 1;
                continue;
            }
            let s = i;
            while i < n && data[i].is_ascii_digit() {
                if classes[data[i] as usize] & ANCHOR != 0 {
                    if let Some(w) = self.byte_reach[data[i] as usize] {
                        push(windows, widen(data, i, i + 1, w));
                    }
                }
                i += 1;
            }
            let run = (i - s).min(self.digit_reach.len().saturating_sub(1));
            if let Some(Some(w)) = self.digit_reach.get(run) {
                push(windows, widen(data, s, i, *w));
            }
        }
    }
}

/// Anchor occurrences widened by the reach of the group's triggers and merged.
fn merge(ws: &mut [(usize, usize)], reach: Reach, data: &[u8]) -> Vec<(usize, usize)> {
    ws.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &(s, e) in ws.iter() {
        let (lo, hi) = match reach {
            Reach::Bytes(w) => (s.saturating_sub(w), e.saturating_add(w).min(data.len())),
            Reach::Line => (
                memchr::memrchr(b'\n', &data[..s]).map_or(0, |p| p + 1),
                memchr::memchr(b'\n', &data[e..]).map_or(data.len(), |p| e + p),
            ),
        };
        match out.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn literal_automaton(
    infos: &[Trigger],
    caseless: bool,
) -> Result<Option<(AhoCorasick, Vec<Vec<usize>>)>, String> {
    let mut literals: Vec<Vec<u8>> = Vec::new();
    let mut owners: Vec<Vec<usize>> = Vec::new();
    let mut index: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
    for (t, info) in infos.iter().enumerate() {
        if info.caseless != caseless || byte_anchored(info) {
            continue;
        }
        let lits = match &info.anchor {
            Anchor::Prefix(l) | Anchor::Inner(l) => l,
            _ => continue,
        };
        for lit in lits {
            let k = *index.entry(lit.clone()).or_insert_with(|| {
                literals.push(lit.clone());
                owners.push(Vec::new());
                literals.len() - 1
            });
            if owners[k].last() != Some(&t) {
                owners[k].push(t);
            }
        }
    }
    if literals.is_empty() {
        return Ok(None);
    }
    let ac = AhoCorasickBuilder::new()
        .match_kind(AcMatchKind::Standard)
        .ascii_case_insensitive(caseless)
        .build(&literals)
        .map_err(|e| format!("trigger literals: {e}"))?;
    Ok(Some((ac, owners)))
}

// ------------------------------------------------------------------ anchor analysis

fn can_match_newline(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Literal(l) => l.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Repetition(r) => can_match_newline(&r.sub),
        HirKind::Capture(c) => can_match_newline(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(can_match_newline),
        HirKind::Empty | HirKind::Look(_) => false,
    }
}

fn class_bytes(c: &Class) -> Vec<u8> {
    match c {
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .flat_map(|r| r.start()..=r.end())
            .collect(),
        Class::Unicode(u) => u
            .ranges()
            .iter()
            .flat_map(|r| (r.start() as u32)..=(r.end() as u32))
            .filter(|&c| c < 256)
            .map(|c| c as u8)
            .collect(),
    }
}

/// The finite set of strings `hir` matches (ASCII-lower-cased when `fold`), if small.
fn exact(hir: &Hir, fold: bool) -> Option<Vec<Vec<u8>>> {
    let lower = |b: &[u8]| {
        if fold {
            b.to_ascii_lowercase()
        } else {
            b.to_vec()
        }
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(l) => Some(vec![lower(&l.0)]),
        HirKind::Class(c) => {
            let mut bytes = class_bytes(c);
            if fold {
                bytes = bytes.iter().map(|b| b.to_ascii_lowercase()).collect();
            }
            bytes.sort_unstable();
            bytes.dedup();
            (bytes.len() <= 4 && !bytes.is_empty())
                .then(|| bytes.into_iter().map(|b| vec![b]).collect())
        }
        HirKind::Capture(c) => exact(&c.sub, fold),
        HirKind::Repetition(r) => {
            if r.max != Some(r.min) || r.min > 8 {
                return None;
            }
            let sub = exact(&r.sub, fold)?;
            let mut acc = vec![Vec::new()];
            for _ in 0..r.min {
                acc = product(&acc, &sub)?;
            }
            Some(acc)
        }
        HirKind::Concat(v) => {
            let mut acc = vec![Vec::new()];
            for h in v {
                acc = product(&acc, &exact(h, fold)?)?;
            }
            Some(acc)
        }
        HirKind::Alternation(v) => {
            let mut all = Vec::new();
            for h in v {
                all.extend(exact(h, fold)?);
                if all.len() > MAX_LITERALS {
                    return None;
                }
            }
            all.sort();
            all.dedup();
            Some(all)
        }
    }
}

fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_LITERALS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// A literal set every match contains, and whether it always stands at the match start.
#[derive(Clone, Debug)]
struct Required {
    lits: Vec<Vec<u8>>,
    prefix: bool,
}

pub(crate) fn min_len(lits: &[Vec<u8>]) -> usize {
    lits.iter().map(Vec::len).min().unwrap_or(0)
}

/// Longer literals first (fewer false occurrences), then fewer of them, then a prefix.
fn better(a: &Required, b: &Required) -> bool {
    let (la, lb) = (min_len(&a.lits).min(6), min_len(&b.lits).min(6));
    (la, std::cmp::Reverse(a.lits.len()), a.prefix)
        > (lb, std::cmp::Reverse(b.lits.len()), b.prefix)
}

fn required(hir: &Hir, fold: bool) -> Option<Required> {
    if let Some(lits) = exact(hir, fold) {
        if lits.iter().all(|l| !l.is_empty()) {
            return Some(Required { lits, prefix: true });
        }
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub, fold),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub, fold),
        HirKind::Alternation(v) => {
            let mut lits = Vec::new();
            let mut prefix = true;
            for h in v {
                let r = required(h, fold)?;
                prefix &= r.prefix;
                lits.extend(r.lits);
            }
            lits.sort();
            lits.dedup();
            (lits.len() <= MAX_LITERALS).then_some(Required { lits, prefix })
        }
        HirKind::Concat(v) => {
            let mut best: Option<Required> = None;
            let mut offer = |r: Required| {
                if best.as_ref().is_none_or(|b| better(&r, b)) {
                    best = Some(r);
                }
            };
            let exacts: Vec<Option<Vec<Vec<u8>>>> = v.iter().map(|h| exact(h, fold)).collect();
            // Products of runs of exact pieces: the longest literals a trigger spells out.
            for s in 0..v.len() {
                // A run counts as a prefix only from the first piece, or after zero-width
                // pieces alone.
                let at_start = v[..s].iter().all(|h| matches!(h.kind(), HirKind::Look(_)));
                let mut acc: Vec<Vec<u8>> = vec![Vec::new()];
                for e in &exacts[s..] {
                    let Some(set) = e else { break };
                    let Some(next) = product(&acc, set) else {
                        break;
                    };
                    acc = next;
                    if acc.iter().all(|l| !l.is_empty()) {
                        offer(Required {
                            lits: acc.clone(),
                            prefix: at_start,
                        });
                    }
                }
            }
            for (k, h) in v.iter().enumerate() {
                if exacts[k].is_none() {
                    if let Some(mut r) = required(h, fold) {
                        let at_start = v[..k].iter().all(|h| matches!(h.kind(), HirKind::Look(_)));
                        r.prefix &= at_start;
                        offer(r);
                    }
                }
            }
            best
        }
        _ => None,
    }
}

/// Minimum length of `hir` when it matches only non-empty runs of ASCII digits.
fn pure_digits(hir: &Hir) -> Option<usize> {
    match hir.kind() {
        HirKind::Literal(l) => {
            (!l.0.is_empty() && l.0.iter().all(u8::is_ascii_digit)).then_some(l.0.len())
        }
        HirKind::Class(c) => {
            let b = class_bytes(c);
            (!b.is_empty() && b.iter().all(u8::is_ascii_digit) && matches!(c, Class::Bytes(_)))
                .then_some(1)
        }
        HirKind::Capture(c) => pure_digits(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => pure_digits(&r.sub).map(|m| m * r.min as usize),
        HirKind::Alternation(v) => v
            .iter()
            .map(pure_digits)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .min(),
        HirKind::Concat(v) => {
            let mut total = 0;
            for h in v {
                total += pure_digits(h)?;
            }
            Some(total)
        }
        _ => None,
    }
}

/// The length of the digit run every match of `hir` contains (0: none known).
fn required_digits(hir: &Hir) -> usize {
    if let Some(m) = pure_digits(hir) {
        return m;
    }
    match hir.kind() {
        HirKind::Capture(c) => required_digits(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_digits(&r.sub),
        HirKind::Alternation(v) => v.iter().map(required_digits).min().unwrap_or(0),
        HirKind::Concat(v) => {
            let mut best = 0;
            let mut run = 0;
            for h in v {
                if matches!(h.kind(), HirKind::Look(_)) {
                    continue; // zero width: the run goes on
                }
                match pure_digits(h) {
                    Some(m) => run += m,
                    None => {
                        best = best.max(run).max(required_digits(h));
                        run = 0;
                    }
                }
            }
            best.max(run)
        }
        _ => 0,
    }
}

pub(crate) fn choose_anchor(hir: &Hir, caseless: bool) -> Anchor {
    let lits = required(hir, caseless);
    let digits = required_digits(hir);
    let lit_len = lits.as_ref().map_or(0, |r| min_len(&r.lits));
    // Bytes that are rare in logs make good one-byte anchors; `-`, `:`, `.` do not.
    let rare = |r: &Required| {
        r.lits
            .iter()
            .all(|l| l.len() == 1 && b"@%+#~^|!$&=".contains(&l[0]))
    };
    let as_anchor = |r: Required| {
        if r.prefix {
            Anchor::Prefix(r.lits)
        } else {
            Anchor::Inner(r.lits)
        }
    };
    match lits {
        Some(r) if lit_len >= 3 => as_anchor(r),
        Some(r) if rare(&r) && digits < 3 => as_anchor(r),
        _ if digits >= 3 => Anchor::Digits(digits),
        Some(r) if lit_len >= 2 => as_anchor(r),
        _ if digits >= 2 => Anchor::Digits(digits),
        Some(r) if lit_len >= 1 => as_anchor(r),
        _ => Anchor::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor_of(rx: &str, caseless: bool) -> Anchor {
        choose_anchor(&parse(rx, caseless).unwrap(), caseless)
    }

    #[test]
    fn when_matches_overlap_then_every_end_reported() {
        let t =
            AnchoredScanner::new(&[(0, r"\d{3}".into(), false), (1, "ab".into(), true)]).unwrap();
        let mut cache = t.cache();
        let mut out = Vec::new();
        t.scan(&mut cache, b"1234 AB", &mut out);
        assert_eq!(
            out,
            vec![
                Hit { id: 0, end: 3 },
                Hit { id: 0, end: 4 },
                Hit { id: 1, end: 7 }
            ]
        );
    }

    #[test]
    fn when_trigger_spells_a_word_then_anchored_on_it() {
        assert_eq!(
            anchor_of(r"\bRahul[ +][A-Z]", false),
            Anchor::Prefix(vec![b"Rahul ".to_vec(), b"Rahul+".to_vec()])
        );
        assert_eq!(
            anchor_of("passport", true),
            Anchor::Prefix(vec![b"passport".to_vec()])
        );
        assert_eq!(
            anchor_of(r"[A-Za-z0-9._+\-]@[A-Za-z0-9\-]+\.[A-Za-z]{2}", false),
            Anchor::Inner(vec![b"@".to_vec()])
        );
        assert_eq!(
            anchor_of(r"(?:^|[^\w.+\-])[6-9]\d{4}[ \-]?\d{5}", false),
            Anchor::Digits(5)
        );
    }

    /// The anchored scanner's hits against one automaton of all triggers run over the whole
    /// buffer: the semantics the windows must not change.
    fn one_pass(specs: &[(u32, String, bool)], data: &[u8]) -> Vec<Hit> {
        let pats: Vec<String> = specs.iter().map(|(_, r, c)| pattern(r, *c)).collect();
        let ids: Vec<u32> = specs.iter().map(|s| s.0).collect();
        let one = build_dfa(&pats, false).unwrap();
        let mut want = Vec::new();
        search_all(
            &mut Lazy::new(&one, &mut one.create_cache()),
            data,
            0,
            data.len(),
            &ids,
            &mut want,
        );
        want.sort_unstable_by_key(|h| (h.end, h.id));
        want.dedup();
        want
    }

    #[test]
    fn when_bytes_are_adversarial_then_byte_class_windows_miss_nothing() {
        let specs: Vec<(u32, String, bool)> = vec![
            // A one-byte anchor that is also a digit, inside digit runs.
            (0, r"\b[A-Z]{4}0[A-Z0-9]{6}\b".into(), false),
            // A one-byte prefix, windowed like an inner byte.
            (
                1,
                r"\+[1-9]\d{0,3}[ \-.(]{0,2}\d{1,4}[ \-.)]{0,2}\d{2,5}".into(),
                false,
            ),
            (
                2,
                r"[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}".into(),
                false,
            ),
            (
                3,
                r"[A-Za-z0-9._+\-]@[A-Za-z0-9\-]+\.[A-Za-z0-9.\-]*[A-Za-z]{2}".into(),
                false,
            ),
            (
                4,
                r"(?:^|[^\w.+\-])[2-9]\d{3}[ \-]?\d{4}[ \-]?\d{4}(?:$|[^\w.\-])".into(),
                false,
            ),
            (5, r"\b\d{3}-\d{2}-\d{4}\b".into(), false),
            (6, r"(?:upi|vpa)[^\n]{0,40}@[A-Za-z]".into(), true),
            (7, r"\bRahul[ +][A-Z]".into(), false),
        ];
        let t = AnchoredScanner::new(&specs).unwrap();
        let mut data: Vec<u8> = Vec::new();
        // Invalid UTF-8, long digit runs, overlapping shapes, anchors at both ends.
        data.extend_from_slice(b"0ABCD0123456+91 98765 43210\xff\xfe@x.co ");
        data.extend(std::iter::repeat_n(b'7', 5000));
        data.extend_from_slice(b" 123-45-6789 aa:bb:cc:dd-ee 2345 6789 0123\n\x80UPI\xc3@A");
        let alphabet = b"0123456789 -:.+@\nABCDEFaZ\xe0\x80\xff_=&";
        let mut x: u64 = 42;
        for _ in 0..200_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            data.push(alphabet[(x >> 33) as usize % alphabet.len()]);
        }
        data.extend_from_slice(b"Rahul Sharma ABCD0EFGHIJ +1 (555) 123-4567 0");
        let mut got = Vec::new();
        t.scan(&mut t.cache(), &data, &mut got);
        let want = one_pass(&specs, &data);
        let mut ids: Vec<u32> = want.iter().map(|h| h.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert!(
            want.len() >= 100 && ids.len() >= 6,
            "{} hits of {ids:?}",
            want.len()
        );
        assert_eq!(got, want);
        // Empty input, and input that is one digit run.
        for d in [&b""[..], &[b'9'; 64][..]] {
            let mut got = Vec::new();
            t.scan(&mut t.cache(), d, &mut got);
            assert_eq!(got, one_pass(&specs, d));
        }
    }

    #[test]
    fn when_hits_come_from_every_anchor_kind_then_same_as_one_pass() {
        let specs: Vec<(u32, String, bool)> = vec![
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
            (2, r"\bRahul[ +][A-Z]".into(), false),
            (3, r"(?:upi|vpa)[^\n]{0,40}@[A-Za-z]".into(), true),
            (4, r"[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}".into(), false),
        ];
        let t = AnchoredScanner::new(&specs).unwrap();
        let pats: Vec<String> = specs.iter().map(|(_, r, c)| pattern(r, *c)).collect();
        let one = build_dfa(&pats, false).unwrap();
        let data = b"call 98765 43210 now\nUPI pay to rahul@okaxis Rahul Sharma ab:cd:ef x@y.co 9876543210\n";
        let mut got = Vec::new();
        t.scan(&mut t.cache(), data, &mut got);
        let mut want = Vec::new();
        search_all(
            &mut Lazy::new(&one, &mut one.create_cache()),
            data,
            0,
            data.len(),
            &[0, 1, 2, 3, 4],
            &mut want,
        );
        want.sort_unstable_by_key(|h| (h.end, h.id));
        want.dedup();
        assert_eq!(got, want);
        assert!(got.len() >= 6);
    }
}

/// Where the trigger pass's time goes on a real corpus, and whether the anchored scanner
/// gives Hyperscan's hits there. Run by hand:
/// `PIISWEEP_TRIGGERS=<file of python -m bench.trigger_dump>
/// PIISWEEP_CORPUS=bench/data/corpus-50mb-42.log cargo test --release --lib profile_corpus
/// -- --ignored --nocapture` (the corpus comes from `python -m bench.engine`).
#[cfg(test)]
pub(crate) mod profile {
    use super::*;
    use std::time::Instant;

    pub(crate) fn load() -> Option<(Vec<(u32, String, bool)>, Vec<u8>)> {
        let tpath = std::env::var("PIISWEEP_TRIGGERS").ok()?;
        let cpath = std::env::var("PIISWEEP_CORPUS").ok()?;
        let text = std::fs::read(tpath).ok()?;
        let mut triggers = Vec::new();
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let mut it = line.splitn(3, |&b| b == b'\t');
            let id: u32 = std::str::from_utf8(it.next()?).ok()?.parse().ok()?;
            let c = it.next()? == b"1";
            let rx = String::from_utf8(it.next()?.to_vec()).ok()?;
            triggers.push((id, rx, c));
        }
        Some((triggers, std::fs::read(cpath).ok()?))
    }

    fn time<F: FnMut()>(mut f: F) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    }

    #[test]
    #[ignore]
    fn profile_corpus() {
        let Some((triggers, data)) = load() else {
            eprintln!("set PIISWEEP_TRIGGERS and PIISWEEP_CORPUS");
            return;
        };
        let mb = data.len() as f64 / 1e6;
        let t = AnchoredScanner::new(&triggers).unwrap();
        for (i, tr) in t.triggers.iter().enumerate() {
            let a = match &tr.anchor {
                Anchor::Prefix(l) => format!("prefix x{} min {}", l.len(), min_len(l)),
                Anchor::Inner(l) => format!("inner x{} min {}", l.len(), min_len(l)),
                Anchor::Digits(k) => format!("digits {k}"),
                Anchor::Whole => "WHOLE".into(),
            };
            // One line per trigger but for the thousands of name pairs.
            if i == 0 || t.triggers[i - 1].id != tr.id || !matches!(tr.anchor, Anchor::Prefix(_)) {
                println!("trigger {i:4} detector {:2} {:?} {a}", tr.id, tr.reach);
            }
        }
        let mut c = t.cache();
        let mut got = Vec::new();
        let s = time(|| {
            got.clear();
            t.scan(&mut c, &data, &mut got)
        });
        println!("anchored scanner: {:.1} MB/s, {} hits", mb / s, got.len());
        for (name, ac) in [("exact", &t.exact_ac), ("caseless", &t.caseless_ac)] {
            if let Some((ac, _)) = ac {
                let mut n = 0;
                let s = time(|| n = ac.find_overlapping_iter(&data).count());
                println!(
                    "  literals {name} ({} patterns): {:.1} MB/s, {n} occurrences",
                    ac.patterns_len(),
                    mb / s
                );
            }
        }
        let mut windows: Vec<(usize, usize)> = Vec::new();
        let s = time(|| {
            windows.clear();
            t.byte_windows(&data, &mut windows)
        });
        println!(
            "  byte-class pass: {:.1} MB/s, {} windows",
            mb / s,
            windows.len()
        );
        let union = merge(&mut windows, Reach::Bytes(0), &data);
        let bytes: usize = union.iter().map(|(a, b)| b - a).sum();
        println!("  union of windows: {:.1} MB", bytes as f64 / 1e6);
        if let (Some((dfa, ids)), Some(cache)) = (&t.inner, c.inner.as_mut()) {
            let mut hits = Vec::new();
            let s = time(|| {
                hits.clear();
                for &(lo, hi) in &union {
                    search_all(&mut Lazy::new(dfa, cache), &data, lo, hi, ids, &mut hits);
                }
            });
            println!(
                "  windowed triggers in one automaton: {:.3} s, {} hits",
                s,
                hits.len()
            );
        }
        #[cfg(feature = "hyperscan")]
        {
            let db = crate::hs::Database::new(&triggers).unwrap();
            let mut sc = db.scratch().unwrap();
            let mut want = Vec::new();
            let s = time(|| {
                want.clear();
                db.scan(&mut sc, &data, &mut want).unwrap()
            });
            println!("hyperscan: {:.1} MB/s, {} hits", mb / s, want.len());
            let mut ids: Vec<u32> = triggers.iter().map(|t| t.0).collect();
            ids.dedup();
            for id in ids {
                let sub: Vec<_> = triggers.iter().filter(|t| t.0 == id).cloned().collect();
                let db = crate::hs::Database::new(&sub).unwrap();
                let mut sc = db.scratch().unwrap();
                let mut out = Vec::new();
                let s = time(|| {
                    out.clear();
                    db.scan(&mut sc, &data, &mut out).unwrap()
                });
                println!(
                    "  detector {id:2} alone: {:.1} MB/s, {} hits",
                    mb / s,
                    out.len()
                );
            }
            want.sort_unstable_by_key(|h| (h.end, h.id));
            want.dedup();
            let tiered = crate::tiered::TieredScanner::new(&triggers, None, false).unwrap();
            let mut tc = tiered.cache().unwrap();
            let mut split = Vec::new();
            let cold = time(|| {
                split.clear();
                tiered.scan(&mut tc, &data, &mut split)
            });
            println!("tiered: {:.1} MB/s, {} hits", mb / cold, split.len());
            let [g, d, w] = tiered.tier_seconds(&mut tc, &data);
            println!(
                "  name words {:.0} MB/s, keywords and gaps (Hyperscan) {:.0} MB/s, lazy DFA {:.0} MB/s",
                mb / w,
                mb / g,
                mb / d
            );
            assert!(
                split == want,
                "the tiered scanner's hits differ from Hyperscan's"
            );
            assert_eq!(got.len(), want.len());
            assert!(
                got == want,
                "the anchored scanner's hits differ from Hyperscan's"
            );
        }
    }
}
