"""Fog view in process, over gRPC on 127.0.0.1: one store over the whole chain, and two stores
over split ranges behind a router, all reading one SQLite recovery database. The router's
answer must equal the lone store's; bad input to every service is refused with a typed status
and the services keep serving."""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from grpc_health.v1 import health_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl.client.attested import AttestedConnection
from refimpl.enclave.channel import AttestedSession, Frame, client_init
from refimpl.errors import ClientError
from refimpl.fog.api import attest_nonce_pb2, fog_common_pb2, view_pb2
from refimpl.fog.enclave import SIM_FOG_VIEW_CODE, fog_verifier
from refimpl.fog.recovery_db import ReportData, open_recovery_db, sqlite_url
from refimpl.fog.types import FIXED_CIPHERTEXT_LENGTH, BlockRange, TxOutSearchResultCode
from refimpl.fog.view.enclave import MAX_SEARCH_KEYS_PER_QUERY
from refimpl.fog.view.messages import QueryRequest, QueryRequestAAD, QueryResponse
from refimpl.fog.view.server import (
    ViewRouterConfig,
    ViewRouterServer,
    ViewStoreConfig,
    ViewStoreServer,
)
from refimpl.fog.view.sharding import EpochShardingStrategy
from refimpl.node.api import attest_pb2
from refimpl.node.grpc_util import UnaryCaller
from tests.unit.fog._shared import wait_for
from tests.unit.fog.view._data import SGX_SEED, Ingest, ingress_key, record

CHAIN = 8  # blocks 0..7
AUTH = "/fog_view.FogViewAPI/Auth"
QUERY = "/fog_view.FogViewAPI/Query"
Code = TxOutSearchResultCode
Status = view_pb2.MultiViewStoreQueryResponseStatus
VERIFIER = fog_verifier(SGX_SEED, SIM_FOG_VIEW_CODE)


