"""Example tests a Python client project would write against prodgy-mock."""

import pytest


def test_lists_the_workspace_agents(api):
    status, body = api.call("GET", "/agent-base")
    assert status == 200
    assert body["success"] is True
    assert body["pagination"]["total"] == 3


def test_install_then_uninstall_in_its_own_namespace(api):
    status, body = api.call("POST", "/agent-base/install", {"agent_id": "c1a0b2c3-0005-4000-8000-000000000005"})
    assert status == 201
    agent_id = body["data"]["id"]
    status, _ = api.call("DELETE", f"/agent-base/{agent_id}")
    assert status == 200
    status, body = api.call("GET", f"/agent-base/{agent_id}")
    assert (status, body["error"]) == (404, "Not Found")


def test_namespaces_keep_tests_apart(api):
    # Other tests installed agents in their own namespaces: nothing leaked here.
    status, body = api.call("GET", "/agent-base")
    assert body["pagination"]["total"] == 3


def test_a_revoked_token_is_refused(api):
    api.token = "prodgy_RevokedAcmeToken000000000000005"
    status, body = api.call("GET", "/agent-base")
    assert status == 401
    assert body["message"].startswith("revoked token")


def test_verifies_calls_through_the_request_journal(api, prodgy_mock):
    api.call("POST", "/integrations-base", {"title": "Jira"})
    assert prodgy_mock.count(route="integrations.create", status=201) == 1
    [entry] = prodgy_mock.requests(method="POST")
    assert entry["path"] == "/api/integrations-base"


def test_retries_survive_transient_errors(api, prodgy_mock):
    prodgy_mock.use_scenario("retry-then-succeed")  # this test's requests only
    statuses = [api.call("GET", "/agent-base")[0] for _ in range(3)]
    assert statuses == [500, 500, 200]


@pytest.mark.parametrize("path", ["/agent-base", "/integrations-base"])
def test_parametrized_node_ids_are_namespaces_as_they_are(api, prodgy_mock, request, path):
    # The namespace is this test's node id, brackets and slashes included.
    assert prodgy_mock.namespace == request.node.nodeid
    status, body = api.call("GET", path)
    assert status == 200, body
