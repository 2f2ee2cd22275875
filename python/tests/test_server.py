"""MockServer on its own: lifetime, options, admin calls, errors, no orphans."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import prodgy_mock
from prodgy_mock import BINARY_ENV, DEFAULT_TOKEN, MockError, MockServer, find_binary

CLOCK = "2026-03-05T14:30:00Z"

GLOBAL_INTEGRATIONS = "/api/integrations-base?scope=global"


def test_starts_on_a_free_port_and_stops_with_exit_code_0(http):
    mock = MockServer().start()
    assert mock.url.startswith("http://127.0.0.1:") and mock.running
    assert http(mock, "GET", "/api/agent-base")[0] == 200
    assert mock.stop() == 0
    assert not mock.running and mock.stop() is None


def test_the_token_is_the_default_products():
    with MockServer() as mock:
        assert mock.token == DEFAULT_TOKEN
        assert mock.headers() == {"X-API-Token": DEFAULT_TOKEN}
        assert mock.headers("ns")["X-Mock-Namespace"] == "ns"


def test_options_map_to_flags():
    mock = MockServer(
        scenario=["ratelimit", "flaky"],
        fixtures=Path("fixtures"),
        seed=3,
        auth="strict",
        clock=datetime(2026, 3, 5, 14, 30, tzinfo=timezone.utc),
        faithful=True,
        extra_args=["--journal-size", 5],
    )
    assert mock.args == [
        "--scenario", "ratelimit", "--scenario", "flaky", "--fixtures", "fixtures", "--seed", "3",
        "--auth", "strict", "--clock", "2026-03-05T14:30:00Z", "--faithful", "--journal-size", "5",
    ]


def test_the_clock_option_freezes_the_clock_and_advance_moves_it():
    with MockServer(clock=CLOCK) as mock:
        assert mock.advance(0)["now"] == CLOCK
        assert mock.advance(timedelta(minutes=5))["now"] == "2026-03-05T14:35:00Z"
        assert mock.advance(1.5)["now"] == "2026-03-05T14:35:01.500Z"


def test_the_fixtures_option_loads_an_exported_state(http, tmp_path):
    with MockServer() as mock:
        with urllib.request.urlopen(mock.url + "/__admin/state") as response:
            state = json.load(response)["data"]
    state["agents"][0]["name"] = "Renamed in the export"
    export = tmp_path / "state.json"
    export.write_text(json.dumps(state))
    with MockServer(fixtures=export) as mock:
        status, body = http(mock, "GET", f"/api/agent-base/{state['agents'][0]['id']}")
        assert (status, body["data"]["name"]) == (200, "Renamed in the export")


def test_the_journal_filters_by_namespace_route_status_and_limit(http):
    with MockServer() as mock:
        a, b = mock.namespace("a"), mock.namespace("b")
        http(a, "GET", "/api/agent-base")
        http(a, "GET", "/api/agent-base/missing")
        http(b, "GET", "/api/agent-base")
        assert mock.count() == 3
        assert mock.count(namespace="a") == a.count() == 2
        assert mock.count(route="agents.list", status=200) == 2
        assert [e["path"] for e in a.requests(limit=1)] == ["/api/agent-base/missing"]  # newest first
        assert b.requests()[0]["namespace"] == "b"
        with pytest.raises(TypeError, match="unknown filter colour"):
            mock.requests(colour="red")


def test_reset_of_one_namespace_leaves_the_others(http):
    with MockServer() as mock:
        a, b = mock.namespace("a"), mock.namespace("b")
        _, seed = http(a, "GET", GLOBAL_INTEGRATIONS)
        for ns in (a, b):
            assert http(ns, "POST", "/api/integrations-base", {"title": "Jira"})[0] == 201
        mock.reset("a")
        assert http(a, "GET", GLOBAL_INTEGRATIONS)[1]["pagination"] == seed["pagination"]
        assert http(b, "GET", GLOBAL_INTEGRATIONS)[1]["pagination"]["total"] == seed["pagination"]["total"] + 1
        mock.reset()
        assert http(b, "GET", GLOBAL_INTEGRATIONS)[1]["pagination"] == seed["pagination"]


def test_use_scenario_switches_the_server_or_one_namespace(http):
    with MockServer() as mock:
        mock.use_scenario("server-errors")
        assert http(mock, "GET", "/api/agent-base")[0] == 500
        mock.use_scenario("default", namespace="calm")
        assert http(mock.namespace("calm"), "GET", "/api/agent-base")[0] == 200
        mock.use_scenario(["default"])
        assert http(mock, "GET", "/api/agent-base")[0] == 200
        with pytest.raises(MockError, match="unknown scenario nope"):
            mock.use_scenario("nope", namespace="calm")
        with pytest.raises(MockError, match="400"):
            mock.use_scenario("nope")


def test_the_scenario_option_activates_scenarios_at_start(http):
    with MockServer(scenario="retry-then-succeed") as mock:
        statuses = [http(mock, "GET", "/api/agent-base")[0] for _ in range(3)]
        assert statuses == [500, 500, 200]


def test_a_mock_that_cannot_start_says_why():
    with pytest.raises(MockError, match=r"(?s)exit code 2.*invalid value 'bogus'"):
        MockServer(extra_args=["--auth", "bogus"]).start()
    with pytest.raises(MockError, match=r"(?s)exit code 3.*nowhere"):
        MockServer(fixtures="nowhere").start()


def test_a_binary_that_is_not_prodgy_mock_is_stopped_and_named(tmp_path):
    impostor = tmp_path / "impostor"
    impostor.write_text("#!/bin/sh\necho hello\nexec sleep 600\n")
    impostor.chmod(0o755)
    with pytest.raises(MockError, match="first line 'hello'"):
        MockServer(binary=impostor).start()


def test_the_url_of_a_stopped_mock_is_an_error():
    with pytest.raises(MockError, match="not running"):
        MockServer().url


def test_a_missing_binary_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(BINARY_ENV, str(tmp_path / "nope"))
    with pytest.raises(MockError, match="PRODGY_MOCK_BIN="):
        MockServer().start()


@pytest.mark.skipif(BINARY_ENV in os.environ, reason="runs against the installed wheel only")
def test_the_binary_is_the_one_the_wheel_installed():
    installed = find_binary()
    assert os.path.dirname(installed) == sysconfig.get_path("scripts")
    assert Path(prodgy_mock.__file__).is_relative_to(sysconfig.get_path("purelib"))


def test_python_dash_m_runs_the_binary():
    result = subprocess.run([sys.executable, "-m", "prodgy_mock", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("prodgy-mock ")


def test_no_orphan_when_python_dies():
    script = (
        "import os, prodgy_mock\n"
        "mock = prodgy_mock.MockServer().start()\n"
        "print(mock.url, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert parent.returncode == -9
    url = parent.stdout.strip()
    # Its stdin pipe closed with the parent: the mock drains and exits. Wait for that
    # event (bounded), not for time to pass.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/__admin/health", timeout=1).close()
        except urllib.error.URLError:  # refused: nothing listens there any more
            return
        except ConnectionResetError:  # closed while it shuts down: look again
            pass
        time.sleep(0.02)
    pytest.fail(f"the mock at {url} outlived its parent")
