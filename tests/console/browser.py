"""A headless Chromium for the console's tests: Debian's ``chromium`` and ``chromium-driver``
through Selenium, never a downloaded browser.

Without them the tests skip with the install command (``.ci/run`` installs both, and under
``CI`` a missing browser fails instead of skipping). ``UPDATE_SCREENSHOTS=1`` makes
`Browser.screenshot` write ``docs/console/<name>.png`` (small: palette PNGs) for the README.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

__all__ = ["WAIT", "Browser", "browser"]

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "docs" / "console"
CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
MISSING = (
    "chromium and chromium-driver are not installed: "
    "`apt-get install -y chromium chromium-driver` (.ci/run installs them)"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
)
WAIT = 20.0  # generous: what is waited for normally shows within a second
T = TypeVar("T")


class Browser:
    """One Chromium session on one mock, with the waits the tests need."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open_console(self, view: str = "operations") -> None:
        """Load ``/__mock/ui#view`` and wait until the console has started."""
        self.driver.get(f"{self.base_url}/__mock/ui#{view}")
        self.wait(lambda: self.driver.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))

    def wait(self, condition: Callable[[], T | None], timeout: float = WAIT) -> T:
        """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = condition()
            except Exception as exc:  # the element is not there yet, or went stale
                last = exc
            else:
                if value:
                    return value
            time.sleep(0.05)
        raise AssertionError(f"waited {timeout} s in vain; last error: {last!r}")

    def find(self, css: str) -> WebElement:
        """The first element matching ``css``."""
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        """Every element matching ``css``."""
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        """Click the first element matching ``css``."""
        self.find(css).click()

    def console_errors(self) -> list[dict[str, Any]]:
        """What the page logged at SEVERE level (errors, failed loads) since the last call."""
        logs: list[dict[str, Any]] = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return [entry for entry in logs if entry["level"] == "SEVERE"]

    def screenshot(self, name: str) -> None:
        """With ``UPDATE_SCREENSHOTS=1``, save the window as ``docs/console/<name>.png``."""
        if os.environ.get("UPDATE_SCREENSHOTS") != "1":
            return
        image = Image.open(io.BytesIO(self.driver.get_screenshot_as_png())).convert("RGB")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        image.quantize(colors=64).save(SCREENSHOTS / f"{name}.png", optimize=True)


@contextmanager
def browser(base_url: str, profile: Path) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile in ``profile``; quit at the end."""
    if not (shutil.which(CHROMIUM) and shutil.which(DRIVER)):
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    try:
        yield Browser(driver, base_url)
    finally:
        driver.quit()
