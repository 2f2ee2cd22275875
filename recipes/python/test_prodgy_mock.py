"""Example tests a Python client project would write against prodgy-mock."""

import pytest


def test_lists_the_workspace_agents(mock):
    status, body = mock.call("GET", "/api/agent-base")
    assert status == 200
    assert body["success"] is True
    assert body["pagination"]["total"] == 3


def test_install_then_uninstall_in_its_own_namespace(mock):
    status, body = mock.call("POST", "/api/agent-base/install",
                             {"agent_id": "c1a0b2c3-0005-4000-8000-000000000005"})
    assert status == 201
    agent_id = body["data"]["id"]
    status, _ = mock.call("DELETE", f"/api/agent-base/{agent_id}")
    assert status == 200
    status, body = mock.call("GET", f"/api/agent-base/{agent_id}")
    assert (status, body["error"]) == (404, "Not Found")


def test_namespaces_keep_tests_apart(mock):
    # The previous test's install happened in another namespace: nothing leaked here.
    status, body = mock.call("GET", "/api/agent-base")
    assert body["pagination"]["total"] == 3


def test_a_revoked_token_is_refused(mock):
    mock.token = "prodgy_AcmeRevokedToken000000000000005"
    status, body = mock.call("GET", "/api/agent-base")
    assert status == 401
    assert body["message"].startswith("revoked token")


@pytest.mark.parametrize("path", ["/api/agent-base", "/api/integrations-base"])
def test_parametrized_node_ids_are_namespaces_as_they_are(mock, path):
    # The namespace is this test's node id, brackets and slashes included.
    assert "[" in mock.namespace and "/" in mock.namespace
    status, body = mock.call("GET", path)
    assert status == 200, body
