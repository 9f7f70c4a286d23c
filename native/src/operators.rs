//! The redaction of a column's values, `Policy.redact_cells`: per row, `redact_value` with
//! the operators `mask`, `replace`, `hash`, `drop` and `keep` of `detectors/operators.py`.
//!
//! A structured scan redacts every value that has a span, and the Python loop (group the
//! spans, look the operator up, slice, mask, join) costs several microseconds a value, a
//! sixth of a Parquet scan. Only ASCII values are handled here, as in `findings.rs`, so
//! Unicode `str.isalnum`, `\w` and `str.strip` stay in Python: a row whose value is not
//! ASCII, whose spans do not all fit it (Python raises, with its message), or whose operator
//! has no port (`tokenize`, `encrypt`; `generalize` of a form only `ipaddress` parses) is
//! answered "fall back", and the caller runs `redact_value` on it.

use hmac::{Hmac, Mac};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use sha2::Sha256;

use crate::findings::{fingerprint, split_at};
use crate::generalize::{generalize, Generalized};

const FULLY_MASKED: &[&str] = &[
    "AWS_ACCESS_KEY",
    "JWT",
    "PRIVATE_KEY",
    "SECRET",
    "CVV",
    "OTP_CODE",
];

/// The `mask` options of one rule, as the policy file gives them (None: not set).
#[derive(Clone, Debug, Default)]
pub struct MaskOptions {
    pub keep_prefix: Option<i64>,
    pub keep_suffix: Option<i64>,
    pub mask_char: Option<String>,
    pub mask_length: Option<i64>,
    pub per_word: bool,
}

/// What a rule's operator does to a span's value.
#[derive(Clone, Debug)]
pub enum Action {
    Mask(MaskOptions),
    /// `replace`: the same text whatever the value.
    Text(String),
    Hash,
    Drop,
    Keep,
    /// `generalize` (`crate::generalize`); a form only Python parses goes back to it.
    Generalize,
    /// An operator without a port: the row goes back to Python.
    Python,
}

/// One span source's rule: its entity type, operator, and the text `Policy.replaced`
/// writes for it (overlapping spans, and an operator refusing a value).
#[derive(Clone, Debug)]
pub struct Rule {
    pub entity: String,
    pub action: Action,
    pub replaced: String,
}

/// A row's spans as the arrays hold them.
#[derive(Clone, Copy, Debug)]
pub struct SpanAt {
    pub start: i64,
    pub end: i64,
    pub source: usize,
    pub score: f64,
}

/// One row's redaction: the new text, None (a dropped whole value), or fall back.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Unchanged,
    Text(String),
    Null,
    Fallback,
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `str.isspace()` on ASCII (Python counts the separators U+001C–U+001F).
fn py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f)
}

/// `_masked`: every letter/digit replaced by `mc`; and how many there were.
fn masked(value: &str, mc: char) -> (String, usize) {
    let mut out = String::with_capacity(value.len());
    let mut n = 0;
    for &b in value.as_bytes() {
        if is_alnum(b) {
            out.push(mc);
            n += 1;
        } else {
            out.push(b as char);
        }
    }
    (out, n)
}

/// `_reveal_ends(value, masked, head, tail)`: `value` with the letters/digits masked
/// except its first `head` and last `tail` (which must not exceed their number).
fn reveal_ends(value: &str, mc: char, mut head: usize, mut tail: usize) -> String {
    let b = value.as_bytes();
    let mut start = 0;
    while head > 0 {
        if is_alnum(b[start]) {
            head -= 1;
        }
        start += 1;
    }
    let mut stop = b.len();
    while tail > 0 {
        stop -= 1;
        if is_alnum(b[stop]) {
            tail -= 1;
        }
    }
    let mut out = String::with_capacity(value.len());
    out.push_str(&value[..start]);
    out.push_str(&masked(&value[start..stop], mc).0);
    out.push_str(&value[stop..]);
    out
}

