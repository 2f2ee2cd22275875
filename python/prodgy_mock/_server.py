"""`MockServer`: the bundled prodgy-mock binary on a free port, and its admin API.

The process is started with `--port 0 --exit-on-stdin-eof`: the URL comes from the first
stdout line, and the process holds our end of its stdin, so it exits when we stop it *or*
when this Python process dies (the OS closes the pipe). No orphans, no PID files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import IO, Any, Dict, List, Literal, Optional, Sequence, Type, Union

__all__ = [
    "BINARY_ENV",
    "DEFAULT_TOKEN",
    "AuthMode",
    "Entry",
    "MockError",
    "MockNamespace",
    "MockServer",
    "find_binary",
]

#: Environment variable naming the binary to run instead of the bundled one.
BINARY_ENV = "PRODGY_MOCK_BIN"
#: The built-in fixtures' token of the default product (Acme Support). `MockServer.token`
#: reads the real one from the running server, so custom fixtures work too.
DEFAULT_TOKEN = "prodgy_AcmeSupportDefaultToken000000001"

AuthMode = Literal["lenient", "strict", "off"]
#: One request journal entry, as `GET /__admin/requests` answers it.
Entry = Dict[str, Any]
StrPath = Union[str, "os.PathLike[str]"]

_LISTENING = "prodgy-mock listening on "
_FILTERS = ("method", "path", "route", "status", "namespace")
_EXE = "prodgy-mock" + (sysconfig.get_config_var("EXE") or "")


class MockError(RuntimeError):
    """The mock could not be found or started, or an admin call failed; the message says why."""


def find_binary() -> str:
    """The prodgy-mock executable to run.

    `PRODGY_MOCK_BIN` when set; otherwise the binary the wheel installed into the scripts
    directory that belongs to this package's installation (a virtualenv's `bin/`, the user
    scheme's, `pip install --prefix` or `--target`); otherwise `prodgy-mock` on `PATH`.
    """
    override = os.environ.get(BINARY_ENV)
    if override:
        if not os.path.isfile(override):
            raise MockError(f"{BINARY_ENV}={override!r} is not a file")
        return override
    searched = _script_dirs()
    for directory in searched:
        candidate = os.path.join(directory, _EXE)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(_EXE)
    if on_path:
        return on_path
    raise MockError(
        f"cannot find the {_EXE} binary: looked in {', '.join(searched)} and on PATH. "
        f"Reinstall the wheel (pip install --force-reinstall prodgy-mock) or set {BINARY_ENV}."
    )


def _script_dirs() -> List[str]:
    """Where a wheel's scripts land: first relative to where this package landed, then the
    interpreter's own scripts directories."""
    site_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    relative: List[str] = []
    absolute: List[str] = []
    for scheme in (None, _user_scheme()):
        try:
            paths = sysconfig.get_paths(scheme) if scheme else sysconfig.get_paths()
            scripts = os.path.relpath(paths["scripts"], paths["purelib"])
        except (KeyError, ValueError):  # an unknown scheme; paths on different drives
            continue
        relative.append(os.path.normpath(os.path.join(site_dir, scripts)))
        absolute.append(paths["scripts"])
    relative.append(os.path.join(site_dir, "bin"))  # pip install --target DIR puts scripts in DIR/bin
    unique: List[str] = []
    for directory in relative + absolute:
        if directory not in unique:
            unique.append(directory)
    return unique


def _user_scheme() -> str:
    if hasattr(sysconfig, "get_preferred_scheme"):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "posix_user"


def _clock_flag(clock: Union[str, datetime]) -> str:
    if isinstance(clock, str):
        return clock
    if clock.tzinfo is None:
        clock = clock.replace(tzinfo=timezone.utc)
    return clock.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _names(name: Union[str, Sequence[str]]) -> List[str]:
    return [name] if isinstance(name, str) else list(name)


