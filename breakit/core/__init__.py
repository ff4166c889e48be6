"""The vocabulary every stage shares: the model, errors, configuration, the outcome codec, failure
text, the run records and the wire. Imports nothing else of breakit
(tests/unit/test_layout.py)."""
