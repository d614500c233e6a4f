"""Fixtures of the e2e tier: the local stack (one way to start it), a client of its API, and Chromium.

A module gets a started stack by asking for `stack`; a module-level `STACK` dict configures it with LocalStack's
keyword arguments (`admin_token`, `snapshot_every`, `api_log`, ...) plus `env`, variables to set (None: unset)
while the stack runs. `make_stack` builds more stacks, unstarted, for tests of starting and stopping one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.stack import LocalStack, free_port
from ops.client import PollClient

ADMIN_TOKEN = "e2e-admin-token"


@pytest.fixture(scope="module")
def make_stack() -> Iterator[Callable[..., LocalStack]]:
    """Build local stacks for this module (free ports, quiet, a test admin token, any LocalStack option given);
    after the module, stop every one and put the environment back as it was."""
    saved = dict(os.environ)
    built: list[LocalStack] = []

    def build(**options: Any) -> LocalStack:
        for name, value in options.get("env", {}).items():  # here, and over the local stage's in the stack's
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        options = {"port": free_port(), "aws_port": free_port(), "admin_token": ADMIN_TOKEN, "quiet": True, **options}
        built.append(LocalStack(**options))
        return built[-1]

    try:
        yield build
    finally:
        for stack in built:
            stack.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest, make_stack: Callable[..., LocalStack]) -> Iterator[LocalStack]:
    """The local stack, started once for the module as its `STACK` dict says."""
    with make_stack(**getattr(request.module, "STACK", {})) as running:
        yield running


@pytest.fixture(scope="module")
def api(stack: LocalStack) -> PollClient:
    """A client of the stack's API over HTTP, with its admin token (a minute per request: recounts, snapshots)."""
    return PollClient.over_http(stack.api_url, stack.admin_token, timeout=60)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (one per test module)."""
    from playwright.sync_api import expect, sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    # The local stack's AWS serves one request at a time, so a view's reads queue behind the fold's and each other's:
    # an assertion waits up to 15 s for the page to get there (Playwright's default is 5 s).
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh browser contexts (each a reader with its own storage), optionally with a voter token."""
    contexts = []

    def make(token: str | None = None) -> Any:
        context = browser.new_context(viewport={"width": 900, "height": 900})
        contexts.append(context)
        if token is not None:
            context.add_init_script(f"localStorage.setItem('pollw:voter', '{token}')")
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A reader's page in a fresh browser context."""
    return new_page()
