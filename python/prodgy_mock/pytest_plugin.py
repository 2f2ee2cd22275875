"""The pytest plugin (entry point `pytest11`), loaded by any pytest in an environment that
has `prodgy-mock` installed.

- `prodgy_mock_server` (session): one `MockServer` per test session, or per worker under
  pytest-xdist. Its options come from the `prodgy_mock_options` fixture, which a project
  overrides in its `conftest.py`, and `--prodgy-mock-scenario NAME` on the command line.
- `prodgy_mock` (function): that server seen through a namespace named after the test's
  node id, so tests do not see each other's state, journal or per-namespace scenario.
  The namespace is reset when the test ends; when the test fails, its last requests are
  added to the report.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterator

import pytest

from ._server import MockNamespace, MockServer

#: The longest namespace the server accepts.
MAX_NAMESPACE = 200
_JOURNAL_LINES = 20


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("prodgy-mock")
    group.addoption(
        "--prodgy-mock-scenario",
        action="append",
        metavar="NAME",
        default=None,
        help="scenario for the session's prodgy-mock (a built-in name or a file; repeatable). "
        "Replaces the `scenario` of the prodgy_mock_options fixture.",
    )


@pytest.fixture(scope="session")
def prodgy_mock_options() -> Dict[str, Any]:
    """Keyword arguments for the session's `MockServer`; override it in conftest.py
    (session-scoped), e.g. `return {"seed": 7, "clock": "2026-03-05T14:30:00Z"}`."""
    return {}


@pytest.fixture(scope="session")
def prodgy_mock_server(
    request: pytest.FixtureRequest, prodgy_mock_options: Dict[str, Any]
) -> Iterator[MockServer]:
    """The session's running mock."""
    options = dict(prodgy_mock_options)
    scenarios = request.config.getoption("prodgy_mock_scenario")
    if scenarios:
        options["scenario"] = scenarios
    with MockServer(**options) as server:
        yield server


@pytest.fixture
def prodgy_mock(
    request: pytest.FixtureRequest, prodgy_mock_server: MockServer
) -> Iterator[MockNamespace]:
    """The session's mock, in a namespace of this test's own (its node id)."""
    namespace = prodgy_mock_server.namespace(namespace_for(request.node.nodeid))
    yield namespace
    if prodgy_mock_server.running:
        namespace.reset()  # frees it: the server holds at most --max-namespaces at a time
    prodgy_mock_server._scenarios.pop(namespace.namespace, None)


def namespace_for(node_id: str) -> str:
    """The namespace of a test: its node id as it is when the server accepts it (1 to 200
    visible ASCII characters), else a readable form of it with a hash to keep it unique."""
    if 0 < len(node_id) <= MAX_NAMESPACE and all("!" <= c <= "~" for c in node_id):
        return node_id
    digest = "~" + hashlib.sha256(node_id.encode()).hexdigest()[:16]
    readable = "".join(c if "!" <= c <= "~" else "_" for c in node_id)
    return readable[: MAX_NAMESPACE - len(digest)] + digest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    mock = getattr(item, "funcargs", {}).get("prodgy_mock")
    if report.when != "call" or not report.failed or not isinstance(mock, MockNamespace):
        return
    try:
        entries = mock.requests(limit=_JOURNAL_LINES)
        lines = [_describe(entry) for entry in entries] or ["(no requests)"]
    except Exception as error:  # the mock may be what failed: say so, keep the report
        lines = [f"(journal unavailable: {error})"]
    title = f"prodgy-mock requests in namespace {mock.namespace} (newest first)"
    report.sections.append((title, "\n".join(lines)))


def _describe(entry: Dict[str, Any]) -> str:
    query = f"?{entry['query']}" if entry.get("query") else ""
    rule = f"  (scenario rule {entry['rule']})" if entry.get("rule") else ""
    return f"{entry.get('at')}  {entry.get('status')}  {entry.get('method')} {entry.get('path')}{query}{rule}"
