"""The suite on the unmutated code: the traced baseline run and what it tells the engine,
timeouts, the user's setup, the forced-fail sanity run."""
