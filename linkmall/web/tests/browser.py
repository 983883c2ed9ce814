"""Driving Debian's Chromium with Playwright against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium. Each actor gets its
own browser profile (a fresh --user-data-dir), so the consumer's and the supplier's sessions
never mix. Screenshots go to $LINKMALL_SCREENSHOTS (default: the test's tmp dir).
"""

import os
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@contextmanager
def phone_browser(playwright, profile_dir: Path, *, locale: str = "zh-CN"):
    context = playwright.chromium.launch_persistent_context(
        user_data_dir=str(profile_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale,
    )
    context.set_default_timeout(15_000)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        yield page
    finally:
        context.close()


class Screenshots:
    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def __call__(self, page, name: str, *, show: str | None = None) -> Path:
        """A phone-sized screenshot (no full-page capture: it resizes the viewport, which breaks
        the fixed tab bar and vh units). `show` scrolls an element into view first."""
        if show:
            page.locator(show).first.scroll_into_view_if_needed()
        path = self.directory / f"{len(self.taken) + 1:02d}-{name}.png"
        page.wait_for_load_state()
        for attempt in range(3):
            try:
                page.screenshot(path=str(path))
                break
            except PlaywrightError as exc:
                # headless Chromium now and then refuses a capture while it composites a new page
                if "Unable to capture screenshot" not in str(exc) or attempt == 2:
                    raise
                page.wait_for_timeout(250)
        self.taken.append(path)
        return path


def screenshot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("LINKMALL_SCREENSHOTS") or tmp_path / "screenshots")
