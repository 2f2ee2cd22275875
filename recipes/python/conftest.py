"""A client project's conftest.py, with `pip install prodgy-mock pytest` done.

The plugin that comes with the wheel starts one mock per session (per worker under
pytest-xdist) and gives each test the fixture `prodgy_mock`: that mock seen through a
namespace of the test's own. This file only pins the mock's options and points the
project's client at it.
"""
import json
import urllib.error
import urllib.request

import pytest


@pytest.fixture(scope="session")
def prodgy_mock_options():
    # The same data and the same clock on every run. `pytest --prodgy-mock-scenario NAME`
    # adds a scenario without editing this file.
    return {"seed": 42, "clock": "2026-03-05T14:30:00Z"}


@pytest.fixture
def api(prodgy_mock):
    """The project's API client pointed at the mock (here a few lines of urllib)."""
    return Client(prodgy_mock.url + "/api", prodgy_mock.headers)


class Client:
    def __init__(self, base, headers):
        self.base, self.headers, self.token = base, headers, None

    def call(self, method, path, body=None):
        headers = self.headers()  # the token, the test's namespace (and its scenario)
        if self.token:
            headers["X-API-Token"] = self.token
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
