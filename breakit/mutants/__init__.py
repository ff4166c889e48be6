"""What to break: curated Mutations and their codemod, generated operators, one id space,
where a mutant changes its file, `--since` and `--shard`."""
