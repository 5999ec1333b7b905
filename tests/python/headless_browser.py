"""A real headless Chromium for the tests, driven over WebDriver's HTTP API with the standard
library (Debian's chromium and chromium-driver; tools/install.sh installs them). Used by the
report's and the studio's browser tests."""

import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


class Browser:
    """Headless Chromium through chromedriver's WebDriver HTTP API (standard library only)."""

    def __init__(self, profile):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.driver = subprocess.Popen([str(CHROMEDRIVER), f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                self.close()
                pytest.fail("chromedriver did not start")
            time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1400,1000"]
        caps = {"browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {"binary": str(CHROMIUM), "args": args}}
        self.session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["value"]

    def call(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def open(self, url):
        self.call("POST", "/url", {"url": url})

    def run(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script, *args):
        """Runs `script`; it ends by calling its last argument with the result."""
        return self.call("POST", "/execute/async", {"script": script, "args": list(args)})

    def element(self, css):
        """The WebDriver id of the first element matching a CSS selector."""
        found = self.call("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def type(self, css, text, clear=True):
        """Types into an element as a keyboard would ("\ue007" is Enter); a file input
        takes a path."""
        e = self.element(css)
        if clear:
            self.call("POST", f"/element/{e}/clear", {})
        self.call("POST", f"/element/{e}/value", {"text": text})

    def click(self, css):
        self.call("POST", f"/element/{self.element(css)}/click", {})

    def window(self, width, height):
        self.call("POST", "/window/rect", {"width": width, "height": height})

    def console(self):
        """Browser log entries since the last call (console messages, failed loads)."""
        return self.call("POST", "/se/log", {"type": "browser"})

    def screenshot(self):
        return base64.b64decode(self.call("GET", "/screenshot"))

    def close(self):
        try:
            if getattr(self, "session", None):
                self.call("DELETE", "")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=20)


@contextmanager
def headless_chromium():
    """A Browser in a fresh profile, closed and its profile removed afterwards."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium and chromium-driver are needed (tools/install.sh installs them)")
    profile = tempfile.mkdtemp(prefix="hubsim-chromium-")
    b = Browser(profile)
    try:
        yield b
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)
