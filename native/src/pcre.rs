//! The detectors' patterns through PCRE2's C API, matched on text known to be UTF-8.
//!
//! The `pcre2` crate compiles every UTF pattern with `PCRE2_MATCH_INVALID_UTF`, so that a
//! search of arbitrary bytes is safe: its JIT code then checks every character it decodes,
//! and each search goes through `pcre2_match`'s option checks before the JIT code. The
//! engine only ever searches `&str` (the decoded line) from a character boundary, so here
//! a pattern is compiled for valid UTF-8 and searched with `pcre2_jit_match` directly, and
//! a search that cannot match for want of characters (PCRE2's own minimum length of a
//! match) is not made. On a dense export's column scans the checks and the search past
//! each match that ends a `finditer` were ~30% of the instructions spent around PCRE2
//! (6% of the scan).

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;

use pcre2_sys::*;

/// Largest JIT stack a search may grow (as the `pcre2` crate was configured before).
const MAX_JIT_STACK: usize = 4 << 20;

/// A compiled pattern. The code is immutable once compiled (and JIT-compiled), and PCRE2
/// allows it to be searched from several threads at once.
pub struct Pattern {
    code: *mut pcre2_code_8,
    jit: bool,
    /// Capturing groups, the whole match included.
    groups: usize,
    /// Every match is at least this many characters long (0: not known).
    min_chars: usize,
}

// SAFETY: see the struct's doc; searches write only their own match data.
unsafe impl Send for Pattern {}
unsafe impl Sync for Pattern {}

impl Drop for Pattern {
    fn drop(&mut self) {
        // SAFETY: `code` came from pcre2_compile_8 and is freed once.
        unsafe { pcre2_code_free_8(self.code) }
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pattern")
            .field("groups", &self.groups)
            .field("jit", &self.jit)
            .finish()
    }
}

impl Pattern {
    /// `pattern` (PCRE2 syntax) compiled in UTF mode with Unicode properties, and
    /// JIT-compiled where the platform has a JIT (PCRE2's interpreter otherwise).
    pub fn new(pattern: &str) -> Result<Pattern, String> {
        let (mut error, mut offset) = (0i32, 0usize);
        // SAFETY: the pattern pointer and length describe a live str.
        let code = unsafe {
            pcre2_compile_8(
                pattern.as_ptr(),
                pattern.len(),
                PCRE2_UTF | PCRE2_UCP,
                &mut error,
                &mut offset,
                ptr::null_mut(),
            )
        };
        if code.is_null() {
            return Err(format!(
                "PCRE2: {} at offset {offset}",
                error_message(error)
            ));
        }
        // SAFETY: `code` is a live compiled pattern; JIT compiling happens before it is
        // shared.
        let jit = unsafe { pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE) } == 0;
        let mut p = Pattern {
            code,
            jit,
            groups: 0,
            min_chars: 0,
        };
        p.groups = 1 + p.info(PCRE2_INFO_CAPTURECOUNT) as usize;
        p.min_chars = p.info(PCRE2_INFO_MINLENGTH) as usize;
        Ok(p)
    }

    fn info(&self, what: u32) -> u32 {
        let mut value: u32 = 0;
        // SAFETY: both items asked for are uint32_t.
        let rc =
            unsafe { pcre2_pattern_info_8(self.code, what, &mut value as *mut u32 as *mut c_void) };
        if rc == 0 {
            value
        } else {
            0
        }
    }

    /// Capturing groups, the whole match (group 0) included.
    pub fn captures_len(&self) -> usize {
        self.groups
    }

    /// Match data with room for every group of this pattern.
    pub fn capture_locations(&self) -> Locations {
        Locations::new(self.groups)
    }

    /// The first match in `hay` at or after byte `start`, its groups in `locs`: `Ok(None)`
    /// when there is none, `Err` when PCRE2 gave up (a resource limit) or `start` is not a
    /// character boundary of `hay` (or past its end). Look-behind sees `hay` before `start`.
    pub fn captures_read_at(
        &self,
        locs: &mut Locations,
        hay: &str,
        start: usize,
    ) -> Result<Option<(usize, usize)>, String> {
        locs.set = 0;
        if !hay.is_char_boundary(start) {
            return Err(format!("search from byte {start}, inside a character"));
        }
        // Every match is at least `min_chars` characters, so of as many bytes.
        if hay.len() - start < self.min_chars {
            return Ok(None);
        }
        if locs.pairs < self.groups {
            *locs = Locations::new(self.groups);
        }
        // An empty str's pointer may dangle; PCRE2 is given one it may read.
        static EMPTY: &[u8] = &[0];
        let subject = if hay.is_empty() {
            EMPTY.as_ptr()
        } else {
            hay.as_ptr()
        };
        // SAFETY: `subject` is valid UTF-8 of `hay.len()` bytes (a str) and `start` is a
        // character boundary within it, which is what PCRE2_NO_UTF_CHECK and
        // pcre2_jit_match (which checks nothing) require; `locs` is match data for at
        // least this pattern's groups, with its own JIT stack, used by one search at a
        // time (`&mut`).
        let rc = unsafe {
            if self.jit {
                pcre2_jit_match_8(
                    self.code,
                    subject,
                    hay.len(),
                    start,
                    0,
                    locs.data,
                    locs.context,
                )
            } else {
                pcre2_match_8(
                    self.code,
                    subject,
                    hay.len(),
                    start,
                    PCRE2_NO_UTF_CHECK,
                    locs.data,
                    locs.context,
                )
            }
        };
        if rc == PCRE2_ERROR_NOMATCH {
            return Ok(None);
        }
        if rc < 0 {
            return Err(format!("PCRE2: {}", error_message(rc)));
        }
        // PCRE2 writes a pair (offsets or unset) for each of the pattern's groups, and
        // leaves the pairs past them as an earlier search left them.
        locs.set = self.groups.min(locs.pairs);
        Ok(locs.get(0))
    }

    /// Whether the pattern matches anywhere in `text` (an error, such as a resource limit,
    /// is no match).
    pub fn is_match(&self, text: &str) -> bool {
        thread_local! {
            static SHARED: RefCell<Locations> = RefCell::new(Locations::new(1));
        }
        SHARED.with(|locs| {
            let mut locs = locs.borrow_mut();
            // The search grows the data to the pattern's groups once, and it is kept.
            matches!(self.captures_read_at(&mut locs, text, 0), Ok(Some(_)))
        })
    }
}

