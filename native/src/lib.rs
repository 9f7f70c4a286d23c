//! piisweep's compiled detection core, as the Python module `detectors._native`.
//!
//! The Python engine (`detectors/engine.py`) is the reference; `Core` runs the same
//! detectors, built from the same Python definitions (their pattern strings, words, hints
//! and reaches), through the same steps, and returns the same spans. Python is called back
//! only for validators that have no port in `validators.rs`.

mod checksums;
mod column;
mod context;
// The interleaved walk and the dense DFA serve the tiered pass, which needs Hyperscan.
#[cfg_attr(not(feature = "hyperscan"), allow(dead_code))]
mod dfawalk;
mod engine;
mod findings;
mod generalize;
#[cfg(feature = "hyperscan")]
mod hs;
mod jsonwalk;
mod lines;
mod masked;
mod operators;
mod overlaps;
mod pcre;
mod pqmerge;
mod prefilter;
mod pyre;
mod rows;
mod text;
#[cfg(feature = "hyperscan")]
mod tiered;
mod triggers;
mod urlenc;
mod validators;
mod words;

use std::collections::HashSet;
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

use engine::{Detector, Engine, Host, Line};
use overlaps::Span;
use prefilter::Prefilter;
use triggers::Triggers;
use validators::Validator;

fn compile(pattern: &str, flags: u32) -> PyResult<pyre::Pattern> {
    pyre::compile(pattern, flags).map_err(PyValueError::new_err)
}

/// A word list of the spec (`(lower-cased words, joiners)` or None), see [`words::Words`].
fn opt_words(spec: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<words::Words>> {
    match get::<Option<(Vec<String>, String)>>(spec, key)? {
        Some((list, joiners)) => Ok(Some(
            words::Words::new(&list, &joiners).map_err(PyValueError::new_err)?,
        )),
        None => Ok(None),
    }
}

fn get<'py, T: FromPyObject<'py>>(spec: &Bound<'py, PyDict>, key: &str) -> PyResult<T> {
    spec.get_item(key)?
        .ok_or_else(|| PyValueError::new_err(format!("detector spec lacks {key:?}")))?
        .extract()
}

/// Calls back into Python for validators without a port, with the line as the reference
/// engine sees it (decoded with surrogateescape), converted once per line.
struct PyHost<'py> {
    py: Python<'py>,
    validators: &'py [Option<PyObject>],
    allow: Option<&'py PyObject>,
    line: Option<(u64, Bound<'py, PyString>)>,
}

fn py_str<'py>(py: Python<'py>, text: &str) -> Bound<'py, PyString> {
    if text.is_ascii() || !text.chars().any(|c| (c as u32) >= 0x10FF00) {
        return PyString::new(py, text);
    }
    let raw = text::encode(text);
    // SAFETY: the pointer and length describe `raw`, alive for the call; the C API returns a
    // new reference or NULL with an exception set.
    unsafe {
        let ptr = pyo3::ffi::PyUnicode_DecodeUTF8(
            raw.as_ptr() as *const std::os::raw::c_char,
            raw.len() as isize,
            c"surrogateescape".as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)
            .map(|o| o.downcast_into_unchecked::<PyString>())
            .unwrap_or_else(|_| PyString::new(py, text))
    }
}

impl Host for PyHost<'_> {
    fn call(
        &mut self,
        det: usize,
        value: &str,
        line: &Line,
        start: usize,
        end: usize,
    ) -> Option<f64> {
        let f = self.validators.get(det)?.as_ref()?;
        if PyErr::occurred(self.py) {
            return None; // an earlier hook raised: keep its exception, call no more hooks
        }
        let pyline = match &self.line {
            Some((id, s)) if *id == line.id => s.clone(),
            _ => {
                let s = py_str(self.py, line.text);
                self.line = Some((line.id, s.clone()));
                s
            }
        };
        let args = (
            py_str(self.py, value),
            pyline,
            line.pos.cp(start),
            line.pos.cp(end),
        );
        match f.call1(self.py, args) {
            Ok(r) if r.is_none(self.py) => None,
            Ok(r) => r.extract::<f64>(self.py).ok(),
            Err(e) => {
                // A hook that raises rejects its candidate, like a validator returning None;
                // the error is kept for the caller to raise after the scan.
                e.restore(self.py);
                None
            }
        }
    }

    fn allowed_by_pattern(&mut self, value: &str) -> bool {
        match self.allow {
            Some(f) => f
                .call1(self.py, (py_str(self.py, value),))
                .map(|r| r.is_truthy(self.py).unwrap_or(false))
                .unwrap_or(false),
            None => false,
        }
    }
}

