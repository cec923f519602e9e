"""The kit's own tests never leave a check server behind: `nnkit check` runs in-process here,
and the tests of the server (tests/test_check_server.py) turn it on for the runs they make."""

import os

os.environ["NNKIT_CHECK_SERVER"] = "off"


def pytest_configure(config):
    """Some tests import the course's check files, whose tests carry the kit's markers."""
    config.addinivalue_line("markers", "exercise(id): the exercise id a course check belongs to")
    config.addinivalue_line("markers", "property: a course check of a property of the answer")
