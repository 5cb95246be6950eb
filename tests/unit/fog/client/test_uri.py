"""Fog view and ledger URIs (fog/uri, util/uri)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import FogError
from refimpl.fog.client.uri import FogUri, parse_endpoint, parse_fog_uri


def test_default_ports_responder_ids_and_tls() -> None:
    assert parse_fog_uri("insecure-fog-view://127.0.0.1/", "fog-view") == \
        FogUri("insecure-fog-view", "127.0.0.1", 3225)
    ledger = parse_fog_uri("insecure-fog-ledger://localhost", "fog-ledger")
    assert (ledger.port, ledger.responder_id, ledger.grpc_target()) == \
        (3223, "localhost:3223", "localhost:3223")
    secure = parse_fog_uri("fog-view://fog.example.com", "fog-view")
    assert (secure.port, secure.use_tls, str(secure)) == \
        (443, True, "fog-view://fog.example.com:443/")
    with pytest.raises(FogError) as info:
        secure.grpc_target()
    assert info.value.code == "fog.client_tls_unsupported"
    assert parse_endpoint("[::1]:5000", "fog-ledger").addr == "[::1]:5000"
    assert parse_endpoint("127.0.0.1:7", "fog-view") == FogUri("insecure-fog-view", "127.0.0.1",
                                                               7)


@pytest.mark.parametrize("text", [
    "insecure-fog-ledger://h:1/",        # another kind
    "insecure-fog://h:1/",               # a report server's scheme
    "insecure-fog-view://h:1/path",
    "insecure-fog-view://h:99999/",
    "insecure-fog-view://u@h:1/",
    "insecure-fog-view:///",
    "insecure-fog-view://h:1/?q",
])
def test_bad_view_uris_are_refused(text: str) -> None:
    with pytest.raises(FogError) as info:
        parse_fog_uri(text, "fog-view")
    assert info.value.code == "fog.client_bad_uri"


@given(st.text(max_size=40))
def test_any_text_parses_or_is_a_typed_refusal(text: str) -> None:
    try:
        uri = parse_endpoint(text, "fog-view")
    except FogError as exc:
        assert exc.code == "fog.client_bad_uri"
    else:
        assert 0 <= uri.port < 65536 and uri.host
