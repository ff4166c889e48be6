"""breakit's benches and field trial, run from the checkout as `python -m bench.<command>`:
`bench.bench` (the benchmark), `bench.public` (it on pyjwt), `bench.field` (the field trial),
`bench.plugins` (the plugin matrix), `bench.memory` (a command's peak memory). Figures, never
CI gates; not part of the wheel."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]  # the checkout whose breakit the benches measure
