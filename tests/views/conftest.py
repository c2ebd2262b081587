"""Fixtures for driving the pages through Streamlit AppTest."""

from __future__ import annotations

from typing import Callable

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def open_app(repo_root) -> Callable[..., AppTest]:
    """open_app() is a fresh AppTest of app.py, not yet run; open_app("views/staff.py") starts on that page."""

    def open_(page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(repo_root / "app.py"), default_timeout=120)
        return at.switch_page(page) if page else at

    return open_


@pytest.fixture
def sign_in(staff_password) -> Callable[..., AppTest]:
    """sign_in(at, password=staff_password): type a password into the staff sign-in form and submit it."""

    def sign(at: AppTest, password: str = staff_password) -> AppTest:
        at.text_input(key="staff_password").set_value(password)
        return at.button(key="staff_sign_in").click().run()

    return sign


@pytest.fixture
def signed_in(open_app, sign_in) -> Callable[[], AppTest]:
    """signed_in(): the staff page, signed in. A call, not a value, so a test can damage files first."""
    return lambda: sign_in(open_app("views/staff.py").run())
