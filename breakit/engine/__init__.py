"""The engine: runs the suite against each mutant and judges it (docs/architecture.md, "The
engine").

`lab` is the loop; the runners (`subprocess_runner`, `fork/`) run pytest; everything else is what
they use. Nothing here prints.
"""