/// A search's match data: the groups' offsets, and the JIT stack the search may grow.
pub struct Locations {
    data: *mut pcre2_match_data_8,
    context: *mut pcre2_match_context_8,
    stack: *mut pcre2_jit_stack_8,
    ovector: *const usize,
    pairs: usize,
    /// Pairs the last search wrote: its pattern's groups after a match, else none.
    set: usize,
}

// SAFETY: match data is used by one search at a time (`&mut` in every search).
unsafe impl Send for Locations {}

impl Drop for Locations {
    fn drop(&mut self) {
        // SAFETY: each pointer was created in `new` and is freed once; a null one (a
        // failed allocation) is not freed.
        unsafe {
            if !self.stack.is_null() {
                pcre2_jit_stack_free_8(self.stack);
            }
            pcre2_match_data_free_8(self.data);
            pcre2_match_context_free_8(self.context);
        }
    }
}

impl Locations {
    fn new(pairs: usize) -> Locations {
        // SAFETY: plain allocations from PCRE2; each is checked for null.
        unsafe {
            let context = pcre2_match_context_create_8(ptr::null_mut());
            assert!(
                !context.is_null(),
                "could not allocate a PCRE2 match context"
            );
            let data = pcre2_match_data_create_8(pairs.max(1) as u32, ptr::null_mut());
            assert!(!data.is_null(), "could not allocate PCRE2 match data");
            let stack = pcre2_jit_stack_create_8(32 << 10, MAX_JIT_STACK, ptr::null_mut());
            if !stack.is_null() {
                pcre2_jit_stack_assign_8(context, None, stack as *mut c_void);
            }
            Locations {
                data,
                context,
                stack,
                ovector: pcre2_get_ovector_pointer_8(data),
                pairs: pcre2_get_ovector_count_8(data) as usize,
                set: 0,
            }
        }
    }

    /// Group `i`'s byte offsets in the last search's match (None: the group took no part,
    /// is not in the pattern, or the search found nothing).
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.set {
            return None;
        }
        // SAFETY: the ovector holds `pairs` pairs.
        let (s, e) = unsafe { (*self.ovector.add(2 * i), *self.ovector.add(2 * i + 1)) };
        (s != PCRE2_UNSET).then_some((s, e))
    }
}

