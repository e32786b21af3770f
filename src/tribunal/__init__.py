"""Tribunal: a workbench for evidence, record linkage and population estimates.

Every capability is a plain function or class usable from a notebook; the command line
(:mod:`tribunal.cli`) and the later web application are thin layers over it.
"""

__version__ = "0.1.0"
