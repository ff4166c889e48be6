"""The curated catalog of the bundled todo API: one breakage per module, each a Mutation."""
