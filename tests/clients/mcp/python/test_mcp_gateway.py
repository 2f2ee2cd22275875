"""The official Python MCP SDK (`mcp` on PyPI) against the mock's /mcp (run by
scripts/mcp-clients.sh, which starts the mock with a frozen clock and sets PRODGY_MOCK_URL).

Every test runs twice: with the SDK's default negotiation ("auto": the 2026-07-28 revision,
stateless, no session) and with the initialize handshake ("legacy": a session id). Each test
works in its own namespace, so the tests share one mock without seeing each other's writes.
"""

import json
import os
import uuid
from contextlib import asynccontextmanager

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

BASE = os.environ["PRODGY_MOCK_URL"]
ACME = "9b2f4c1e-0a3d-4e5f-8a71-2c4d6e8f0a11"
ACME_TOKEN = "prodgy_AcmeSupportDefaultToken000000001"  # role admin
GLOBEX_TOKEN = "prodgy_GlobexSalesDefaultToken0000000002"  # role member
SUPPORT_TRIAGE = "a9e1f3b5-0001-4c6d-8e7f-100000000001"
RELEASE_NOTES = "c1a0b2c3-0005-4000-8000-000000000005"


@pytest.fixture(params=["auto", "legacy"])
def mode(request):
    return request.param


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def namespace(request):
    return f"py-{request.node.name}-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def connect(mode, token=ACME_TOKEN, **headers):
    """An SDK client of /mcp calling with `token` and extra `headers`."""
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with httpx2.AsyncClient(headers=sent, timeout=30) as http:
        transport = streamable_http_client(f"{BASE}/mcp", http_client=http)
        async with Client(transport, mode=mode) as client:
            yield client


def envelope(result):
    """The REST envelope a successful tool result carries."""
    assert result.is_error is False, result
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def refusal(result, error):
    """The message of a failed tool result whose envelope has `error`."""
    assert result.is_error is True, result
    assert result.structured_content["error"] == error, result.structured_content
    return result.structured_content["message"]


def rest(method, path, namespace, body=None, token=ACME_TOKEN):
    headers = {"X-API-Token": token, "X-Mock-Namespace": namespace}
    response = httpx2.request(method, f"{BASE}{path}", headers=headers, json=body, timeout=30)
    return response.status_code, response.json()


def advance(seconds):
    response = httpx2.post(f"{BASE}/__admin/clock/advance", json={"seconds": seconds}, timeout=30)
    assert response.status_code == 200


@pytest.mark.anyio
async def test_the_handshake_lists_every_tool_with_a_schema(mode, namespace):
    async with connect(mode, X_Mock_Namespace=namespace) as client:
        assert "Acme Support" in client.instructions
        listed = await client.list_tools()
        names = [tool.name for tool in listed.tools]
        assert len(names) == 16 and names[0] == "get_my_profile", names
        invoke = next(t for t in listed.tools if t.name == "invoke_agent")
        assert invoke.input_schema["required"] == ["agent_id"]
        assert invoke.input_schema["additionalProperties"] is False


@pytest.mark.anyio
async def test_an_unauthorized_call_fails_with_the_rest_reason(mode):
    with pytest.raises(BaseException) as raised:
        async with connect(mode, token="prodgy_RevokedAcmeToken000000000000005") as client:
            await client.list_tools()
    assert "revoked token" in repr(raised.value) or "revoked token" in str(
        getattr(raised.value, "exceptions", "")
    ), raised.value


@pytest.mark.anyio
async def test_an_agent_installed_through_rest_is_listed_and_invoked(mode, namespace):
    status, installed = rest("POST", "/api/agent-base/install", namespace, {"agent_id": RELEASE_NOTES})
    assert status == 201, installed
    async with connect(mode, X_Mock_Namespace=namespace) as client:
        agents = envelope(await client.call_tool("list_agents", {"page_size": 10}))
        assert installed["data"]["id"] in [a["id"] for a in agents["data"]]
        started = envelope(
            await client.call_tool(
                "invoke_agent", {"agent_id": installed["data"]["id"], "input": {"version": "2.0"}}
            )
        )
    execution = started["data"]["execution_id"]
    status, polled = rest("GET", f"/api/workflow/{execution}/status", namespace)
    assert (status, polled["data"]["status"]) == (200, "running")
    advance(3600)
    status, polled = rest("GET", f"/api/workflow/{execution}/status", namespace)
    assert polled["data"]["status"] == "completed", polled
    assert polled["data"]["output"]["version"] == "2.0"


@pytest.mark.anyio
async def test_install_integration_shows_up_in_the_rest_list(mode, namespace):
    async with connect(mode, X_Mock_Namespace=namespace) as client:
        catalog = envelope(await client.call_tool("list_integration_catalog", {}))
        assert "azure_devops" in [t["type"] for t in catalog["data"]]
        template = envelope(await client.call_tool("get_integration", {"id": "azure_devops"}))
        assert template["data"]["credential_fields"] == ["personalAccessToken"]
        missing = await client.call_tool("install_integration", {"template_id": "azure_devops"})
        assert "credentials.personalAccessToken" in refusal(missing, "Bad Request")
        installed = envelope(
            await client.call_tool(
                "install_integration",
                {
                    "template_id": "azure_devops",
                    "title": "Azure DevOps - Backend",
                    "credentials": {"personalAccessToken": "xyz123"},
                    "settings": {"project_url": "https://dev.azure.com/acme/b", "project_name": "b"},
                },
            )
        )
        integration = installed["data"]
        assert integration["credentials"]["personalAccessToken"] == "********"
        listed = envelope(await client.call_tool("list_installed_integrations", {"type": "azure_devops"}))
        active = envelope(await client.call_tool("get_active_integrations", {}))
    _, rest_list = rest("GET", f"/api/integrations-base?product_id={ACME}&pageSize=100", namespace)
    assert integration["id"] in [i["id"] for i in rest_list["data"]]
    assert integration["id"] in [i["id"] for i in listed["data"]]
    assert integration["id"] in [i["id"] for i in active["data"]]