class MockServer:
    """A prodgy-mock process on 127.0.0.1 and a free port, for the length of a `with` block.

    ```python
    with MockServer(seed=7, clock="2026-03-05T14:30:00Z") as mock:
        requests.get(f"{mock.url}/api/agent-base", headers=mock.headers("my-test"))
        assert mock.count(route="agents.list", namespace="my-test") == 1
        mock.advance(60)  # move the mock's clock instead of sleeping
    ```

    Options map to the binary's flags: `scenario` (a name, a file, or a list of them),
    `fixtures` (a directory or an exported state file), `seed`, `auth`, `clock` (RFC 3339
    text or a `datetime`: freezes the clock there), `faithful` (`--faithful`, for binaries
    that have it) and `extra_args` (any other flags, as a list). `binary` overrides
    `find_binary()`.
    """

    def __init__(
        self,
        *,
        scenario: Union[str, Sequence[str], None] = None,
        fixtures: Optional[StrPath] = None,
        seed: Optional[int] = None,
        auth: Optional[AuthMode] = None,
        clock: Union[str, datetime, None] = None,
        faithful: bool = False,
        extra_args: Sequence[str] = (),
        binary: Optional[StrPath] = None,
        startup_timeout: float = 30.0,
    ) -> None:
        args: List[str] = []
        for name in _names(scenario) if scenario is not None else []:
            args += ["--scenario", name]
        if fixtures is not None:
            args += ["--fixtures", os.fspath(fixtures)]
        if seed is not None:
            args += ["--seed", str(int(seed))]
        if auth is not None:
            args += ["--auth", auth]
        if clock is not None:
            args += ["--clock", _clock_flag(clock)]
        if faithful:
            args.append("--faithful")
        if isinstance(extra_args, str):
            raise TypeError("extra_args is a list of arguments, not one string")
        args += [str(arg) for arg in extra_args]
        #: The flags passed to the binary after `--port 0 --exit-on-stdin-eof`.
        self.args: List[str] = args
        self._binary = os.fspath(binary) if binary is not None else None
        self._startup_timeout = startup_timeout
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._log: Optional[IO[bytes]] = None
        self._url: Optional[str] = None
        self._token: Optional[str] = None
        self._scenarios: Dict[str, str] = {}
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- lifetime ---------------------------------------------------------------------------

    def start(self) -> "MockServer":
        """Starts the process and waits for its listening line; raises `MockError` if it exits."""
        if self._process is not None:
            raise MockError("this MockServer is already running")
        command = [self._binary or find_binary(), "--port", "0", "--exit-on-stdin-eof", *self.args]
        self._token, self._scenarios = None, {}
        self._log = tempfile.TemporaryFile()  # stderr: read back when startup fails
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log
            )
        except OSError as error:
            self._log.close()
            raise MockError(f"cannot run {command[0]}: {error}") from error
        self._process = process
        line = self._first_line(process)
        if line is None or not line.startswith(_LISTENING):
            self._process = None
            if line != "":  # silent, or not a prodgy-mock: stop it; else it has exited
                process.kill()
            code = process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
            raise MockError(
                f"prodgy-mock did not start ({' '.join(command)}): "
                + (f"no listening line in {self._startup_timeout}s" if line is None else f"exit code {code}")
                + (f", first line {line!r}" if line else "")
                + self._stderr_tail()
            )
        self._url = line[len(_LISTENING):].strip()
        return self

    def _first_line(self, process: "subprocess.Popen[bytes]") -> Optional[str]:
        """The first stdout line; '' when the process closed stdout, None past the timeout."""
        assert process.stdout is not None
        stdout = process.stdout
        lines: List[bytes] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self._startup_timeout)
        return lines[0].decode("utf-8", "replace").strip() if lines else None

    def _stderr_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace").strip()
        self._log.close()
        self._log = None
        return f"\n{text[-4000:]}" if text else ""

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """Closes the process's stdin (it drains and exits 0) and returns its exit code.

        A process still running after `timeout` seconds is killed. `None` when not running.
        """
        process, self._process = self._process, None
        if process is None:
            return None
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    @property
    def running(self) -> bool:
        """Whether the process is up."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        code = self.stop()
        if code not in (0, None) and exc_type is None:
            raise MockError(f"prodgy-mock exited with code {code}")

    # -- where and how to call it -----------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:41234` (the API is under `/api`)."""
        if self._url is None or self._process is None:
            raise MockError("the MockServer is not running: use `with MockServer() as mock:` or start()")
        return self._url

    @property
    def token(self) -> str:
        """An active API token of the default product, read once from the server's state
        (`DEFAULT_TOKEN` when the admin API is off)."""
        if self._token is None:
            self._token = self._default_token()
        return self._token

    def _default_token(self) -> str:
        try:
            state = self._admin("GET", "/__admin/state")
        except MockError:  # the admin API is off (--admin off): assume the built-in fixtures
            return DEFAULT_TOKEN
        products = state.get("products") or []
        marked = [p for p in products if p.get("default") is True]
        product = (marked or products or [{}])[0].get("id")
        now = self._admin("GET", "/__admin/clock")["unix_ms"] / 1000
        for token in state.get("tokens") or []:
            expires = token.get("expires_at")
            if (
                token.get("product_id") == product
                and token.get("status") == "active"
                and token.get("is_active", True)
                and (expires is None or _unix(expires) > now)
            ):
                return str(token["token"])
        raise MockError(f"the fixtures have no active token for the default product {product!r}")

    def headers(self, namespace: Optional[str] = None) -> Dict[str, str]:
        """Request headers: the token, and `X-Mock-Namespace` (plus the namespace's scenario
        from `use_scenario(..., namespace)`) when a namespace is given."""
        headers = {"X-API-Token": self.token}
        if namespace is not None:
            headers["X-Mock-Namespace"] = namespace
            if namespace in self._scenarios:
                headers["X-Mock-Scenario"] = self._scenarios[namespace]
        return headers

    def namespace(self, name: str) -> "MockNamespace":
        """A view of this server bound to one namespace (what the pytest fixture gives)."""
        return MockNamespace(self, name)

    # -- admin API --------------------------------------------------------------------------

    def requests(self, **filters: Any) -> List[Entry]:
        """The request journal, newest first: `method`, `path`, `route` (e.g. `agents.get`),
        `status`, `namespace` and `limit` filter it."""
        return list(self._admin("GET", "/__admin/requests", query=_filters(filters, "limit")))

    def count(self, **filters: Any) -> int:
        """How many journaled requests pass the filters (the same ones as `requests`)."""
        return int(self._admin("GET", "/__admin/requests/count", query=_filters(filters))["count"])

    def reset(self, namespace: Optional[str] = None) -> None:
        """Puts one namespace (or all state) back to the seed, with its journal entries,
        scenario call counters and rate-limit windows."""
        self._admin("POST", "/__admin/reset", query={"namespace": namespace} if namespace else None)

    def advance(self, seconds: Union[float, timedelta]) -> Dict[str, Any]:
        """Moves the server clock forward (for every namespace); answers the new clock."""
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return dict(self._admin("POST", "/__admin/clock/advance", body={"seconds": seconds}))

    def use_scenario(self, name: Union[str, Sequence[str]], namespace: Optional[str] = None) -> None:
        """Activates scenarios by name (`"default"` turns injection off).

        Without a namespace this switches the whole server. With one, only requests sent
        with `headers(namespace)` see it (as `X-Mock-Scenario`), so parallel tests in other
        namespaces are unaffected.
        """
        names = _names(name)
        if namespace is None:
            self._admin("POST", "/__admin/scenario", body={"scenarios": names})
            return
        known = {s["name"] for s in self._admin("GET", "/__admin/scenario")["available"]}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise MockError(f"unknown scenario {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        self._scenarios[namespace] = ",".join(names)

    def _admin(
        self,
        method: str,
        path: str,
        query: Optional[Dict[str, Any]] = None,
        body: Optional[Dict[str, Any]] = None,
    ) -> Any:
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=30) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("message", detail)
            except ValueError:
                pass
            raise MockError(f"{method} {path}: {error.code} {detail}") from None
        except urllib.error.URLError as error:
            raise MockError(f"{method} {path}: cannot reach the mock at {self.url}: {error.reason}") from None
        return payload.get("data")


