"""Record linkage of person lists across scripts, ready for counting.

Flow: :mod:`sources` (read CSV/XLSX in chunks, any encoding) -> :mod:`mapping` (columns to
standard fields) -> :mod:`records` (normalised keys from :mod:`names`, :mod:`names_zh`,
:mod:`names_uyghur`, :mod:`dates`, :mod:`places`, :mod:`resident_id`) -> :mod:`model`
(Splink settings, training, scoring; :mod:`spark` for the Spark backend) -> :mod:`capture`
(clusters, capture histories, sensitivity band) with :mod:`review` (clerical decisions) and
:mod:`evaluate` (pairwise and B-cubed accuracy). :func:`tribunal.linkage.link.run_linkage`
runs it all; :mod:`synth` generates fictitious lists with known truth.
"""
