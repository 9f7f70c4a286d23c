"""``piisweep validate``: run the Great Expectations suites of ``conf/expectations/`` over one
committed scan and write their results and Data Docs under ``OUT/validation/<scan_id>/``.

The suites are data (GX 1.x ExpectationSuite JSON). Each names, in ``meta.piisweep.batch``,
which of three Spark DataFrames it checks:

* ``findings``: the scan's rows of the findings table (its ``part-<scan_id>-*.parquet``
  files), plus two computed columns: ``preview_looks_raw`` (the detector engine finds the
  row's own entity in its preview, unmasked) and ``source_in_manifest``.
* ``objects``: the manifest, one row per object, plus ``findings_in_table`` and
  ``copy_exists``.
* ``redacted_copies``: the objects with a redacted copy, plus the residual scan of each copy
  (``copy_rows``, ``residual_findings``, ``residual_entities``, ``residual_at``,
  ``copy_error``), computed in Spark tasks that read the copies through :mod:`jobs.storage`.

Checks GE has no built-in for become computed columns checked by built-in expectations
(``preview_looks_raw`` in ``[false]``), so every rule stays visible in the suite files and in
Data Docs, and each failure names a column and the rows it concerns.

No raw value is ever printed or written: GE's unexpected values and index lists are kept only
for columns on :data:`PRINTABLE` (scores, counts, offsets, statuses); for any other column a
failure reports counts and row locations (object URI, line, record), never the values.
Suite parameters (``$PARAMETER``) carry what depends on the run: the scan id, the entity
types the engine knows (vocabulary plus custom detectors), the summary's object count.

The package, by concern: ``results`` (what a run returns), ``inputs`` (the scan's summary,
manifest and findings), ``suites`` (loading the GX suites), ``residual`` (computed columns
and the residual scan of the copies), ``batches`` (the DataFrames the suites check) and
``run`` (contexts, checkpoints, scrubbing, Data Docs).
"""

from jobs.validate.base import PRINTABLE, ValidateError
from jobs.validate.inputs import findings_dataframe, findings_files, read_manifest, resolve_scan
from jobs.validate.residual import ResidualJob, previews_look_raw, residual_scan, reveals_too_much
from jobs.validate.results import Failure, SuiteOutcome, ValidationOutcome
from jobs.validate.run import validate
from jobs.validate.suites import Suite, load_suites

__all__ = [
    "PRINTABLE",
    "Failure",
    "ResidualJob",
    "Suite",
    "SuiteOutcome",
    "ValidateError",
    "ValidationOutcome",
    "findings_dataframe",
    "findings_files",
    "load_suites",
    "previews_look_raw",
    "read_manifest",
    "residual_scan",
    "resolve_scan",
    "reveals_too_much",
    "validate",
]
