"""Headless Chromium loads a page for the kit's tests: the DOM it built, and what the page asked
of the network.

Chromium's NetLog records every URL request; one the page made carries the page as its initiator,
while the browser's own background requests have none ("not an origin"). Host resolution is
switched off, so whatever is asked, nothing leaves the machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
OFFLINE = "MAP * ~NOTFOUND"


@dataclass
class Loaded:
    dom: str
    requests: list[str]  # URLs the page asked for, other than file: and data:


def load(page: Path, scratch: Path) -> Loaded:
    scratch.mkdir(parents=True, exist_ok=True)
    netlog = scratch / "netlog.json"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={scratch / 'profile'}",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--host-resolver-rules={OFFLINE}", f"--log-net-log={netlog}", "--window-size=1366,900",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-3000:]
    log = json.loads(netlog.read_text())
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    requests = [event["params"]["url"] for event in log["events"]
                if names.get(event["type"]) == "URL_REQUEST_START_JOB"
                and event.get("params", {}).get("initiator", "not an origin") != "not an origin"
                and not event["params"]["url"].startswith(("file:", "data:"))]
    return Loaded(done.stdout, requests)
