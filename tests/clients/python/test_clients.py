"""Third-party Python clients against the real binary (run by scripts/clients.sh).

The failures users met showed only through these clients: BrokenPipeError from
http.client on a refused body, and a kept-alive connection that broke after an early 404.
"""

import http.client
import json
import os
from urllib.parse import urlsplit

import httpx
import pytest
import requests

BASE = os.environ["PRODGY_MOCK_URL"]
TOKEN = "prodgy_AcmeSupportDefaultToken000000001"
HEADERS = {"X-API-Token": TOKEN, "Content-Type": "application/json"}
TRIES = 20


@pytest.fixture(scope="module")
def huge():
    """A JSON body over the default 25 MiB limit: 27 MiB."""
    return json.dumps({"title": "x" * (27 * 1024 * 1024), "type": "jira"}).encode()


def connection():
    parts = urlsplit(BASE)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def test_http_client_reads_the_413_and_keeps_its_connection(huge):
    conn = connection()
    for attempt in range(TRIES):
        conn.request("POST", "/api/integrations-base", body=huge, headers=HEADERS)
        response = conn.getresponse()
        body = json.loads(response.read())
        assert (response.status, body["error"]) == (413, "Payload Too Large"), attempt
        conn.request("GET", "/api/agent-base", headers=HEADERS)
        after = conn.getresponse()
        after.read()
        assert after.status == 200, f"same connection after the 413, try {attempt + 1}"
    conn.close()


def test_http_client_keeps_its_connection_after_an_early_404_and_405():
    conn = connection()
    body = json.dumps({"title": "Jira", "type": "jira"})
    for method, path, status in [
        ("POST", "/api/nope", 404),
        ("PATCH", "/api/integrations-base", 405),
        ("POST", "/__admin/nope", 404),
    ]:
        conn.request(method, path, body=body, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        assert response.status == status
        conn.request("GET", "/api/agent-base", headers=HEADERS)
        after = conn.getresponse()
        after.read()
        assert after.status == 200, f"after {method} {path}"
    conn.close()


def test_http_client_head_has_no_body():
    conn = connection()
    conn.request("HEAD", "/api/agent-base", headers=HEADERS)
    response = conn.getresponse()
    assert response.status == 200
    assert response.read() == b""
    conn.request("GET", "/api/agent-base", headers=HEADERS)
    assert conn.getresponse().status == 200
    conn.close()


def test_requests_reads_the_413_every_time(huge):
    with requests.Session() as session:
        for attempt in range(TRIES):
            response = session.post(f"{BASE}/api/integrations-base", data=huge, headers=HEADERS)
            assert response.status_code == 413, attempt
            assert response.json()["error"] == "Payload Too Large"


def test_httpx_reads_the_413_and_reuses_its_connection(huge):
    with httpx.Client(base_url=BASE, headers=HEADERS, timeout=30) as client:
        for attempt in range(TRIES):
            response = client.post("/api/integrations-base", content=huge)
            assert response.status_code == 413, attempt
            assert client.get("/api/agent-base").status_code == 200