#[pyclass(module = "detectors._native")]
struct Core {
    engine: Engine,
    validators: Vec<Option<PyObject>>,
    allow: Option<PyObject>,
    cache: Mutex<engine::Scratch>,
}

fn spans_list<'py>(py: Python<'py>, spans: &[Span]) -> PyResult<Bound<'py, PyList>> {
    let items = spans.iter().map(|s| (s.det, s.start, s.end, s.score));
    PyList::new(py, items)
}

impl Core {
    /// What one scan call needs: the host for Python callbacks and the scratch space.
    fn session<'py>(
        &'py self,
        py: Python<'py>,
    ) -> PyResult<(PyHost<'py>, std::sync::MutexGuard<'py, engine::Scratch>)> {
        let host = PyHost {
            py,
            validators: &self.validators,
            allow: self.allow.as_ref(),
            line: None,
        };
        let cache = self
            .cache
            .lock()
            .map_err(|_| PyValueError::new_err("engine cache poisoned"))?;
        Ok((host, cache))
    }
}

#[pymethods]
impl Core {
    /// `detectors`: one dict per detector (see `detectors/native.py`); `names`: (entity type,
    /// detector name) of every span source, detectors first, in their order; `pem_det`: the
    /// index in `names` of the span a private key's body lines get.
    #[new]
    #[pyo3(signature = (detectors, names, pem_det, urlenc_trigger, threshold, allow_values, allow_hook=None, scanner="auto", compiled=None, dense=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        detectors: Vec<Bound<'_, PyDict>>,
        names: Vec<(String, String)>,
        pem_det: usize,
        urlenc_trigger: String,
        threshold: f64,
        allow_values: Vec<String>,
        allow_hook: Option<PyObject>,
        scanner: &str,
        compiled: Option<&[u8]>,
        dense: bool,
    ) -> PyResult<Core> {
        let mut dets = Vec::with_capacity(detectors.len());
        let mut validators = Vec::with_capacity(detectors.len());
        let mut triggers: Vec<(u32, String, bool)> = Vec::new();
        for (i, spec) in detectors.iter().enumerate() {
            let pattern: String = get(spec, "pattern")?;
            let flags: u32 = get(spec, "flags")?;
            let regex = compile(&pattern, flags)?;
            let groups: Vec<usize> = get(spec, "groups")?;
            if let Some(g) = groups.iter().find(|&&g| g >= regex.captures_len()) {
                return Err(PyValueError::new_err(format!(
                    "group {g} not in the pattern"
                )));
            }
            let kind: Option<String> = get(spec, "validator")?;
            let hook: Option<PyObject> = get(spec, "hook")?;
            let validator = match kind.as_deref() {
                None => Validator::None,
                Some("python") => Validator::Python,
                Some(name) => match (validators::builtin(name), validators::screen(name)) {
                    (Some(f), _) => Validator::Builtin(f),
                    (None, Some(s)) => Validator::Screened(s),
                    (None, None) => Validator::Python,
                },
            };
            if matches!(validator, Validator::Python | Validator::Screened(_)) && hook.is_none() {
                return Err(PyValueError::new_err("a Python validator needs its hook"));
            }
            validators.push(hook);
            let prefilter = match get::<Option<String>>(spec, "prefilter")?.as_deref() {
                Some("aadhaar") => Prefilter::Aadhaar,
                Some("luhn_plain") => Prefilter::LuhnPlain,
                _ => Prefilter::None,
            };
            for (rx, caseless) in get::<Vec<(String, bool)>>(spec, "triggers")? {
                triggers.push((i as u32, rx, caseless));
            }
            dets.push(Detector {
                entity: get(spec, "entity_type")?,
                pattern: regex,
                groups,
                score: get(spec, "score")?,
                validator,
                context: opt_words(spec, "context_words")?,
                negative: opt_words(spec, "negative_words")?,
                negative_keys: opt_words(spec, "negative_key_words")?,
                field_hints: get(spec, "field_hints")?,
                context_required: get(spec, "context_required")?,
                reach: get(spec, "reach")?,
                prefilter,
                width: get(spec, "width")?,
                field_value: match get::<Option<String>>(spec, "field_value")? {
                    Some(p) => Some(
                        pyre::compile_full(&p, get(spec, "field_flags")?)
                            .map_err(PyValueError::new_err)?,
                    ),
                    None => None,
                },
                field_score: get(spec, "field_score")?,
            });
        }
        let urlenc_id = dets.len();
        triggers.push((urlenc_id as u32, urlenc_trigger, false));
        // Compiling takes seconds where nothing is cached (a Hyperscan database, the dense
        // DFA): other Python threads (a notebook's, Py4J's callbacks) run meanwhile.
        let triggers = py
            .allow_threads(|| Triggers::new(&triggers, scanner, compiled, dense))
            .map_err(PyValueError::new_err)?;
        // Ranks of (entity type, detector name): the tie-break order of overlapping spans.
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]));
        let mut ranks = vec![0u32; names.len()];
        for (r, &i) in order.iter().enumerate() {
            ranks[i] = r as u32;
        }
        let engine = Engine {
            detectors: dets,
            ranks,
            triggers,
            urlenc_id,
            pem_det,
            threshold,
            allow_values: allow_values.into_iter().collect::<HashSet<_>>(),
            has_python_allow: allow_hook.is_some(),
        };
        let cache = Mutex::new(engine.scratch().map_err(PyValueError::new_err)?);
        Ok(Core {
            engine,
            validators,
            allow: allow_hook,
            cache,
        })
    }

    /// Spans of one string scanned whole: [(detector index, start, end, score)].
    #[pyo3(signature = (data, field=None))]
    fn scan_text<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        field: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (mut host, mut cache) = self.session(py)?;
        let spans = self.engine.scan_whole(&mut cache, &mut host, data, field);
        if let Some(err) = PyErr::take(py) {
            return Err(err);
        }
        spans_list(py, &spans)
    }

    /// Lines of a buffer with spans: ([(line index, lo, hi, spans)], PEM block still open).
    #[pyo3(signature = (data, field=None, in_pem=false))]
    fn scan_buffer<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        field: Option<&str>,
        in_pem: bool,
    ) -> PyResult<(Bound<'py, PyList>, bool)> {
        let (mut host, mut cache) = self.session(py)?;
        let (lines, open) = self
            .engine
            .scan_buffer(&mut cache, &mut host, data, field, in_pem);
        if let Some(err) = PyErr::take(py) {
            return Err(err);
        }
        let out = PyList::empty(py);
        for l in &lines {
            out.append((l.line, l.lo, l.hi, spans_list(py, cache.spans_of(l))?))?;
        }
        Ok((out, open))
    }

    /// A whole column, its values joined by `\n` in `data`: the buffer pass with `field`
    /// as context plus the whole-value candidates of the detectors `field_ids` (those the
    /// field's name applies to, decided in Python), resolved per row. `overrides`: (row,
    /// value as UTF-8 with surrogateescape) where a value's line break became a space.
    /// Returns rows, starts, ends (int64), sources (int32) and scores (float64) as native
    /// byte order bytearrays, one entry per span: no Python object per finding.
    #[pyo3(signature = (data, field=None, field_ids=Vec::new(), overrides=Vec::new()))]
    #[allow(clippy::type_complexity)]
    fn scan_column<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        field: Option<&str>,
        field_ids: Vec<usize>,
        overrides: Vec<(usize, Vec<u8>)>,
    ) -> PyResult<(
        Bound<'py, PyByteArray>,
        Bound<'py, PyByteArray>,
        Bound<'py, PyByteArray>,
        Bound<'py, PyByteArray>,
        Bound<'py, PyByteArray>,
    )> {
        if let Some(&bad) = field_ids
            .iter()
            .find(|&&i| i >= self.engine.detectors.len())
        {
            return Err(PyValueError::new_err(format!("no detector {bad}")));
        }
        let overrides: Vec<(usize, std::borrow::Cow<'_, str>)> = overrides
            .iter()
            .map(|(row, raw)| (*row, text::decode(raw)))
            .collect();
        let (mut host, mut cache) = self.session(py)?;
        let flat = self
            .engine
            .scan_column(&mut cache, &mut host, data, field, &field_ids, &overrides);
        if let Some(err) = PyErr::take(py) {
            return Err(err);
        }
        Ok((
            rows::ne_bytearray(py, &flat.rows, i64::to_ne_bytes)?,
            rows::ne_bytearray(py, &flat.starts, i64::to_ne_bytes)?,
            rows::ne_bytearray(py, &flat.ends, i64::to_ne_bytes)?,
            rows::ne_bytearray(py, &flat.sources, i32::to_ne_bytes)?,
            rows::ne_bytearray(py, &flat.scores, f64::to_ne_bytes)?,
        ))
    }

    /// `scan_buffer`'s spans flat, for `piisweep detect` on text (`rows.rs`): ([`rows::COLS`]
    /// int64 per span, float64 scores, both as native-endian bytes; PEM block still open).
    #[pyo3(signature = (data, in_pem=false))]
    #[allow(clippy::type_complexity)]
    fn scan_buffer_flat<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        in_pem: bool,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, bool)> {
        let (mut host, mut cache) = self.session(py)?;
        let (lines, open) = self
            .engine
            .scan_buffer(&mut cache, &mut host, data, None, in_pem);
        if let Some(err) = PyErr::take(py) {
            return Err(err);
        }
        let (ints, scores) = rows::flatten(py, data, &lines, &cache)?;
        Ok((ints, scores, open))
    }

    /// The compiled trigger scanner, for a cache; None when there is nothing (new) to keep.
    fn compiled<'py>(&self, py: Python<'py>) -> Option<Bound<'py, pyo3::types::PyBytes>> {
        self.engine
            .triggers
            .serialized()
            .map(|b| pyo3::types::PyBytes::new(py, &b))
    }

    /// The tiered pass's DFA tier: "dense" (built, or loaded from the payload) or "lazy";
    /// None for the other scanners.
    #[getter]
    fn trigger_dfa(&self) -> Option<&'static str> {
        self.engine.triggers.dfa_kind()
    }

    /// The trigger scanner in use: "tiered", "hyperscan" or "anchored".
    #[getter]
    fn scanner(&self) -> &'static str {
        self.engine.triggers.name()
    }

    /// The trigger pass and the checksum prefilters alone: (hits, hits kept).
    fn trigger_pass(&self, data: &[u8]) -> PyResult<(usize, usize)> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| PyValueError::new_err("engine cache poisoned"))?;
        let mut hits = Vec::new();
        self.engine
            .triggers
            .scan(&mut cache.triggers, data, &mut hits);
        let total = hits.len();
        hits.retain(|h| {
            self.engine
                .detectors
                .get(h.id as usize)
                .is_none_or(|d| d.prefilter.keep(data, h.end))
        });
        Ok((total, hits.len()))
    }
}

