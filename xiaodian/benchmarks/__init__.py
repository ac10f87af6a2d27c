"""Benchmarks behind `xiaodian bench SCENARIO`: a real server on loopback, a real load, numbers."""
