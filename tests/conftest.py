"""The kit's own tests never leave a check server behind: `nnkit check` runs in-process here,
and the tests of the server (tests/test_check_server.py) turn it on for the runs they make."""

import os

os.environ["NNKIT_CHECK_SERVER"] = "off"
