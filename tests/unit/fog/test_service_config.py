"""The settings every fog role checks alike: listen addresses, responder ids, the SGX seed and
ranges, each refused with the code the role passes in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.fog.service_config import MAX_FOG_INDEX, MAX_INTERVAL_MS, SettingChecks, with_port
from tests.unit.fog._shared import assert_refused

SCHEMES = {"insecure-fog": 3225, "fog": 443}
CODES = ["fog.view_bad_config", "fog.ledger_config_bad_uri", "fog.ingest_bad_config",
         "fog.report_bad_config"]
HOSTS = st.sampled_from(["127.0.0.1", "0.0.0.0", "localhost", "fog.example", "fog_ingest-0",
                         "[::1]", "[fe80::1]"])


def refused(code: str, call: Callable[[], object]) -> str:
    """The message of the refusal ``code``."""
    return assert_refused(code, call).message


@given(HOSTS, st.integers(0, 65535), st.sampled_from(["", "/"]))
def test_every_form_of_a_listen_address_gives_its_host_and_port(host: str, port: int,
                                                                 slash: str) -> None:
    checks = SettingChecks("fog.view_bad_config")
    assert checks.listen_address(f"{host}:{port}", SCHEMES, "x") == (host, port)
    assert checks.listen_address(f"insecure-fog://{host}:{port}{slash}", SCHEMES,
                                 "x") == (host, port)
    assert checks.listen_address(f"insecure-fog://{host}{slash}", SCHEMES, "x") == (host, 3225)
    assert checks.listen_target(f"INSECURE-FOG://{host}:{port}/", SCHEMES,
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
    message = refused(code, lambda: SettingChecks(code).listen_address(text, SCHEMES, "--flag"))
    assert message.startswith("--flag: ")


def test_a_tls_scheme_parses_and_is_refused_naming_the_insecure_one() -> None:
    checks = SettingChecks("fog.report_bad_config")
    message = refused("fog.report_bad_config", lambda: checks.listen_address(
        "fog://x:1/", SCHEMES, "--client-listen-uri"))
    assert "not supported; use insecure-fog://" in message


def test_host_port_with_a_default() -> None:
    checks = SettingChecks("fog.view_bad_shard_uri")
    assert checks.host_port("store.example", 3225, "x") == ("store.example", 3225)
    assert checks.host_port("[::1]", 3225, "x") == ("[::1]", 3225)
    refused("fog.view_bad_shard_uri", lambda: checks.host_port("", 3225, "x"))


@pytest.mark.parametrize("code", CODES)
def test_responder_ids(code: str) -> None:
    optional = SettingChecks(code).responder_id("--client-responder-id")
    required = SettingChecks(code).responder_id("--local-node-id", optional=False)
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
    checks = SettingChecks(code)
    assert checks.hex_seed("00ff") == b"\x00\xff"
    for bad in ("", "0", "zz", None):
        refused(code, lambda: checks.hex_seed(bad))  # noqa: B023
    checks.seed_bytes()(None, None, b"s")
    for bad_seed in (b"", "s"):
        refused(code, lambda: checks.seed_bytes()(None, None, bad_seed))  # noqa: B023
    for check, what, low, high in ((checks.in_range("--x", 3, 10), "--x", 3, 10),
                                   (checks.fog_index(), "--fog-index", 0, MAX_FOG_INDEX),
                                   (checks.interval_ms("--ms"), "--ms", 1, MAX_INTERVAL_MS)):
        check(None, None, low)
        check(None, None, high)
        for bad_value in (low - 1, high + 1, True, str(low)):
            assert refused(code, lambda: check(None, None, bad_value)  # noqa: B023
                           ).startswith(f"{what}: ")