/// Give the validators their word lists (`{"first_names": [...], ...}`); the first call wins,
/// as the lists are the same for every engine of a process.
#[pyfunction]
fn set_dictionaries(lists: std::collections::HashMap<String, Vec<String>>) {
    validators::set_dictionaries(lists);
}

/// Whether a context word list (`detectors.registry._words_regex`'s words and joiners)
/// matches in `text`, as the engine scores with it: for the tests that hold it to the regex.
#[pyfunction]
fn words_match(words: Vec<String>, joiners: &str, text: &str) -> PyResult<bool> {
    Ok(words::Words::new(&words, joiners)
        .map_err(PyValueError::new_err)?
        .is_match(text))
}

/// `detectors.columns.joined_buffer` in one pass (`column::join_values`): a string array's
/// `len` values from its `len + 1` value offsets (int64 when `wide`, else int32, native
/// order) and `data`, the data buffer from the first value's start on, joined by `\n`,
/// line breaks inside a value made spaces, and the rows of the values that held one.
/// Offsets that do not ascend, or reach past `data`, are refused.
#[pyfunction]
fn joined_values<'py>(
    py: Python<'py>,
    data: &[u8],
    offsets: &[u8],
    wide: bool,
    len: usize,
) -> PyResult<(Bound<'py, PyBytes>, Vec<usize>)> {
    let width = if wide { 8 } else { 4 };
    let need = len.checked_add(1).and_then(|n| n.checked_mul(width));
    if need.is_none_or(|need| offsets.len() < need) {
        return Err(PyValueError::new_err("offsets buffer too short"));
    }
    let at = |i: usize| -> i64 {
        let raw = &offsets[i * width..(i + 1) * width];
        if wide {
            i64::from_ne_bytes(raw.try_into().unwrap())
        } else {
            i64::from(i32::from_ne_bytes(raw.try_into().unwrap()))
        }
    };
    let first = at(0);
    let mut cuts = Vec::with_capacity(len + 1);
    for i in 0..=len {
        let v = at(i) - first;
        let ok = v >= 0
            && (v as usize) <= data.len()
            && cuts.last().is_none_or(|&p: &usize| p <= v as usize);
        if !ok {
            return Err(PyValueError::new_err(
                "offsets do not ascend within the data",
            ));
        }
        cuts.push(v as usize);
    }
    let mut broken = Vec::new();
    let joined = PyBytes::new_with(py, column::joined_len(&cuts), |out| {
        column::join_values(data, &cuts, out, &mut broken);
        Ok(())
    })?;
    Ok((joined, broken))
}

