"""Why a survivor survived (issue 26): one more run of its tests on the original code, the
changed site instrumented to compute both the original and the mutated value.

`sites` (with `lift`) finds a mutant's site and the `probe` that fits it, `instrument` writes
the probes into the original source (in rounds of sites that do not overlap), `probes` is what
the instrumented code calls and `recorder` the pytest plugin that writes what they saw,
`classify` (with `suggest`) turns that into a `Triage` (`value`: never told apart, told apart
and not checked, not comparable), `run` does it all for a run's survivors, and `identical` finds
the mutants whose compiled code is the original's (or another's).

A told-apart survivor is then followed to its test (`follow`, in runs of `follow_plugin`, the
survivor acted out by its probe through `switch`): reached the test or absorbed before it; for
one that reached it, `assertion` writes the assertion that kills it and `assertion_proof`
proves it before it is shown. `parts` runs a round's tests in copies side by side.
"""

TRIAGE_ENV = "BREAKIT_TRIAGE"  # the file the recorder writes its lines to
FOLLOW_ENV = "BREAKIT_TRIAGE_FOLLOW"  # the follow run's plan (breakit.triage.follow_plugin)
IMPORT_TIME = "(import)"  # the test a site reached while no test ran is recorded under
