"""Shared helpers for the package's own tests (run by scripts/package-test.sh against the
installed wheel, outside the repository)."""

from __future__ import annotations

import functools
import json
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple, Union

import pytest

from prodgy_mock import MockNamespace, MockServer

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def prodgy_mock_options() -> Dict[str, Any]:
    """The plugin's options fixture, overridden as a project would."""
    return {"seed": 7, "clock": "2026-03-05T14:30:00Z"}


def call_json(
    mock: Union[MockServer, MockNamespace],
    method: str,
    path: str,
    body: Optional[Dict[str, Any]] = None,
    headers: Optional[Dict[str, str]] = None,
) -> Tuple[int, Dict[str, Any]]:
    """One call with the mock's headers (plus `headers`): the status and the JSON body."""
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(mock.url + path, data=data, method=method)
    for name, value in {**mock.headers(), **(headers or {})}.items():
        call.add_header(name, value)
    if data is not None:
        call.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(call) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def http():
    """`call_json(mock, method, path, body=None, headers=None)` for any server or namespace."""
    return call_json


@pytest.fixture
def call(prodgy_mock: MockNamespace):
    """`call_json` bound to this test's namespace."""
    return functools.partial(call_json, prodgy_mock)