fn error_message(code: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: PCRE2 writes at most `buf.len()` code units, zero-terminated.
    let n = unsafe { pcre2_get_error_message_8(code, buf.as_mut_ptr(), buf.len()) };
    if n < 0 {
        format!("error {code}")
    } else {
        String::from_utf8_lossy(&buf[..n as usize]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn p(s: &str) -> Pattern {
        Pattern::new(s).unwrap()
    }

    #[test]
    fn when_searched_from_an_offset_then_look_behind_sees_before_it() {
        let re = p(r"(?<![0-9])([0-9]{3})");
        let mut locs = re.capture_locations();
        assert_eq!(
            re.captures_read_at(&mut locs, "a1234 567", 0),
            Ok(Some((1, 4)))
        );
        assert_eq!(locs.get(1), Some((1, 4)));
        // From byte 2 the digit before makes the look-behind fail until 567.
        assert_eq!(
            re.captures_read_at(&mut locs, "a1234 567", 2),
            Ok(Some((6, 9)))
        );
    }

    #[test]
    fn when_a_group_takes_no_part_then_it_is_none() {
        let re = p(r"(a)|(b)");
        let mut locs = re.capture_locations();
        assert_eq!(re.captures_read_at(&mut locs, "xb", 0), Ok(Some((1, 2))));
        assert_eq!((locs.get(1), locs.get(2)), (None, Some((1, 2))));
        assert_eq!(re.captures_len(), 3);
    }

    #[test]
    fn when_too_few_characters_are_left_then_no_search_and_no_match() {
        let re = p(r"\d{10}");
        assert_eq!(re.min_chars, 10);
        let mut locs = re.capture_locations();
        assert_eq!(
            re.captures_read_at(&mut locs, "9876543210", 0),
            Ok(Some((0, 10)))
        );
        assert_eq!(re.captures_read_at(&mut locs, "9876543210", 1), Ok(None));
        // Characters, not bytes: ten Devanagari digits are thirty bytes, and from the
        // second one 27 bytes are left, enough to search (nine digits: no match).
        let deva = "\u{966}".repeat(10);
        assert_eq!(re.captures_read_at(&mut locs, &deva, 0), Ok(Some((0, 30))));
        assert_eq!(re.captures_read_at(&mut locs, &deva, 3), Ok(None));
        assert_eq!(locs.get(0), None);
    }

    #[test]
    fn when_match_data_served_a_larger_pattern_then_only_this_ones_groups_are_read() {
        let (three, one) = (p(r"(a)(b)(c)"), p(r"(x)"));
        let mut locs = three.capture_locations();
        assert_eq!(locs.get(0), None); // nothing searched yet
        assert_eq!(
            three.captures_read_at(&mut locs, "abc", 0),
            Ok(Some((0, 3)))
        );
        assert_eq!(locs.get(3), Some((2, 3)));
        assert_eq!(one.captures_read_at(&mut locs, "x", 0), Ok(Some((0, 1))));
        assert_eq!(
            (locs.get(1), locs.get(2), locs.get(3)),
            (Some((0, 1)), None, None)
        );
    }

    #[test]
    fn when_an_empty_match_can_follow_then_it_is_searched() {
        let re = p(r"x*");
        let mut locs = re.capture_locations();
        assert_eq!(re.captures_read_at(&mut locs, "ab", 2), Ok(Some((2, 2))));
        assert_eq!(re.captures_read_at(&mut locs, "", 0), Ok(Some((0, 0))));
    }

    #[test]
    fn when_the_offset_splits_a_character_then_an_error() {
        let re = p(r"\w");
        let mut locs = re.capture_locations();
        assert!(re.captures_read_at(&mut locs, "é", 1).is_err());
        assert!(Pattern::new("(").is_err());
    }

    #[test]
    fn when_unicode_properties_then_classes_are_unicode() {
        assert!(p(r"^\w+$").is_match("Łódź"));
        assert!(p(r"^\d$").is_match("\u{966}"));
        assert!(!p(r"^\d$").is_match("x"));
        // is_match with a pattern of more groups than the shared match data holds.
        assert!(p(r"(a)(b)(c)").is_match("zabc"));
    }
}