/// The leaves of a block of JSON Lines records (`jsonwalk`): per line whether it was
/// walked (uint8), per leaf its line and field (int32, -1 for none), the fields' names, and
/// the leaves' texts and paths as Arrow `large_string` data and int64 offsets.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn json_leaves<'py>(
    py: Python<'py>,
    block: &[u8],
) -> PyResult<(
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Vec<String>,
    (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
)> {
    let out = jsonwalk::walk_block(block);
    Ok((
        PyBytes::new(py, &out.walked),
        rows::ne_bytes(py, &out.line, i32::to_ne_bytes)?,
        rows::ne_bytes(py, &out.field, i32::to_ne_bytes)?,
        out.fields,
        (
            PyBytes::new(py, &out.texts),
            rows::ne_bytes(py, &out.text_offsets, i64::to_ne_bytes)?,
        ),
        (
            PyBytes::new(py, &out.paths),
            rows::ne_bytes(py, &out.path_offsets, i64::to_ne_bytes)?,
        ),
    ))
}

/// A finding's value as the core digests it: an ASCII `str`; None leaves it to Python
/// (non-ASCII, whose normalisation is Python's, or not valid Unicode: a surrogate escape).
fn ascii_text<'a>(value: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    value
        .downcast::<PyString>()
        .ok()
        .and_then(|s| s.to_str().ok())
        .filter(|t| t.is_ascii())
}

