"""The fork backend, in layers that only point down (docs/architecture.md, "The fork backend").

Parent side: `client` (ForkRunner, a worker's proxy), `warm_client` (the warm pool, as a
command sees it) and `pool_key` (where pools live, what keys them). Worker side, importing nothing
of the parent's: `worker` (the loop, `python -m`), `hot` (a hot session), `child` (a forked
child) and `warm_server` (the warm pool's own process, `python -m`). Both sides talk through
`channel`, in the typed messages of breakit.core.wire.
"""
