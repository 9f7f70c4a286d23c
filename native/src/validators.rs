//! Validators of the built-in detectors, ported from their Python modules. A detector whose
//! validator has no port here calls its Python hook (phone numbers through libphonenumber,
//! custom detectors' hooks).

use crate::engine::Line;

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
