"""Benchmarks of our engine (`impl`) against cedarpy: run `python -m bench` (see `bench/__main__.py`)."""