@pytest.mark.anyio
async def test_search_knowledge_answers_what_rest_search_answers(mode, namespace):
    _, expected = rest("POST", "/api/knowledge-base/search", namespace, {"query": "refund", "limit": 2})
    async with connect(mode, X_Mock_Namespace=namespace) as client:
        found = envelope(await client.call_tool("search_knowledge", {"query": "refund", "limit": 2}))
        assert found == expected
        blank = await client.call_tool("search_knowledge", {"query": " "})
        assert "'query'" in refusal(blank, "Bad Request")


@pytest.mark.anyio
async def test_the_profile_workspace_and_settings_tools(mode, namespace):
    async with connect(mode, X_Mock_Namespace=namespace) as client:
        profile = envelope(await client.call_tool("get_my_profile", {}))["data"]
        assert profile["user"]["role"] == "admin"
        assert profile["workspace"]["name"] == "Acme Support"
        preferences = envelope(
            await client.call_tool("update_my_ai_preferences", {"directive": "Be terse."})
        )["data"]
        assert preferences == {"directive": "Be terse.", "confirm_destructive_actions": True}
        info = envelope(await client.call_tool("get_workspace_info", {}))["data"]
        assert info["okrs"][0]["objective"] == "Faster first replies"
        settings = envelope(await client.call_tool("get_mcp_settings", {}))["data"]
        assert settings["rules"] == ["Never paste customer data into public channels."]
        changed = envelope(
            await client.call_tool("update_mcp_settings", {"instructions": "Python was here."})
        )["data"]
        assert changed["instructions"] == "Python was here."
    async with connect(mode, X_Mock_Namespace=namespace) as client:
        assert client.instructions == "Python was here."


@pytest.mark.anyio
async def test_templates_are_managed_by_admins_and_refused_to_members(mode, namespace):
    async with connect(mode, token=GLOBEX_TOKEN, X_Mock_Namespace=namespace) as member:
        refused = await member.call_tool("create_integration", {"name": "Linear", "type": "linear"})
        assert "admin" in refusal(refused, "Forbidden")
    async with connect(mode, X_Mock_Namespace=namespace) as admin:
        created = envelope(
            await admin.call_tool(
                "create_integration",
                {"name": "Linear", "type": "linear", "credential_fields": ["apiKey"]},
            )
        )["data"]
        updated = envelope(
            await admin.call_tool("update_integration", {"id": "linear", "category": "devops"})
        )["data"]
        assert updated["category"] == "devops" and updated["id"] == created["id"]
        envelope(await admin.call_tool("delete_integration", {"id": created["id"]}))
        gone = await admin.call_tool("get_integration", {"id": "linear"})
        refusal(gone, "Not Found")


@pytest.mark.anyio
async def test_two_namespaces_do_not_see_each_others_installs(mode, namespace):
    other = namespace + "-other"
    async with connect(mode, X_Mock_Namespace=namespace) as a, connect(mode, X_Mock_Namespace=other) as b:
        envelope(
            await a.call_tool(
                "install_integration", {"template_id": "hubspot", "credentials": {"accessToken": "t"}}
            )
        )
        seen_a = envelope(await a.call_tool("list_installed_integrations", {"type": "hubspot"}))
        seen_b = envelope(await b.call_tool("list_installed_integrations", {"type": "hubspot"}))
    assert seen_a["pagination"]["total"] == 1
    assert seen_b["pagination"]["total"] == 0


@pytest.mark.anyio
async def test_a_scenario_injected_failure_is_a_tool_error(mode, namespace):
    async with connect(mode, X_Mock_Namespace=namespace, X_Mock_Scenario="retry-then-succeed") as client:
        for _ in range(2):
            failed = await client.call_tool("invoke_agent", {"agent_id": SUPPORT_TRIAGE})
            assert "injected by scenario" in refusal(failed, "Internal Server Error")
        third = envelope(await client.call_tool("invoke_agent", {"agent_id": SUPPORT_TRIAGE}))
        assert third["data"]["status"] == "running"


@pytest.mark.anyio
async def test_over_the_rate_limit_a_call_fails_with_429(mode, namespace):
    async with connect(mode, X_Mock_Namespace=namespace, X_Mock_Scenario="ratelimit") as client:
        for _ in range(5):
            envelope(await client.call_tool("search_knowledge", {"query": "refund"}))
        with pytest.raises(MCPError) as raised:
            await client.call_tool("search_knowledge", {"query": "refund"})
        assert "rate limit of 5 requests" in str(raised.value)
    advance(60)
