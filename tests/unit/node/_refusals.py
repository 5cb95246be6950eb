"""The refusal check the node's config, local-network and link-proxy tests share."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from refimpl.errors import NodeError


def refused(code: str, fn: Callable[[], object], *words: str) -> NodeError:
    """``fn()`` raises a :class:`NodeError` with ``code`` whose message has every word."""
    with pytest.raises(NodeError) as info:
        fn()
    assert info.value.code == code, info.value.one_line()
    for word in words:
        assert word in info.value.message, (word, info.value.message)
    return info.value