class View:
    """The running servers; stopped at the end of the module."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.started: list[ViewStoreServer | ViewRouterServer] = []

    def store(self, epoch: str = "default") -> ViewStoreServer:
        server = ViewStoreServer(ViewStoreConfig(
            recovery_db=self.db_url, sgx_seed=SGX_SEED, client_listen_uri="127.0.0.1:0",
            sharding_strategy=EpochShardingStrategy.parse(epoch), omap_capacity=4096,
            db_polling_interval_ms=20))
        server.start()
        self.started.append(server)
        return server

    def router(self, shard_uris: list[str], admin: bool = False) -> ViewRouterServer:
        server = ViewRouterServer(ViewRouterConfig(
            sgx_seed=SGX_SEED, shard_uris=tuple(shard_uris), client_listen_uri="127.0.0.1:0",
            admin_listen_uri="127.0.0.1:0" if admin else "", store_timeout_ms=3000))
        server.start()
        self.started.append(server)
        return server

    def stop(self, server: ViewStoreServer | ViewRouterServer) -> None:
        server.stop()
        self.started.remove(server)

    def stop_all(self) -> None:
        for server in reversed(self.started):
            server.stop()
        self.started.clear()


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[View]:
    path: Path = tmp_path_factory.mktemp("fog_view") / "recovery.db"
    url = sqlite_url(str(path))
    with open_recovery_db(url) as db:
        ingest = Ingest(db)
        ingest.start_key(1, 0)
        ingest.start_key(2, 2)
        ingest.start_key(3, 0)
        ingest.blocks(1, range(CHAIN))
        ingest.blocks(2, range(2, CHAIN))
        ingest.blocks(3, range(2))
        db.set_report(ingress_key(3), "", ReportData(ingest.invocations[3], b"evidence", 12))
        db.report_lost_ingress_key(ingress_key(3))  # blocks 2..11 missed by key 3
        db.decommission_ingest_invocation(ingest.invocations[3])
    running = View(url)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="module")
def lone(view: View) -> ViewStoreServer:
    store = view.store()
    wait_for("store", lambda: store.worker.state().highest_processed_block_count == CHAIN)
    return store


@pytest.fixture(scope="module")
def split(view: View) -> tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]:
    low, high = view.store("0-4"), view.store(f"4-{2**64 - 1}")
    wait_for("split stores", lambda: low.worker.state().highest_processed_block_count == 4
             and high.worker.state().highest_processed_block_count == CHAIN)
    router = view.router([low.uri, high.uri], admin=True)
    return low, high, router


def connect(address: str, responder_id: str | None = None) -> AttestedConnection:
    return AttestedConnection(address, responder_id or address, VERIFIER, AUTH, timeout_s=10)


def query(address: str, keys: list[bytes], cursor: int = 0) -> QueryResponse:
    with connect(address) as conn:
        answer = conn.call(QUERY, QueryRequest(tuple(keys)).to_protobuf(),
                           QueryRequestAAD(cursor).to_protobuf())
    return QueryResponse.from_protobuf(answer)


FOUND_KEYS = [record(1, 0, 0).search_key, record(1, 3, 1).search_key,
              record(1, 4, 2).search_key, record(2, 7, 0).search_key,
              record(3, 1, 2).search_key, record(2, 2, 1).search_key]
OTHER_KEYS = [b"\x09" * 16, bytes(16), b"short"]


def test_router_over_two_stores_answers_exactly_as_one_store(
        lone: ViewStoreServer, split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer],
) -> None:
    keys = [FOUND_KEYS[0], OTHER_KEYS[0], *FOUND_KEYS[1:], *OTHER_KEYS[1:]]
    alone = query(lone.address, keys)
    routed = query(split[2].address, keys)
    assert routed == alone
    # and the answer is right
    assert alone.highest_processed_block_count == CHAIN
    assert alone.last_known_block_count == CHAIN
    assert alone.last_known_block_cumulative_txo_count == 10 * CHAIN
    assert [r.ingest_invocation_id for r in alone.rng_records] == [1, 2, 3]
    assert alone.missed_block_ranges == (BlockRange(2, 12),)
    assert [d.ingest_invocation_id for d in alone.decommissioned_ingest_invocations] == [3]
    assert alone.next_start_from_user_event_id == 5
    codes = [r.result_code for r in alone.fixed_tx_out_search_results]
    assert codes == [Code.FOUND, Code.NOT_FOUND, *[Code.FOUND] * 5, Code.BAD_SEARCH_KEY,
                     Code.BAD_SEARCH_KEY]
    expected = record(1, 3, 1)
    found = alone.fixed_tx_out_search_results[2]
    assert found.payload == expected.payload
    assert alone.tx_out_search_results[2].ciphertext == expected.payload
    assert {len(r.ciphertext) for r in alone.fixed_tx_out_search_results} == {
        FIXED_CIPHERTEXT_LENGTH}


def test_a_store_reports_serving_once_it_has_polled(lone: ViewStoreServer) -> None:
    with grpc.insecure_channel(lone.address) as channel:
        check = UnaryCaller(channel, "/grpc.health.v1.Health/Check",
                            health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse)
        wait_for("health", lambda: check(health_pb2.HealthCheckRequest(), 5).status
                 == health_pb2.HealthCheckResponse.SERVING)


def test_the_event_cursor_is_honoured_by_both(
        lone: ViewStoreServer, split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer],
) -> None:
    for address in (lone.address, split[2].address):
        later = query(address, [], cursor=3)
        assert later.rng_records == () and later.missed_block_ranges == (BlockRange(2, 12),)
        assert later.next_start_from_user_event_id == 5
        assert query(address, [], cursor=5).missed_block_ranges == ()


def test_answers_have_one_size_whatever_was_found(lone: ViewStoreServer) -> None:
    with connect(lone.address) as conn:
        sizes = {len(conn.call(QUERY, QueryRequest(tuple(keys)).to_protobuf()))
                 for keys in (FOUND_KEYS[:3], [b"\x07" * 16, b"\x08" * 16, b"\x09" * 16],
                              [bytes(16), FOUND_KEYS[0], b"\x0a" * 16])}
    assert len(sizes) == 1


def test_streaming_router_api_answers_like_the_unary_one(
        split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]) -> None:
    router = split[2]
    requests: queue.Queue[view_pb2.FogViewRouterRequest | None] = queue.Queue()
    pending, message1 = client_init(router.fog.responder_id, VERIFIER, os.urandom)
    requests.put(view_pb2.FogViewRouterRequest(auth=attest_pb2.AuthMessage(data=message1)))
    with grpc.insecure_channel(router.address) as channel:
        stream = channel.stream_stream(
            "/fog_view.FogViewRouterAPI/request",
            request_serializer=view_pb2.FogViewRouterRequest.SerializeToString,
            response_deserializer=view_pb2.FogViewRouterResponse.FromString)
        replies = iter(stream(iter(requests.get, None), timeout=20))
        session = pending.finish(next(replies).auth.data)
        answers = []
        for keys in (FOUND_KEYS[:2], OTHER_KEYS):
            session, frame = session.seal(QueryRequest(tuple(keys)).to_protobuf(),
                                          QueryRequestAAD(0).to_protobuf())
            requests.put(view_pb2.FogViewRouterRequest(query=attest_pb2.Message(
                aad=frame.aad, channel_id=frame.channel_id, data=frame.data)))
            reply = next(replies).query
            session, plaintext = session.open(Frame(reply.aad, reply.channel_id, reply.data,
                                                    session.recv.cipher.n))
            answers.append(QueryResponse.from_protobuf(plaintext))
        requests.put(None)
        assert list(replies) == []
    assert answers[0] == query(router.address, FOUND_KEYS[:2])
    assert answers[1] == query(router.address, OTHER_KEYS)


def test_not_ready_and_unreachable_shards_cap_the_count(
        view: View, split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]) -> None:
    low = split[0]
    later = view.store("8-100")  # no block 8 yet: NOT_READY
    dead = view.store("100-200")
    dead_uri = dead.uri
    view.stop(dead)
    router = view.router([low.uri, later.uri, dead_uri])
    try:
        response = query(router.address, [FOUND_KEYS[0], FOUND_KEYS[2]])
        assert response.highest_processed_block_count == 4
        assert [r.result_code for r in response.fixed_tx_out_search_results] == [
            Code.FOUND, Code.NOT_FOUND]  # block 4 is not in any answering store
        assert response.rng_records  # the answering store's events
        # the later store itself says NOT_READY to an authenticated router message
        shard = router.router.shards[1]
        assert shard.query(QueryRequest(()).to_protobuf(), b"") is None
        assert shard.attestations >= 1
    finally:
        view.stop(router)
        view.stop(later)


def test_a_shard_with_another_block_range_fails_the_query(
        view: View, split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]) -> None:
    low = split[0]
    lying = low.uri.replace("sharding_strategy=0-4", "sharding_strategy=0-5")
    router = view.router([lying])
    try:
        with pytest.raises(ClientError) as err:
            query(router.address, [FOUND_KEYS[0]])
        assert "fog.view_shard_range_mismatch" in err.value.message
    finally:
        view.stop(router)


def test_admin_add_shard(view: View,
                         split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]) -> None:
    low, high, _ = split
    router = view.router([low.uri], admin=True)
    try:
        assert query(router.address, []).highest_processed_block_count == 4
        with grpc.insecure_channel(router.admin_address) as channel:
            add = UnaryCaller(channel, "/fog_view.FogViewRouterAdminAPI/addShard",
                              fog_common_pb2.AddShardRequest, empty_pb2.Empty)
            add(fog_common_pb2.AddShardRequest(shard_uri=high.uri), 10)
            for uri, status in ((high.uri, grpc.StatusCode.FAILED_PRECONDITION),
                                ("http://nope", grpc.StatusCode.INVALID_ARGUMENT),
                                (low.uri + "&x=1", grpc.StatusCode.INVALID_ARGUMENT)):
                with pytest.raises(grpc.RpcError) as rpc:
                    add(fog_common_pb2.AddShardRequest(shard_uri=uri), 10)
                assert rpc.value.code() == status
        assert query(router.address, []).highest_processed_block_count == CHAIN
    finally:
        view.stop(router)


# --- bad input ---------------------------------------------------------------------------------


def raw_call(address: str, path: str, payload: bytes) -> bytes:
    with grpc.insecure_channel(address) as channel:
        method: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
            path, request_serializer=None, response_deserializer=None)
        return method(payload, timeout=10)


def refused(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value


@pytest.fixture(scope="module")
def addresses(lone: ViewStoreServer,
              split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]) -> list[str]:
    return [lone.address, split[2].address]


def test_garbage_and_unknown_channels_are_refused(addresses: list[str]) -> None:
    unknown = attest_pb2.Message(aad=b"", channel_id=b"\x01" * 32, data=b"\x02" * 40)
    for address in addresses:
        for path, payload, status in (
            (QUERY, b"\xff\xff\xff", grpc.StatusCode.INVALID_ARGUMENT),
            (QUERY, unknown.SerializeToString(), grpc.StatusCode.PERMISSION_DENIED),
            (AUTH, attest_pb2.AuthMessage(data=b"\x00" * 7).SerializeToString(),
             grpc.StatusCode.PERMISSION_DENIED),
        ):
            err = refused(partial(raw_call, address, path, payload))
            assert err.code() == status


@pytest.mark.parametrize(("plaintext", "aad", "code"), [
    (b"\x0a\x10short", QueryRequestAAD().to_protobuf(), "fog.bad_message"),
    (b"\x08\x01", b"", "fog.bad_message"),
    (QueryRequest((b"\x01" * 16,) * (MAX_SEARCH_KEYS_PER_QUERY + 1)).to_protobuf(), b"",
     "fog.view_too_many_search_keys"),
    (QueryRequest((b"\x01" * 16,)).to_protobuf(), b"\xff\xff", "fog.bad_message"),
])
def test_malformed_requests_in_a_valid_channel_are_typed_refusals(
        addresses: list[str], plaintext: bytes, aad: bytes, code: str) -> None:
    for address in addresses:
        with connect(address) as conn:
            with pytest.raises(ClientError) as err:
                conn.call(QUERY, plaintext, aad)
            assert "INVALID_ARGUMENT" in err.value.message and code in err.value.message
            # the same connection keeps working (it re-attests)
            answer = QueryResponse.from_protobuf(conn.call(QUERY, QueryRequest(
                (FOUND_KEYS[0],)).to_protobuf()))
            assert answer.fixed_tx_out_search_results[0].result_code == Code.FOUND


def test_max_search_keys_fit_one_answer(addresses: list[str]) -> None:
    keys = [bytes([1 + i % 250, i // 250]) * 8 for i in range(MAX_SEARCH_KEYS_PER_QUERY)]
    for address in addresses:
        response = query(address, keys)
        assert len(response.fixed_tx_out_search_results) == MAX_SEARCH_KEYS_PER_QUERY
        assert {r.result_code for r in response.fixed_tx_out_search_results} == {
            Code.NOT_FOUND}


def test_multi_view_store_query_without_a_known_session(lone: ViewStoreServer) -> None:
    nonce_message = attest_nonce_pb2.NonceMessage(channel_id=b"\x05" * 32, data=b"\x06" * 30,
                                                  nonce=3)
    request = view_pb2.MultiViewStoreQueryRequest(queries=[nonce_message, nonce_message])
    with grpc.insecure_channel(lone.address) as channel:
        call = UnaryCaller(channel, "/fog_view.FogViewStoreAPI/MultiViewStoreQuery",
                           view_pb2.MultiViewStoreQueryRequest,
                           view_pb2.MultiViewStoreQueryResponse)
        for sent in (request, view_pb2.MultiViewStoreQueryRequest()):
            reply = call(sent, 10)
            assert reply.status == Status.AUTHENTICATION_ERROR
            assert reply.store_uri == lone.uri
            assert (reply.block_range.start_block, reply.block_range.end_block) == (
                0, 2**64 - 1)
    err = refused(lambda: raw_call(lone.address, "/fog_view.FogViewStoreAPI/MultiViewStoreQuery",
                                   b"\xff\x01"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    # the store still answers its clients
    assert query(lone.address, [FOUND_KEYS[1]]).fixed_tx_out_search_results[0].result_code \
        == Code.FOUND


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200), st.sampled_from(
    [QUERY, AUTH, "/fog_view.FogViewStoreAPI/MultiViewStoreQuery",
     "/fog_view.FogViewStoreAPI/Auth"]))
def test_random_bytes_never_break_a_service(addresses: list[str], payload: bytes,
                                            path: str) -> None:
    for address in addresses:
        try:
            raw_call(address, path, payload)
        except grpc.RpcError as err:
            assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT,
                                  grpc.StatusCode.PERMISSION_DENIED,
                                  grpc.StatusCode.UNIMPLEMENTED)
    assert query(addresses[0], [FOUND_KEYS[0]]).fixed_tx_out_search_results[0].result_code \
        == Code.FOUND


# --- bad input to the router's stream -----------------------------------------------------------

ROUTER_STREAM = "/fog_view.FogViewRouterAPI/request"


def stream_refusal(address: str, messages: list[bytes]) -> tuple[grpc.StatusCode, str]:
    """Send ``messages`` (raw bytes each) on one ``FogViewRouterAPI`` stream; the refusal."""
    with grpc.insecure_channel(address) as channel:
        stream: grpc.StreamStreamMultiCallable[bytes, bytes] = channel.stream_stream(
            ROUTER_STREAM, request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            for _ in stream(iter(messages), timeout=10):
                pass
    err = info.value
    assert isinstance(err, grpc.Call)
    return err.code(), err.details() or ""



class RouterStream:
    """One open ``FogViewRouterAPI`` stream sending raw bytes, attested by :meth:`attest`."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.requests: queue.Queue[bytes | None] = queue.Queue()
        stream: grpc.StreamStreamMultiCallable[bytes, bytes] = channel.stream_stream(
            ROUTER_STREAM, request_serializer=None, response_deserializer=None)
        self.replies = iter(stream(iter(self.requests.get, None), timeout=20))

    def send(self, message: bytes) -> view_pb2.FogViewRouterResponse:
        self.requests.put(message)
        return view_pb2.FogViewRouterResponse.FromString(next(self.replies))

    def attest(self, responder_id: str) -> AttestedSession:
        pending, message1 = client_init(responder_id, VERIFIER, os.urandom)
        auth = self.send(view_pb2.FogViewRouterRequest(
            auth=attest_pb2.AuthMessage(data=message1)).SerializeToString())
        return pending.finish(auth.auth.data)

    def query(self, session: AttestedSession, plaintext: bytes,
              aad: bytes = b"") -> tuple[AttestedSession, bytes]:
        """The next session and the sealed answer's ciphertext."""
        session, frame = session.seal(plaintext, aad)
        reply = self.send(view_pb2.FogViewRouterRequest(query=attest_pb2.Message(
            aad=frame.aad, channel_id=frame.channel_id, data=frame.data)).SerializeToString())
        return session, reply.query.data

    def refusal(self, message: bytes) -> tuple[grpc.StatusCode, str]:
        self.requests.put(message)
        with pytest.raises(grpc.RpcError) as info:
            next(self.replies)
        self.requests.put(None)
        err = info.value
        assert isinstance(err, grpc.Call)
        return err.code(), err.details() or ""


