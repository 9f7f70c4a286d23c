//! The trigger pass through Hyperscan, called directly from Rust: the same compiled
//! database the Python reference engine builds (same expressions, ids and flags), so the
//! same hits, with a Rust callback per match instead of a Python one.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};
use std::ptr;

use crate::triggers::Hit;

#[repr(C)]
struct HsDatabase {
    _private: [u8; 0],
}
#[repr(C)]
struct HsScratch {
    _private: [u8; 0],
}
#[repr(C)]
struct HsCompileError {
    message: *const c_char,
    expression: c_int,
}

type OnMatch = unsafe extern "C" fn(c_uint, u64, u64, c_uint, *mut c_void) -> c_int;

extern "C" {
    fn hs_compile_multi(
        expressions: *const *const c_char,
        flags: *const c_uint,
        ids: *const c_uint,
        elements: c_uint,
        mode: c_uint,
        platform: *const c_void,
        db: *mut *mut HsDatabase,
        error: *mut *mut HsCompileError,
    ) -> c_int;
    fn hs_free_compile_error(error: *mut HsCompileError) -> c_int;
    fn hs_free_database(db: *mut HsDatabase) -> c_int;
    fn hs_serialize_database(
        db: *const HsDatabase,
        bytes: *mut *mut c_char,
        length: *mut usize,
    ) -> c_int;
    fn hs_deserialize_database(
        bytes: *const c_char,
        length: usize,
        db: *mut *mut HsDatabase,
    ) -> c_int;
    fn free(ptr: *mut c_void);
    fn hs_alloc_scratch(db: *const HsDatabase, scratch: *mut *mut HsScratch) -> c_int;
    fn hs_free_scratch(scratch: *mut HsScratch) -> c_int;
    fn hs_scan(
        db: *const HsDatabase,
        data: *const c_char,
        length: c_uint,
        flags: c_uint,
        scratch: *mut HsScratch,
        on_event: Option<OnMatch>,
        context: *mut c_void,
    ) -> c_int;
}

const HS_MODE_BLOCK: c_uint = 1;
const HS_FLAG_CASELESS: c_uint = 1;
const HS_FLAG_MULTILINE: c_uint = 4;

pub struct Database {
    db: *mut HsDatabase,
}

// SAFETY: a compiled Hyperscan database is immutable and documented as safe to share
// between threads; only scratch space is per thread.
unsafe impl Send for Database {}
unsafe impl Sync for Database {}

pub struct Scratch {
    s: *mut HsScratch,
}

// SAFETY: scratch space may move between threads; it is used by one scan at a time (the
// engine keeps it behind a mutex).
unsafe impl Send for Scratch {}

impl Drop for Database {
    fn drop(&mut self) {
        // SAFETY: `db` came from hs_compile_multi and is freed once.
        unsafe { hs_free_database(self.db) };
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // SAFETY: `s` came from hs_alloc_scratch and is freed once.
        unsafe { hs_free_scratch(self.s) };
    }
}

