"""One run of some tests in one test process: what to run (`run_spec`), the workspace it runs in,
the subprocess and fork runners, a run's replies made one SuiteRun, why a run failed."""
