"""Analysers: pure functions from the model to capacity, latency and dependency figures."""
