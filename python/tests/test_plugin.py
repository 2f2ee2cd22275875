"""The pytest plugin: fixtures, per-test namespaces, options, failure reports."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from prodgy_mock import MockNamespace
from prodgy_mock.pytest_plugin import MAX_NAMESPACE, namespace_for

GLOBAL_INTEGRATIONS = "/api/integrations-base?scope=global"


def test_the_fixture_is_a_namespace_named_after_the_test(prodgy_mock, request):
    assert isinstance(prodgy_mock, MockNamespace)
    assert prodgy_mock.namespace == request.node.nodeid
    assert prodgy_mock.headers()["X-Mock-Namespace"] == request.node.nodeid


def test_calls_land_in_this_tests_journal(prodgy_mock, call):
    status, body = call("GET", "/api/agent-base")
    assert (status, body["pagination"]["total"]) == (200, 3)
    assert prodgy_mock.count(route="agents.list") == 1
    [entry] = prodgy_mock.requests()
    assert (entry["namespace"], entry["status"]) == (prodgy_mock.namespace, 200)


@pytest.mark.parametrize("title", ["Jira", "Linear", "GitHub issues", "Zendesk/EU"])
def test_each_test_starts_from_the_seed(prodgy_mock, call, title):
    _, before = call("GET", GLOBAL_INTEGRATIONS)
    status, _ = call("POST", "/api/integrations-base", {"title": title})
    assert status == 201
    _, after = call("GET", GLOBAL_INTEGRATIONS)
    # Run in any order, serially or spread over xdist workers: every parameter sees the
    # seed plus its own integration, never another test's.
    assert after["pagination"]["total"] == before["pagination"]["total"] + 1
    assert prodgy_mock.count(method="POST") == 1


def test_a_scenario_chosen_by_a_test_stays_in_its_namespace(prodgy_mock, prodgy_mock_server, call, http):
    prodgy_mock.use_scenario("server-errors")
    assert call("GET", "/api/agent-base")[0] == 500
    assert http(prodgy_mock_server, "GET", "/api/agent-base")[0] == 200
    assert http(prodgy_mock_server.namespace("elsewhere"), "GET", "/api/agent-base")[0] == 200
    prodgy_mock.use_scenario("default")
    assert call("GET", "/api/agent-base")[0] == 200


def test_a_token_expires_when_the_clock_is_advanced(prodgy_mock, call):
    now = prodgy_mock.advance(0)["unix"]
    status, body = call("POST", "/api/api-tokens", {"name": "short-lived", "expires_at": _rfc3339(now + 60)})
    assert status == 201, body
    short_lived = {"X-API-Token": body["data"]["token"]}
    assert call("GET", "/api/agent-base", headers=short_lived)[0] == 200
    prodgy_mock.advance(61)  # no sleeping: the mock's clock moves
    status, body = call("GET", "/api/agent-base", headers=short_lived)
    assert (status, body["error"]) == (401, "Unauthorized")


def test_reset_puts_the_namespace_back_to_the_seed(prodgy_mock, call):
    call("POST", "/api/integrations-base", {"title": "Temporary"})
    _, before = call("GET", GLOBAL_INTEGRATIONS)
    prodgy_mock.reset()
    _, after = call("GET", GLOBAL_INTEGRATIONS)
    assert after["pagination"]["total"] == before["pagination"]["total"] - 1
    assert prodgy_mock.count() == 1  # reset also cleared the journal: only the last GET


def test_node_ids_the_server_accepts_are_used_as_they_are():
    node_id = "tests/test_x.py::TestY::test_z[a-1/b:c]"
    assert namespace_for(node_id) == node_id


@pytest.mark.parametrize("node_id", ["t.py::test[with space]", "t.py::test[caf\u00e9]", "t.py::" + "x" * 300])
def test_other_node_ids_become_unique_visible_ascii(node_id):
    name = namespace_for(node_id)
    assert 0 < len(name) <= MAX_NAMESPACE
    assert all("!" <= c <= "~" for c in name)
    assert name != namespace_for(node_id + "2")


def test_the_scenario_option_applies_to_the_session(pytester):
    pytester.makepyfile(
        """
        def test_inner(prodgy_mock_server):
            assert prodgy_mock_server.args[:2] == ["--scenario", "server-errors"]
        """
    )
    result = pytester.runpytest_subprocess("--prodgy-mock-scenario", "server-errors", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_project_overrides_the_options_fixture(pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def prodgy_mock_options():
            return {"scenario": "unauthorized", "seed": 3}
        """
    )
    pytester.makepyfile(
        """
        import urllib.error, urllib.request

        def test_inner(prodgy_mock):
            call = urllib.request.Request(prodgy_mock.url + "/api/agent-base", headers=prodgy_mock.headers())
            try:
                urllib.request.urlopen(call)
            except urllib.error.HTTPError as error:
                assert error.code == 401
            else:
                raise AssertionError("the unauthorized scenario was not active")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_failing_test_reports_its_requests(pytester):
    pytester.makepyfile(
        """
        import urllib.request

        def test_inner(prodgy_mock):
            call = urllib.request.Request(prodgy_mock.url + "/api/agent-base?page=1", headers=prodgy_mock.headers())
            urllib.request.urlopen(call)
            assert False, "on purpose"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*prodgy-mock requests in namespace test_a_failing_test_reports_its_requests.py::test_inner*",
         "*200  GET /api/agent-base?page=1*"]
    )


def _rfc3339(unix: int) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_tests_namespace_is_freed_when_it_ends(pytester):
    pytester.makepyfile(
        """
        import json, urllib.request

        def namespaces(server):
            with urllib.request.urlopen(server.url + "/__admin/health") as response:
                return json.load(response)["data"]["namespaces"]

        def test_first(prodgy_mock):
            call = urllib.request.Request(
                prodgy_mock.url + "/api/integrations-base", data=b'{"title": "Jira"}', method="POST",
                headers={**prodgy_mock.headers(), "Content-Type": "application/json"})
            urllib.request.urlopen(call)
            assert prodgy_mock.namespace in namespaces(prodgy_mock.server)

        def test_second(prodgy_mock_server):
            assert "test_a_tests_namespace_is_freed_when_it_ends.py::test_first" not in namespaces(prodgy_mock_server)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(passed=2)
