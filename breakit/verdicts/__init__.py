"""Verdicts judged and ranked: the gate's exit code, the tests ranked by the kill matrix."""
