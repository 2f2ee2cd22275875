"""A pytest fixture that runs prodgy-mock on a free port for the whole session.

Point PRODGY_MOCK_BIN at the binary (default: `prodgy-mock` on PATH).
"""
import json
import os
import subprocess
import urllib.request

import pytest


@pytest.fixture(scope="session")
def prodgy_mock():
    binary = os.environ.get("PRODGY_MOCK_BIN", "prodgy-mock")
    proc = subprocess.Popen(
        [binary, "--port", "0", "--exit-on-stdin-eof", "--clock", "2026-03-05T14:30:00Z"],
        stdin=subprocess.PIPE,  # closing it (or our death) stops the mock: no orphans
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()  # printed once bound and loaded
    assert line.startswith("prodgy-mock listening on "), line
    url = line.rsplit(" ", 1)[1]
    yield url
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0


@pytest.fixture
def mock(prodgy_mock, request):
    """Per-test isolation: each test gets its own namespace, named by its node id as it is."""
    return Client(prodgy_mock, namespace=request.node.nodeid)


class Client:
    def __init__(self, base, namespace, token="prodgy_AcmeSupportDefaultToken000000001"):
        self.base, self.namespace, self.token = base, namespace, token

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("X-API-Token", self.token)
        request.add_header("X-Mock-Namespace", self.namespace)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
