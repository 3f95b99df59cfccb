"""Observability: request ids, structured logs, Prometheus metrics, health of the store.

Nothing here imports Flask: the web layer and the worker bind a request id and
serve the metrics; the engine's history writer and use cases only read and count.
"""
