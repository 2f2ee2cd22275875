"""prodgy-mock for Python: the emulator binary (on PATH after `pip install prodgy-mock`),
`MockServer` to run it from tests, and a pytest plugin (fixture `prodgy_mock`).

```python
from prodgy_mock import MockServer

with MockServer(scenario="retry-then-succeed", seed=7) as mock:
    client = MyClient(base_url=f"{mock.url}/api", token=mock.token)
    ...
```
"""

from ._server import (
    BINARY_ENV,
    DEFAULT_TOKEN,
    AuthMode,
    Entry,
    MockError,
    MockNamespace,
    MockServer,
    find_binary,
)

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