def router_query(data: bytes, channel_id: bytes = b"\x01" * 32) -> bytes:
    return view_pb2.FogViewRouterRequest(query=attest_pb2.Message(
        channel_id=channel_id, data=data)).SerializeToString()


def test_garbage_on_the_router_stream_is_refused_and_the_router_serves_on(
        split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer]) -> None:
    router = split[2]
    bad_auth = view_pb2.FogViewRouterRequest(
        auth=attest_pb2.AuthMessage(data=b"\x00" * 7)).SerializeToString()
    for messages, status, error in (
        ([b"\xff\xff"], grpc.StatusCode.INVALID_ARGUMENT, "error[node.bad_request]"),
        ([b"\x0a\x05ab"], grpc.StatusCode.INVALID_ARGUMENT, "error[node.bad_request]"),
        ([b""], grpc.StatusCode.INVALID_ARGUMENT, "error[fog.bad_message]"),
        ([bad_auth], grpc.StatusCode.PERMISSION_DENIED, "Permission denied: error[crypto."),
        ([router_query(b"\x02" * 40)], grpc.StatusCode.PERMISSION_DENIED,
         "Permission denied: error[attest.unknown_channel]"),
    ):
        code, details = stream_refusal(router.address, messages)
        assert (code, details[:len(error)]) == (status, error), details
    with grpc.insecure_channel(router.address) as channel:
        # within an attested stream: answers of one size, then bad messages end the stream
        for bad, status, error in (
            (b"\xff", grpc.StatusCode.INVALID_ARGUMENT, "error[node.bad_request]"),
            (None, grpc.StatusCode.INVALID_ARGUMENT, "error[fog.bad_message]"),
            (router_query(b"\x02" * 40), grpc.StatusCode.PERMISSION_DENIED,
             "Permission denied: error[attest.unknown_channel]"),
        ):
            stream = RouterStream(channel)
            session = stream.attest(router.fog.responder_id)
            session, found = stream.query(session,
                                          QueryRequest(tuple(FOUND_KEYS[:2])).to_protobuf())
            session, other = stream.query(session, QueryRequest(
                (b"\x07" * 16, b"\x08" * 16)).to_protobuf())
            assert len(found) == len(other)
            if bad is None:  # a sealed plaintext that is no QueryRequest
                bad_frame = session.seal(b"\x0a\x10short", b"")[1]
                bad = view_pb2.FogViewRouterRequest(query=attest_pb2.Message(
                    aad=bad_frame.aad, channel_id=bad_frame.channel_id,
                    data=bad_frame.data)).SerializeToString()
            code, details = stream.refusal(bad)
            assert (code, details[:len(error)]) == (status, error), details
    assert query(router.address, [FOUND_KEYS[0]]).fixed_tx_out_search_results[0].result_code \
        == Code.FOUND


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=120), min_size=1, max_size=3))
def test_random_stream_messages_never_break_the_router(
        split: tuple[ViewStoreServer, ViewStoreServer, ViewRouterServer],
        messages: list[bytes]) -> None:
    router = split[2]
    code, details = stream_refusal(router.address, messages)
    assert code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED), details
    assert "error[" in details
    assert query(router.address, [FOUND_KEYS[0]]).fixed_tx_out_search_results[0].result_code \
        == Code.FOUND