impl Database {
    /// `triggers`: (id, regex, caseless), compiled in block mode with multi-line anchors.
    pub fn new(triggers: &[(u32, String, bool)]) -> Result<Database, String> {
        let exprs: Vec<CString> = triggers
            .iter()
            .map(|(_, rx, _)| {
                CString::new(rx.as_bytes()).map_err(|_| "a trigger holds a NUL byte".to_string())
            })
            .collect::<Result<_, _>>()?;
        let ptrs: Vec<*const c_char> = exprs.iter().map(|e| e.as_ptr()).collect();
        let flags: Vec<c_uint> = triggers
            .iter()
            .map(|(_, _, caseless)| {
                HS_FLAG_MULTILINE | if *caseless { HS_FLAG_CASELESS } else { 0 }
            })
            .collect();
        let ids: Vec<c_uint> = triggers.iter().map(|t| t.0).collect();
        let mut db = ptr::null_mut();
        let mut err = ptr::null_mut();
        // SAFETY: the arrays hold `elements` valid entries and outlive the call.
        let rc = unsafe {
            hs_compile_multi(
                ptrs.as_ptr(),
                flags.as_ptr(),
                ids.as_ptr(),
                ptrs.len() as c_uint,
                HS_MODE_BLOCK,
                ptr::null(),
                &mut db,
                &mut err,
            )
        };
        if rc != 0 {
            // SAFETY: on failure Hyperscan sets `err` to an error it owns until freed.
            let message = unsafe {
                let m = if err.is_null() || (*err).message.is_null() {
                    format!("error {rc}")
                } else {
                    CStr::from_ptr((*err).message)
                        .to_string_lossy()
                        .into_owned()
                };
                if !err.is_null() {
                    hs_free_compile_error(err);
                }
                m
            };
            return Err(format!(
                "a detector trigger is not supported by Hyperscan ({message}); triggers must be \
                 regexes without lookaround or backreferences"
            ));
        }
        Ok(Database { db })
    }

    /// A database serialised earlier by [`Database::serialize`] (compiling thousands of
    /// name triggers takes seconds; loading takes microseconds).
    pub fn deserialize(bytes: &[u8]) -> Result<Database, String> {
        let mut db = ptr::null_mut();
        // SAFETY: `bytes` is valid for its length; Hyperscan checks the format and version.
        let rc = unsafe {
            hs_deserialize_database(bytes.as_ptr() as *const c_char, bytes.len(), &mut db)
        };
        if rc != 0 {
            return Err(format!("not a usable Hyperscan database ({rc})"));
        }
        Ok(Database { db })
    }

    pub fn serialize(&self) -> Result<Vec<u8>, String> {
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: Hyperscan allocates `out` with malloc; it is copied, then freed.
        unsafe {
            if hs_serialize_database(self.db, &mut out, &mut len) != 0 {
                return Err("Hyperscan could not serialise the database".to_string());
            }
            let copy = std::slice::from_raw_parts(out as *const u8, len).to_vec();
            free(out as *mut c_void);
            Ok(copy)
        }
    }

    pub fn scratch(&self) -> Result<Scratch, String> {
        let mut s = ptr::null_mut();
        // SAFETY: `db` is a valid database; `s` receives new scratch space.
        let rc = unsafe { hs_alloc_scratch(self.db, &mut s) };
        if rc != 0 {
            return Err(format!("Hyperscan scratch allocation failed ({rc})"));
        }
        Ok(Scratch { s })
    }

    /// Every (id, end) match of `data`, appended to `out` in Hyperscan's order (by end).
    pub fn scan(
        &self,
        scratch: &mut Scratch,
        data: &[u8],
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        unsafe extern "C" fn on_match(
            id: c_uint,
            _from: u64,
            to: u64,
            _flags: c_uint,
            ctx: *mut c_void,
        ) -> c_int {
            // SAFETY: `ctx` is the `out` vector passed below, alive for the whole scan.
            let out = unsafe { &mut *(ctx as *mut Vec<Hit>) };
            out.push(Hit {
                id,
                end: to as usize,
            });
            0
        }
        // Hyperscan takes a 32-bit length: longer inputs are scanned in overlapping blocks
        // would change semantics, so they are refused (the callers' chunks are far smaller).
        let len = c_uint::try_from(data.len())
            .map_err(|_| "input over 4 GiB for one scan".to_string())?;
        // SAFETY: `data` is valid for `len` bytes; the callback only appends to `out`.
        let rc = unsafe {
            hs_scan(
                self.db,
                data.as_ptr() as *const c_char,
                len,
                0,
                scratch.s,
                Some(on_match),
                out as *mut Vec<Hit> as *mut c_void,
            )
        };
        if rc != 0 {
            return Err(format!("Hyperscan scan failed ({rc})"));
        }
        Ok(())
    }
}
