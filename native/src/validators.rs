//! Validators of the built-in detectors, ported from their Python modules. A detector whose
//! validator has no port here calls its Python hook (phone numbers through libphonenumber,
//! custom detectors' hooks).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::engine::Line;

/// Word lists the validators read (`first_names`, `last_names`, `all_first_names`), given
/// once by the Python side from `detectors/names.py`, so both engines use the same lists.
static DICTIONARIES: OnceLock<HashMap<String, HashSet<String>>> = OnceLock::new();

pub fn set_dictionaries(lists: HashMap<String, HashSet<String>>) {
    let _ = DICTIONARIES.set(lists);
}

/// Whether `word` is in the named list (false when the list was not given).
pub fn in_dictionary(list: &str, word: &str) -> bool {
    DICTIONARIES.get().and_then(|d| d.get(list)).is_some_and(|s| s.contains(word))
}

/// `validate(value, line, start, end)`: None rejects, else a score delta. Offsets are bytes
/// of `line.text`.
pub type Check = fn(&str, &Line, usize, usize) -> Option<f64>;

pub enum Validator {
    None,
    Builtin(Check),
    Python,
}

/// The port of a built-in validator, by the name the Python side gives it.
pub fn builtin(name: &str) -> Option<Check> {
    match name {
        _ => None,
    }
}