/// `_fixed_length`: the first `prefix` and last `suffix` letters/digits (with what sits
/// between them) around exactly `length` mask characters.
fn fixed_length(
    value: &str,
    prefix: usize,
    suffix: usize,
    mc: char,
    length: usize,
    fully: bool,
) -> String {
    let positions: Vec<usize> = (0..value.len())
        .filter(|&i| is_alnum(value.as_bytes()[i]))
        .collect();
    let n = positions.len();
    let (prefix, suffix) = if fully || n <= prefix + suffix {
        (0, 0)
    } else {
        (prefix, suffix)
    };
    let head = if prefix > 0 {
        &value[..positions[prefix - 1] + 1]
    } else {
        ""
    };
    let tail = if suffix > 0 {
        &value[positions[n - suffix]..]
    } else {
        ""
    };
    let mut out = String::with_capacity(head.len() + length + tail.len());
    out.push_str(head);
    out.extend(std::iter::repeat_n(mc, length));
    out.push_str(tail);
    out
}

/// `_WORD.sub(f, value)`: each run of letters/digits through `f`, the rest as it is.
fn per_word(value: &str, f: impl Fn(&str) -> String) -> String {
    let b = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < b.len() {
        let j = (i..b.len()).find(|&k| !is_alnum(b[k])).unwrap_or(b.len());
        if j > i {
            out.push_str(&f(&value[i..j]));
            i = j;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// `_NOT_INITIAL.sub(mc, value)`: every letter/digit that continues a word masked.
fn initials(value: &str, mc: char) -> String {
    let mut out = String::with_capacity(value.len());
    let mut prev = false;
    for &b in value.as_bytes() {
        let alnum = is_alnum(b);
        out.push(if alnum && prev { mc } else { b as char });
        prev = alnum;
    }
    out
}

/// `mask(value, entity, **options)` for an ASCII value; None where Python raises
/// OperatorError (options out of range), which the policy turns into `replace`.
pub fn mask(value: &str, entity: &str, o: &MaskOptions) -> Option<String> {
    let mc = match &o.mask_char {
        None => 'X',
        Some(s) => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return None,
            }
        }
    };
    let (dp, ds) = if entity == "CREDIT_CARD" {
        (0, 4)
    } else {
        (2, 2)
    };
    let prefix = usize::try_from(o.keep_prefix.unwrap_or(dp)).ok()?;
    let suffix = usize::try_from(o.keep_suffix.unwrap_or(ds)).ok()?;
    let length = match o.mask_length {
        Some(l) if l < 1 => return None,
        Some(l) => Some(usize::try_from(l).ok()?),
        None => None,
    };
    let fully_entity = FULLY_MASKED.contains(&entity);
    if o.per_word && !fully_entity {
        return Some(match length {
            Some(l) => per_word(value, |w| fixed_length(w, prefix, 0, mc, l, false)),
            None => per_word(value, |w| {
                let keep = prefix.min(w.len());
                let mut s = String::with_capacity(w.len());
                s.push_str(&w[..keep]);
                s.extend(std::iter::repeat_n(mc, w.len() - keep));
                s
            }),
        });
    }
    let n = value.bytes().filter(|&b| is_alnum(b)).count();
    let fully = fully_entity || n <= 4;
    if let Some(l) = length {
        return Some(mask_fixed(value, entity, prefix, suffix, mc, l, fully));
    }
    if fully {
        return Some(masked(value, mc).0);
    }
    if let Some((local, domain)) = split_at(value, entity) {
        // The prefix is kept only when at least as many characters stay masked.
        let n_local = local.bytes().filter(|&b| is_alnum(b)).count();
        let head = if 2 * prefix < n_local { prefix } else { 0 };
        return Some(reveal_ends(local, mc, head, 0) + domain);
    }
    if entity == "PERSON" {
        return Some(initials(value, mc));
    }
    if prefix + suffix >= n {
        return Some(masked(value, mc).0);
    }
    Some(reveal_ends(value, mc, prefix, suffix))
}

/// `_mask_fixed`: `mask` with `mask_length`.
fn mask_fixed(
    value: &str,
    entity: &str,
    prefix: usize,
    suffix: usize,
    mc: char,
    length: usize,
    fully: bool,
) -> String {
    if let Some((local, domain)) = split_at(value, entity) {
        return fixed_length(local, prefix, 0, mc, length, fully) + domain;
    }
    if entity == "PERSON" && !fully {
        return per_word(value, |w| fixed_length(w, 1, 0, mc, length, false));
    }
    fixed_length(value, prefix, suffix, mc, length, fully)
}

/// `Policy.replacement` of one span's value: None when the operator has no port.
fn replacement(value: &str, rule: &Rule, keyed: &Hmac<Sha256>) -> Option<String> {
    Some(match &rule.action {
        Action::Mask(o) => mask(value, &rule.entity, o).unwrap_or_else(|| rule.replaced.clone()),
        Action::Text(t) => t.clone(),
        Action::Hash => format!(
            "HASH[{}:{}]",
            rule.entity,
            fingerprint(keyed, &rule.entity, value)
        ),
        Action::Drop => String::new(),
        Action::Keep => value.to_string(),
        Action::Generalize => match generalize(value, &rule.entity) {
            Generalized::Text(t) => t,
            Generalized::Refused => rule.replaced.clone(),
            Generalized::Fallback => return None,
        },
        Action::Python => return None,
    })
}

/// `Policy.redact_value` of an ASCII `value` with its spans (`rules` indexed by source,
/// every source checked to be in range by the caller).
pub fn redact_row(
    value: &str,
    spans: &[SpanAt],
    rules: &[Rule],
    threshold: f64,
    keyed: &Hmac<Sha256>,
) -> Outcome {
    let len = value.len() as i64;
    if spans
        .iter()
        .any(|s| !(0 <= s.start && s.start < s.end && s.end <= len))
    {
        return Outcome::Fallback; // _check_fits raises, or not, in Python's order
    }
    let b = value.as_bytes();
    let whole = |s: &SpanAt| {
        b[..s.start as usize].iter().all(|&c| py_space(c))
            && b[s.end as usize..].iter().all(|&c| py_space(c))
    };
    if spans
        .iter()
        .any(|s| s.score >= threshold && matches!(rules[s.source].action, Action::Drop) && whole(s))
    {
        return Outcome::Null;
    }
    let mut kept: Vec<&SpanAt> = spans.iter().filter(|s| s.score >= threshold).collect();
    if kept.is_empty() {
        return Outcome::Unchanged;
    }
    kept.sort_by_key(|s| (s.start, -s.end)); // stable, as Python's sorted
    let mut out = String::with_capacity(value.len() + 16);
    let mut cursor = 0usize;
    let mut i = 0;
    while i < kept.len() {
        let (start, mut end) = (kept[i].start as usize, kept[i].end as usize);
        let mut top = kept[i];
        let mut j = i + 1;
        while j < kept.len() && (kept[j].start as usize) < end {
            end = end.max(kept[j].end as usize);
            if kept[j].score > top.score {
                top = kept[j];
            }
            j += 1;
        }
        let new = if j - i == 1 {
            match replacement(&value[start..end], &rules[top.source], keyed) {
                Some(t) => t,
                None => return Outcome::Fallback,
            }
        } else {
            rules[top.source].replaced.clone()
        };
        out.push_str(&value[cursor..start]);
        out.push_str(&new);
        cursor = end;
        i = j;
    }
    out.push_str(&value[cursor..]);
    Outcome::Text(out)
}

/// One plan entry from Python: (entity, action, keep_prefix, keep_suffix, mask_char,
/// mask_length, per_word, replace text, replaced text).
type PlanEntry = (
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    bool,
    String,
    String,
);

fn rule_of(entry: PlanEntry) -> Rule {
    let (
        entity,
        action,
        keep_prefix,
        keep_suffix,
        mask_char,
        mask_length,
        per_word,
        text,
        replaced,
    ) = entry;
    let action = match action.as_str() {
        "mask" => Action::Mask(MaskOptions {
            keep_prefix,
            keep_suffix,
            mask_char,
            mask_length,
            per_word,
        }),
        "replace" => Action::Text(text),
        "hash" => Action::Hash,
        "drop" => Action::Drop,
        "keep" => Action::Keep,
        "generalize" => Action::Generalize,
        _ => Action::Python,
    };
    Rule {
        entity,
        action,
        replaced,
    }
}

/// Native-endian fixed-width numbers from a numpy array's bytes.
fn numbers<const W: usize, T>(raw: &[u8], what: &str, f: fn([u8; W]) -> T) -> PyResult<Vec<T>> {
    if !raw.len().is_multiple_of(W) {
        return Err(PyValueError::new_err(format!(
            "{what}: {} bytes is not a whole number of {W}-byte items",
            raw.len()
        )));
    }
    Ok(raw
        .chunks_exact(W)
        .map(|c| f(c.try_into().expect("chunk of W bytes")))
        .collect())
}

/// The spans of a column as `ColumnSpans` holds them, checked for consistency.
fn column_spans(
    bounds: &[u8],
    starts: &[u8],
    ends: &[u8],
    sources: &[u8],
    scores: &[u8],
    n_rules: usize,
) -> PyResult<(Vec<i64>, Vec<SpanAt>)> {
    let bounds = numbers(bounds, "bounds", i64::from_ne_bytes)?;
    let starts = numbers(starts, "starts", i64::from_ne_bytes)?;
    let ends = numbers(ends, "ends", i64::from_ne_bytes)?;
    let sources = numbers(sources, "sources", i32::from_ne_bytes)?;
    let scores = numbers(scores, "scores", f64::from_ne_bytes)?;
    let n = starts.len();
    if ends.len() != n || sources.len() != n || scores.len() != n {
        return Err(PyValueError::new_err("span arrays differ in length"));
    }
    let ordered = bounds.windows(2).all(|w| w[0] <= w[1]);
    if bounds.is_empty() || bounds[0] != 0 || !ordered || *bounds.last().unwrap() != n as i64 {
        return Err(PyValueError::new_err(
            "bounds must ascend from 0 to the number of spans",
        ));
    }
    let mut spans = Vec::with_capacity(n);
    for k in 0..n {
        let source = usize::try_from(sources[k])
            .ok()
            .filter(|&s| s < n_rules)
            .ok_or_else(|| {
                PyValueError::new_err(format!("span source {} has no rule", sources[k]))
            })?;
        spans.push(SpanAt {
            start: starts[k],
            end: ends[k],
            source,
            score: scores[k],
        });
    }
    Ok((bounds, spans))
}

/// `Policy.redact_cells`: the redacted value of each row (`values[j]` with the spans
/// `bounds[j]..bounds[j + 1]` of the arrays, numpy bytes), and the rows Python must answer
/// (their slot in the list is None). `plan` holds one rule per span source.
#[pyfunction]
#[pyo3(signature = (values, bounds, starts, ends, sources, scores, plan, threshold, fingerprint_key))]
#[allow(clippy::too_many_arguments)]
pub fn redact_cells<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyList>,
    bounds: &[u8],
    starts: &[u8],
    ends: &[u8],
    sources: &[u8],
    scores: &[u8],
    plan: Vec<PlanEntry>,
    threshold: f64,
    fingerprint_key: &[u8],
) -> PyResult<(Bound<'py, PyList>, Vec<usize>)> {
    let rules: Vec<Rule> = plan.into_iter().map(rule_of).collect();
    let (bounds, spans) = column_spans(bounds, starts, ends, sources, scores, rules.len())?;
    if values.len() + 1 != bounds.len() {
        return Err(PyValueError::new_err(format!(
            "{} values for {} rows with spans",
            values.len(),
            bounds.len() - 1
        )));
    }
    let keyed = Hmac::<Sha256>::new_from_slice(fingerprint_key)
        .map_err(|_| PyValueError::new_err("bad fingerprint key"))?;
    let mut out = Vec::with_capacity(values.len());
    let mut fallback = Vec::new();
    for (j, item) in values.iter().enumerate() {
        if item.is_none() {
            out.push(item);
            continue;
        }
        let text = item
            .downcast::<PyString>()
            .ok()
            .and_then(|s| s.to_str().ok())
            .filter(|t| t.is_ascii());
        let Some(text) = text else {
            fallback.push(j);
            out.push(py.None().into_bound(py));
            continue;
        };
        let row = &spans[bounds[j] as usize..bounds[j + 1] as usize];
        match redact_row(text, row, &rules, threshold, &keyed) {
            Outcome::Unchanged => out.push(item),
            Outcome::Text(t) => out.push(PyString::new(py, &t).into_any()),
            Outcome::Null => out.push(py.None().into_bound(py)),
            Outcome::Fallback => {
                fallback.push(j);
                out.push(py.None().into_bound(py));
            }
        }
    }
    Ok((PyList::new(py, out)?, fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> MaskOptions {
        MaskOptions::default()
    }

    #[test]
    fn when_masked_with_defaults_then_python_forms() {
        let m = |v: &str, e: &str| mask(v, e, &opts()).unwrap();
        assert_eq!(m("9876543210", "PHONE_NUMBER"), "98XXXXXX10");
        assert_eq!(m("jo@example.com", "EMAIL_ADDRESS"), "XX@example.com");
        assert_eq!(
            m("ravi.kumar%40gmail.com", "EMAIL_ADDRESS"),
            "raXX.XXXXX%40gmail.com"
        );
        assert_eq!(m("Mary-Jane Rao", "PERSON"), "MXXX-JXXX RXX");
        assert_eq!(
            m("4111 1111 1111 1111", "CREDIT_CARD"),
            "XXXX XXXX XXXX 1111"
        );
        assert_eq!(m("1234", "PHONE_NUMBER"), "XXXX");
    }

    #[test]
    fn when_masked_with_options_then_python_forms() {
        let o = MaskOptions {
            keep_prefix: Some(1),
            per_word: true,
            mask_length: Some(2),
            ..opts()
        };
        assert_eq!(mask("John Smith", "PERSON", &o).unwrap(), "JXX SXX");
        let o = MaskOptions {
            mask_length: Some(3),
            ..opts()
        };
        assert_eq!(
            mask("ravi.kumar%2540gmail.com", "EMAIL_ADDRESS", &o).unwrap(),
            "raXXX%2540gmail.com"
        );
        let o = MaskOptions {
            keep_prefix: Some(6),
            keep_suffix: Some(4),
            mask_char: Some("•".into()),
            ..opts()
        };
        assert_eq!(
            mask("4111-1111-1111-1111", "CREDIT_CARD", &o).unwrap(),
            "4111-11••-••••-1111"
        );
        let bad = MaskOptions {
            mask_char: Some("ab".into()),
            ..opts()
        };
        assert_eq!(mask("4111", "CREDIT_CARD", &bad), None);
    }

    #[test]
    fn when_spans_overlap_then_the_union_is_replaced_as_the_top_entity() {
        let rules = vec![
            Rule {
                entity: "A".into(),
                action: Action::Keep,
                replaced: "[A]".into(),
            },
            Rule {
                entity: "B".into(),
                action: Action::Drop,
                replaced: "[B]".into(),
            },
        ];
        let keyed = Hmac::<Sha256>::new_from_slice(b"k").unwrap();
        let at = |start, end, source, score| SpanAt {
            start,
            end,
            source,
            score,
        };
        let spans = [at(2, 5, 0, 0.6), at(4, 8, 1, 0.9), at(9, 10, 0, 0.1)];
        assert_eq!(
            redact_row("0123456789", &spans, &rules, 0.5, &keyed),
            Outcome::Text("01[B]89".into())
        );
        assert_eq!(
            redact_row(" 12 ", &[at(1, 3, 1, 0.5)], &rules, 0.5, &keyed),
            Outcome::Null
        );
        assert_eq!(
            redact_row("12", &[at(1, 3, 1, 0.1)], &rules, 0.5, &keyed),
            Outcome::Fallback
        );
    }
}