/// Fingerprints and previews of a batch of findings, `None` where a value is not ASCII
/// (or not valid Unicode: a surrogate-escaped byte) and Python's functions must answer.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn fingerprints_previews(
    entities: Vec<String>,
    values: Vec<Bound<'_, PyAny>>,
    key: &[u8],
) -> PyResult<(Vec<Option<String>>, Vec<Option<String>>)> {
    use hmac::Mac;
    let keyed = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
        .map_err(|_| pyo3::exceptions::PyValueError::new_err("bad fingerprint key"))?;
    let mut fps = Vec::with_capacity(values.len());
    let mut previews = Vec::with_capacity(values.len());
    for (entity, value) in entities.iter().zip(&values) {
        match ascii_text(value) {
            Some(t) => {
                fps.push(Some(findings::fingerprint(&keyed, entity, t)));
                previews.push(Some(findings::preview(t, entity)));
            }
            None => {
                fps.push(None);
                previews.push(None);
            }
        }
    }
    Ok((fps, previews))
}

/// `fingerprints_previews` for a column of findings, as Arrow `string` buffers instead of a
/// Python string per value and per output: `sources` (int32, native order) picks each
/// value's entity type from `entities`. Returns the fingerprints' data (64 hex bytes each),
/// the previews' int32 offsets and data, and the indexes of the values left to Python
/// (not ASCII, or not valid Unicode), whose slots hold zeros and an empty preview.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn digest_columns<'py>(
    py: Python<'py>,
    sources: &[u8],
    entities: Vec<String>,
    values: &Bound<'py, PyList>,
    key: &[u8],
) -> PyResult<(
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Vec<usize>,
)> {
    use hmac::Mac;
    let n = values.len();
    if sources.len() != n * 4 {
        return Err(PyValueError::new_err("one source per value"));
    }
    let keyed = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
        .map_err(|_| PyValueError::new_err("bad fingerprint key"))?;
    if n * 64 > i32::MAX as usize {
        return Err(PyValueError::new_err(
            "fingerprints exceed 2 GiB: pass fewer values",
        ));
    }
    let mut offsets: Vec<i32> = Vec::with_capacity(n + 1);
    let mut previews: Vec<u8> = Vec::with_capacity(n * 16);
    let mut missing = Vec::new();
    let mut scratch = String::new();
    offsets.push(0);
    // The fingerprints are written straight into the bytes returned: a Vec copied into
    // them cost a second pass over 64 bytes a finding and its pages' first touch.
    let fps = PyBytes::new_with(py, n * 64, |fps| {
        for (i, value) in values.iter().enumerate() {
            let source = i32::from_ne_bytes(sources[i * 4..i * 4 + 4].try_into().unwrap());
            let entity = usize::try_from(source)
                .ok()
                .and_then(|s| entities.get(s))
                .ok_or_else(|| PyValueError::new_err("source out of range"))?;
            let slot: &mut [u8; 64] = (&mut fps[i * 64..i * 64 + 64]).try_into().unwrap();
            match ascii_text(&value) {
                Some(t) => {
                    findings::fingerprint_into(&keyed, entity, t, slot, &mut scratch);
                    findings::preview_into(t, entity, &mut previews);
                }
                None => {
                    slot.fill(b'0');
                    missing.push(i);
                }
            }
            let end = i32::try_from(previews.len())
                .map_err(|_| PyValueError::new_err("previews exceed 2 GiB: pass fewer values"))?;
            offsets.push(end);
        }
        Ok(())
    })?;
    Ok((
        fps,
        rows::ne_bytes(py, &offsets, i32::to_ne_bytes)?,
        PyBytes::new(py, &previews),
        missing,
    ))
}

