"""Reports: what breakit shows and writes, all read from the KillMatrix."""
