"""Benchmarks (not tests): run with `make bench`; each prints its figures."""
