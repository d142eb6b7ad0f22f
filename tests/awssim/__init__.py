"""awssim: a loopback AWS simulator for cwguard's integration tests.

Standard library plus Debian's python3-botocore only.  See README.md.
"""
