"""The engine: runs the suite against each mutant and judges it (docs/architecture.md, "The
engine").

`lab` is the loop; everything else is what it decides with (which tests, batches, proofs,
verdicts). It runs tests only through breakit.runners. Nothing here prints.
"""