/// The parts `(path, offset)` of a split object's copy merged into the Parquet file `out`,
/// column chunks kept as they are, the top-level INT64 leaf `shift` (the line numbers)
/// moved by each part's offset (`pqmerge`). Returns the rows; ValueError when the parts
/// cannot be merged that way (the caller decodes and writes them instead).
#[pyfunction]
#[pyo3(signature = (parts, out, shift=None))]
fn merge_parquet(
    py: Python<'_>,
    parts: Vec<(String, i64)>,
    out: String,
    shift: Option<String>,
) -> PyResult<u64> {
    py.allow_threads(|| pqmerge::merge(&parts, shift.as_deref(), &out))
        .map_err(PyValueError::new_err)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Core>()?;
    m.add_function(wrap_pyfunction!(set_dictionaries, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprints_previews, m)?)?;
    m.add_function(wrap_pyfunction!(joined_values, m)?)?;
    m.add_function(wrap_pyfunction!(words_match, m)?)?;
    m.add_function(wrap_pyfunction!(json_leaves, m)?)?;
    m.add(
        "JSON_PATH_BUDGET",
        (
            jsonwalk::PATH_BYTES_PER_BYTE,
            jsonwalk::PATH_SLACK,
            jsonwalk::MAX_PATH_BYTES,
        ),
    )?;
    m.add_function(wrap_pyfunction!(digest_columns, m)?)?;
    m.add_function(wrap_pyfunction!(rows::text_rows, m)?)?;
    m.add_function(wrap_pyfunction!(lines::split_lines, m)?)?;
    m.add_function(wrap_pyfunction!(lines::line_count, m)?)?;
    m.add_function(wrap_pyfunction!(validators::validate_builtin, m)?)?;
    m.add_function(wrap_pyfunction!(validators::screen_value, m)?)?;
    m.add_function(wrap_pyfunction!(operators::redact_cells, m)?)?;
    m.add_function(wrap_pyfunction!(generalize::generalize_py, m)?)?;
    m.add_function(wrap_pyfunction!(generalize::generalize_statuses, m)?)?;
    m.add_function(wrap_pyfunction!(merge_parquet, m)?)?;
    Ok(())
}
