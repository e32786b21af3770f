"""The case archive: content-addressed originals, item metadata, ingest and verification.

A case is a folder (see :mod:`tribunal.archive.case`); evidence enters through
:func:`tribunal.archive.ingest.ingest_paths` and is checked by
:func:`tribunal.archive.verify.verify_case`. Submodules are imported on use so that
``import tribunal.archive`` stays cheap.
"""

from __future__ import annotations
