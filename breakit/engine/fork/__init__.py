"""The fork backend, in layers that only point down (docs/architecture.md, "The fork backend").

Parent side: `client` (ForkRunner, a worker's proxy) and `warm_client` (the warm pool, as a
command sees it). Worker side, importing nothing of the parent's: `worker` (the loop, `python -m`),
`hot` (a hot session), `child` (a forked child), `channel` (the wire), and `warm_server` (the warm
pool's own process, `python -m`).
"""
