"""What runs inside the user's pytest: the recorder plugin, one test's outcome from its reports,
what is set aside, per-test coverage, the lifeline. Imports only breakit.core."""
