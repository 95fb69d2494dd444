"""Settings for every test directory (tests/ and pmip_verify/tests/).

Hypothesis runs without its per-example deadline: the deadline is a wall-clock limit, and on a shared two-CPU
machine a slow example says nothing about the code (the suite never asserts timings). Example counts stay as
each test sets them.
"""

from hypothesis import settings

settings.register_profile("pmip", deadline=None)
settings.load_profile("pmip")
