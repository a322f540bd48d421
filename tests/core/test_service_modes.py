"""``core.service_modes``: the light facts the settings load without the API client.

Its plain-shape check of a base URL must never accept what httpx's parser (the full
rule) refuses, nor change the answer; ``core.client`` re-exports the very same objects.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcb_gui.core import client, service_modes
from tcb_gui.core.errors import InputError
from tcb_gui.core.service_modes import _checked_by_httpx, _plainly_valid, validate_base_url
from tests.probe import run_probe


def _full_rule(text: str) -> str | None:
    try:
        return _checked_by_httpx(text)
    except InputError:
        return None


@pytest.mark.parametrize(
    "url",
    [
        "https://api.weixin.qq.com",
        "https://api.weixin.qq.com/",
        "https://proxy.example.com:8443/wx/",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "https://API.Example.COM",
        "https://10.0.0.1/a/b",
    ],
)
def test_plain_base_urls_skip_httpx_with_the_same_answer(url: str) -> None:
    assert _plainly_valid(url)
    assert validate_base_url(url) == _full_rule(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",  # plain http off loopback: refused by the full rule
        "https://999.1.1.1",
        "https://a..b",
        "https://host:0",
        "https://host:70000",
        "https://user@host",
        "https://host/?q",
        "https://[::1]:8080",
        "https://例子.com",
        "ftp://host",
        "HTTPS://upper.case",  # valid, left to the full rule
    ],
)
def test_other_shapes_go_through_httpx(url: str) -> None:
    assert not _plainly_valid(url)


_URL_CHARS = st.sampled_from([*"ahtps:/.-0123456789Ab_~?#@%[]:x ", "localhost", "127"])


@given(st.lists(_URL_CHARS, max_size=30).map("".join))
def test_the_plain_check_never_accepts_what_httpx_refuses(tail: str) -> None:
    for url in (tail, "https://" + tail, "http://" + tail):
        if _plainly_valid(url.strip()):
            assert _full_rule(url.strip()) == url.strip().rstrip("/"), url


@pytest.mark.parametrize(
    "name",
    [
        "ApiMode",
        "DEFAULT_BASE_URL",
        "DEFAULT_CONCURRENCY",
        "DEFAULT_MAX_AGE",
        "MAX_CONCURRENCY",
        "MAX_IDS_PER_REQUEST",
        "MAX_MAX_AGE",
        "MIN_MAX_AGE",
        "QUOTA_PATH",
        "is_loopback_host",
        "validate_base_url",
    ],
)
def test_the_client_re_exports_the_same_objects(name: str) -> None:
    assert getattr(client, name) is getattr(service_modes, name)


def test_loading_the_settings_imports_no_client_httpx_or_asyncio() -> None:
    heavy = ("httpx", "asyncio", "tcb_gui.core.client")
    probe = (
        "import sys, tcb_gui.core.settings as s; s.Settings(); s.Profile();"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    assert run_probe(probe).strip() == ""


@pytest.mark.parametrize(
    "url", ["https://host:0", "https://host:70000", "https://h\\evil.com", "https://h*x.example"]
)
def test_a_base_url_no_connection_can_be_made_to_is_refused(url: str) -> None:
    with pytest.raises(InputError):
        validate_base_url(url)


@pytest.mark.parametrize(
    "url", ["https://例子.测试", "https://[::1]:8443", "http://[::1]", "https://xn--fsqu00a.com"]
)
def test_idn_and_ipv6_hosts_are_still_taken(url: str) -> None:
    assert validate_base_url(url) == url
