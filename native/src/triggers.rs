//! The trigger pass: every trigger of every detector in one pass over a whole buffer.
//!
//! Hyperscan's semantics, which the Python engine relies on, are kept: every end offset at
//! which some match of a trigger ends is reported (overlapping matches too), and classes are
//! ASCII (`\w`, `\d`, `\b`, case folding), over raw bytes. A lazy DFA compiled from all
//! triggers at once, searched in "all matches, overlapping" mode, gives exactly that.

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind};

pub struct Triggers {
    dfa: DFA,
    /// Detector id of each compiled pattern.
    ids: Vec<u32>,
}

/// One trigger hit: the detector it belongs to and the end of the match (exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub id: u32,
    pub end: usize,
}

impl Triggers {
    /// `triggers`: (detector id, regex, caseless).
    pub fn new(triggers: &[(u32, String, bool)]) -> Result<Triggers, String> {
        let patterns: Vec<String> = triggers
            .iter()
            .map(|(_, rx, caseless)| {
                if *caseless {
                    format!("(?i:{rx})")
                } else {
                    format!("(?:{rx})")
                }
            })
            .collect();
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(64 << 20)
                    .minimum_cache_clear_count(None),
            )
            .syntax(
                syntax::Config::new()
                    .unicode(false)
                    .utf8(false)
                    .multi_line(true),
            )
            .build_many(&patterns)
            .map_err(|e| format!("a trigger does not compile: {e}"))?;
        Ok(Triggers {
            dfa,
            ids: triggers.iter().map(|t| t.0).collect(),
        })
    }

    pub fn cache(&self) -> Cache {
        self.dfa.create_cache()
    }

    /// All hits in `data`, in order of their end offset.
    pub fn scan(&self, cache: &mut Cache, data: &[u8], out: &mut Vec<Hit>) {
        let input = Input::new(data);
        let mut state = OverlappingState::start();
        loop {
            if self
                .dfa
                .try_search_overlapping_fwd(cache, &input, &mut state)
                .is_err()
            {
                // Never happens without a cache-clear limit; stay correct if it does.
                break;
            }
            match state.get_match() {
                None => break,
                Some(m) => out.push(Hit {
                    id: self.ids[m.pattern().as_usize()],
                    end: m.offset(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_matches_overlap_then_every_end_reported() {
        let t = Triggers::new(&[(0, r"\d{3}".into(), false), (1, "ab".into(), true)]).unwrap();
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
}