def _filters(filters: Dict[str, Any], *extra: str) -> Dict[str, str]:
    allowed = _FILTERS + extra
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise TypeError(f"unknown filter {', '.join(unknown)}; use {', '.join(allowed)}")
    return {key: str(value) for key, value in filters.items() if value is not None}


def _unix(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class MockNamespace:
    """One namespace of a running `MockServer`: the same calls, scoped to `namespace`.

    The pytest fixture `prodgy_mock` is one of these, named after the test's node id, so
    tests sharing the session's server do not see each other's state, journal or
    scenario. The clock is the server's: `advance` moves it for every namespace.
    """

    def __init__(self, server: MockServer, namespace: str) -> None:
        #: The server this view talks to.
        self.server = server
        #: The namespace name sent as `X-Mock-Namespace`.
        self.namespace = namespace

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    @property
    def token(self) -> str:
        """An active token of the default product."""
        return self.server.token

    def headers(self, namespace: Optional[str] = None) -> Dict[str, str]:
        """`MockServer.headers` for this namespace (or another one)."""
        return self.server.headers(namespace or self.namespace)

    def requests(self, **filters: Any) -> List[Entry]:
        """This namespace's journal entries, newest first (same filters as the server's)."""
        filters.setdefault("namespace", self.namespace)
        return self.server.requests(**filters)

    def count(self, **filters: Any) -> int:
        """How many of this namespace's journal entries pass the filters."""
        filters.setdefault("namespace", self.namespace)
        return self.server.count(**filters)

    def reset(self, namespace: Optional[str] = None) -> None:
        """Puts this namespace back to the seed."""
        self.server.reset(namespace or self.namespace)

    def advance(self, seconds: Union[float, timedelta]) -> Dict[str, Any]:
        """Moves the server clock forward (shared by every namespace of the server)."""
        return self.server.advance(seconds)

    def use_scenario(self, name: Union[str, Sequence[str]], namespace: Optional[str] = None) -> None:
        """Scenarios for requests sent with this namespace's `headers()`."""
        self.server.use_scenario(name, namespace or self.namespace)

    def __repr__(self) -> str:
        return f"MockNamespace({self.namespace!r} at {self.server._url})"

