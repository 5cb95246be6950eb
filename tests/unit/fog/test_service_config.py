"""The settings every fog role checks alike: listen addresses, responder ids, the SGX seed and
ranges, each refused with the code the role passes in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import FogError
from refimpl.fog.service_config import (
    hex_seed,
    in_range,
    listen_target,
    parse_listen_address,
    responder_id_check,
    seed_bytes,
    split_host_port,
    with_port,
)

SCHEMES = {"insecure-fog": 3225, "fog": 443}
CODES = ["fog.view_bad_config", "fog.ledger_config_bad_uri", "fog.ingest_bad_config",
         "fog.report_bad_config"]
HOSTS = st.sampled_from(["127.0.0.1", "0.0.0.0", "localhost", "fog.example", "fog_ingest-0",
                         "[::1]", "[fe80::1]"])


def refused(code: str, call: object) -> str:
    assert callable(call)
    with pytest.raises(FogError) as info:
        call()
    assert info.value.code == code
    return info.value.message


@given(HOSTS, st.integers(0, 65535), st.sampled_from(["", "/"]))
def test_every_form_of_a_listen_address_gives_its_host_and_port(host: str, port: int,
                                                                 slash: str) -> None:
    code = "fog.view_bad_config"
    assert parse_listen_address(f"{host}:{port}", SCHEMES, code, "x") == (host, port)
    assert parse_listen_address(f"insecure-fog://{host}:{port}{slash}", SCHEMES, code,
                                "x") == (host, port)
    assert parse_listen_address(f"insecure-fog://{host}{slash}", SCHEMES, code,
                                "x") == (host, 3225)
    assert listen_target(f"INSECURE-FOG://{host}:{port}/", SCHEMES, code,
                         "x") == f"{host}:{port}"
    assert with_port(f"{host}:0", port) == f"{host}:{port}"


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("text", [
    "nohost", "x:", ":5", "x:65536", "x:-1", "x y:1", "::1:5", "[::1]", "h\x00:1",
    "http://x:1/", "insecure-mc://x:1/", "insecure-fog://", "insecure-fog://x:1/path",
    "insecure-fog://x:1/?a=b", "insecure-fog://u@x:1/", "insecure-fog://x:1#f",
    "insecure-fog://x:99999/", "insecure-fog://x\t:1/",
])
def test_bad_listen_addresses_are_refused_with_the_roles_code(code: str, text: str) -> None:
    message = refused(code, lambda: parse_listen_address(text, SCHEMES, code, "--flag"))
    assert message.startswith("--flag: ")


def test_a_tls_scheme_parses_and_is_refused_naming_the_insecure_one() -> None:
    message = refused("fog.report_bad_config", lambda: parse_listen_address(
        "fog://x:1/", SCHEMES, "fog.report_bad_config", "--client-listen-uri"))
    assert "not supported; use insecure-fog://" in message


def test_host_port_with_a_default() -> None:
    assert split_host_port("store.example", 3225, "fog.view_bad_shard_uri",
                           "x") == ("store.example", 3225)
    assert split_host_port("[::1]", 3225, "fog.view_bad_shard_uri", "x") == ("[::1]", 3225)
    refused("fog.view_bad_shard_uri",
            lambda: split_host_port("", 3225, "fog.view_bad_shard_uri", "x"))


@pytest.mark.parametrize("code", CODES)
def test_responder_ids(code: str) -> None:
    optional = responder_id_check("--client-responder-id", code)
    required = responder_id_check("--local-node-id", code, optional=False)
    for good in ("fog.example:443", "[::1]:1", "fog_ingest:3226"):
        optional(None, None, good)
        required(None, None, good)
    optional(None, None, "")
    refused(code, lambda: required(None, None, ""))
    for bad in ("nohost", "h:0", "h:65536", "no port:1", 7):
        message = refused(code, lambda: optional(None, None, bad))  # noqa: B023
        assert message.startswith("--client-responder-id: ")


@pytest.mark.parametrize("code", CODES)
def test_seeds_and_ranges(code: str) -> None:
    assert hex_seed("00ff", code) == b"\x00\xff"
    for bad in ("", "0", "zz", None):
        refused(code, lambda: hex_seed(bad, code))  # noqa: B023
    seed_bytes(code)(None, None, b"s")
    for bad_seed in (b"", "s"):
        refused(code, lambda: seed_bytes(code)(None, None, bad_seed))  # noqa: B023
    check = in_range("--fog-index", 0, 10, code)
    check(None, None, 0)
    check(None, None, 10)
    for bad_value in (-1, 11, True, "3"):
        assert refused(code, lambda: check(None, None, bad_value)  # noqa: B023
                       ).startswith("--fog-index: ")
