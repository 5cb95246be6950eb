"""The phone-style fog client: balance and payments without the ledger.

MobileCoin ``fog/sample-paykit/src/client.rs`` (``Client``: ``check_balance`` polls fog then
computes the balance; ``build_transaction`` takes inputs from the cached data, their proofs and
ring members from ``FogMerkleProofAPI/GetOutputs``, the tombstone from ``CheckKeyImages``'
``num_blocks``, fee and block version from the consensus node's ``GetLastBlockInfo``, and the
fog keys of the recipient and of our own change from their report servers; ``send_transaction``
proposes it to the node) and ``fog/sample-paykit/src/cached_tx_data/mod.rs`` (``poll_fog``:
fog view, then the blocks ingest missed through ``FogBlockAPI``, then key images).

Every ledger read goes through fog (view, ledger and report servers); the only consensus calls
are ``GetLastBlockInfo`` (fee and block version) and ``ClientTxPropose``. :attr:`FogClient.calls`
counts every call by gRPC method path, so a test can check that no block was downloaded from a
validator. Ring members are drawn below the ledger's TxOut count, our inputs excluded
(:func:`refimpl.client.wallet.choose_ring_indices`), and fetched with the real inputs in ONE
``GetOutputs`` call so that every proof is against the same root
(:func:`refimpl.client.wallet.build_payment`). A payment is confirmed when its key images are
spent in fog ledger, and expires when fog ledger reaches its tombstone block
(:func:`refimpl.client.pay.wait_for_key_images`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from types import TracebackType

import attrs

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.client.connection import CLIENT_TX_PROPOSE, GET_LAST_BLOCK_INFO
from refimpl.client.defaults import DEFAULT_TIMEOUT_S, DEFAULT_TOMBSTONE_DELTA
from refimpl.client.ledger_source import TxOutWithProof
from refimpl.client.pay import (
    Payment,
    TxSubmitter,
    minimum_fee,
    os_random,
    submit_and_confirm,
)
from refimpl.client.wallet import Owned, build_payment, select_inputs
from refimpl.crypto.ristretto import RandomSource
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.errors import FogError, RefImplError
from refimpl.fog.client import polling
from refimpl.fog.client.connections import FogLedgerConnection, FogViewConnection
from refimpl.fog.client.recovery import OutputRecognizer
from refimpl.fog.client.rng_set import UserRngSet
from refimpl.fog.client.tx_data import CachedTxData
from refimpl.fog.client.uri import FogUri
from refimpl.fog.enclave import SIM_FOG_LEDGER_CODE, SIM_FOG_VIEW_CODE, fog_verifier
from refimpl.fog.report.client import GET_REPORTS, fetch_reports
from refimpl.fog.report.messages import ReportResponse
from refimpl.fog.report.validate import FogResolver, ingest_report_verifier, resolve_fog_keys
from refimpl.node.api import consensus_common_pb2
from refimpl.transaction.amount import MOB_TOKEN_ID
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import Tx

#: Seconds between key-image checks while a payment is pending (each check is attested).
DEFAULT_CONFIRM_POLL_S = 0.25

ReportFetcher = Callable[[str], ReportResponse]


@attrs.frozen
class FogEndpoints:
    """Where the fog services of a network listen."""

    view: FogUri
    ledger: FogUri
    view_responder_id: str | None = None
    ledger_responder_id: str | None = None


@attrs.frozen
class PollSummary:
    """What one :meth:`FogClient.poll` learned."""

    new_outputs: tuple[Owned, ...]
    view_queries: int
    #: problems that did not stop the poll (search failures, records that were not ours, ...)
    warnings: tuple[RefImplError, ...]
    num_blocks: int


@attrs.frozen
class FogBalance:
    """The balance of one token as of ``num_blocks`` blocks."""

    value: int
    num_blocks: int
    unspent: tuple[Owned, ...]
    token_id: int = MOB_TOKEN_ID


class CountingSubmitter:
    """The consensus calls a fog client makes, counted in the client's counter."""

    def __init__(self, inner: TxSubmitter, calls: Counter[str]) -> None:
        self.inner = inner
        self.calls = calls

    def last_block_info(self) -> consensus_common_pb2.LastBlockInfoResponse:
        self.calls[GET_LAST_BLOCK_INFO] += 1
        return self.inner.last_block_info()

    def propose_tx(self, tx: Tx) -> consensus_common_pb2.ProposeTxResponse:
        self.calls[CLIENT_TX_PROPOSE] += 1
        return self.inner.propose_tx(tx)


class FogLedgerSource:
    """Fog ledger as the reads a payment needs (:class:`refimpl.client.ledger_source.
    TxOutSource`, plus ``num_blocks`` and ``check_key_images`` for confirmation)."""

    def __init__(self, ledger: FogLedgerConnection) -> None:
        self.ledger = ledger

    def num_blocks(self) -> int:
        return self.ledger.check_key_images([]).num_blocks

    def num_tx_outs(self) -> int:
        return self.ledger.check_key_images([]).global_txo_count

    def get_tx_outs(self, indices: Sequence[int]) -> list[TxOutWithProof]:
        return list(self.ledger.get_outputs(indices).outputs)

    def check_key_images(self, key_images: Sequence[KeyImage]) -> list[int | None]:
        return [a.spent_at for a in self.ledger.check_key_images(key_images).results]


class FogClient:
    """One account's fog client (``sample-paykit``'s ``Client``). Close it when done."""

    def __init__(
        self,
        account: AccountKey,
        view: FogViewConnection,
        ledger: FogLedgerConnection,
        *,
        ingest_verifier: EvidenceVerifier,
        consensus: TxSubmitter | None = None,
        calls: Counter[str] | None = None,
        report_fetcher: ReportFetcher = fetch_reports,
    ) -> None:
        self.account = account
        self.calls: Counter[str] = view.calls if calls is None else calls
        self.view = view
        self.ledger = ledger
        self.ledger_source = FogLedgerSource(ledger)
        self.consensus = None if consensus is None else CountingSubmitter(consensus,
                                                                          self.calls)
        self.ingest_verifier = ingest_verifier
        self._report_fetcher = report_fetcher
        self.recognizer = OutputRecognizer(account)
        self.rng_set = UserRngSet()
        self.tx_data = CachedTxData()

    @classmethod
    def connect(cls, account: AccountKey, endpoints: FogEndpoints, sgx_seed: bytes, *,
                consensus: TxSubmitter | None = None, timeout_s: float = 10.0) -> FogClient:
        """Connections to the endpoints, each attested enclave checked against the simulated
        SGX network of ``sgx_seed`` (fog view, fog ledger and ingest MRENCLAVEs)."""
        calls: Counter[str] = Counter()
        view = FogViewConnection(endpoints.view, fog_verifier(sgx_seed, SIM_FOG_VIEW_CODE),
                                 calls, responder_id=endpoints.view_responder_id,
                                 timeout_s=timeout_s)
        ledger = FogLedgerConnection(endpoints.ledger,
                                     fog_verifier(sgx_seed, SIM_FOG_LEDGER_CODE), calls,
                                     responder_id=endpoints.ledger_responder_id,
                                     timeout_s=timeout_s)
        return cls(account, view, ledger, ingest_verifier=ingest_report_verifier(sgx_seed),
                   consensus=consensus, calls=calls)

    def close(self) -> None:
        self.view.close()
        self.ledger.close()

    def __enter__(self) -> FogClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- polling ----------------------------------------------------------------------------
    def poll(self) -> PollSummary:
        """``poll_fog``: fog view (new RNGs, found outputs, missed blocks), a view-key scan of
        missed blocks from ``FogBlockAPI``, then the key images of unspent outputs. A failed
        view query raises after what it found is kept."""
        data = self.tx_data
        result = polling.poll(self.view, self.rng_set, self.recognizer.fog_view_private)
        warnings: list[RefImplError] = list(result.errors)
        found: list[Owned] = []
        for payload in result.found:
            try:
                found.append(self.recognizer.owned_from_payload(payload.payload))
            except RefImplError as exc:
                warnings.append(exc)
        data.add_missed_ranges(result.missed_block_ranges)
        if data.missed_block_ranges:
            try:
                blocks = self.ledger.get_blocks(data.missed_block_ranges).blocks
            except RefImplError as exc:
                warnings.append(exc)  # the ranges stay pending and bound num_blocks
            else:
                for block in blocks:
                    found.extend(self.recognizer.scan_block(block))
                data.mark_blocks_scanned(blocks)
        new = data.add_owned(found)
        data.view_block_count = self.rng_set.highest_processed_block_count
        if result.connection_error is not None:
            raise result.connection_error
        self.check_key_images()
        return PollSummary(tuple(new), result.queries, tuple(warnings), data.num_blocks())

    def check_key_images(self) -> None:
        """``poll_fog_for_key_images``: spent status of every output not known spent (one
        call even with none, for the ledger's counts)."""
        pending = self.tx_data.unspent_key_images()
        answer = self.ledger.check_key_images([k for _i, k in pending])
        self.tx_data.apply_key_images(answer.results, answer.num_blocks,
                                      [i for i, _k in pending])
        self.tx_data.latest_global_txo_count = max(self.tx_data.latest_global_txo_count,
                                                   answer.global_txo_count)
        self.tx_data.latest_block_version = max(self.tx_data.latest_block_version,
                                                answer.latest_block_version)

    def balance(self, token_id: int = MOB_TOKEN_ID) -> FogBalance:
        """Poll, then the balance as of the block count fog vouches for."""
        self.poll()
        value, num_blocks = self.tx_data.balance(token_id)
        return FogBalance(value, num_blocks, tuple(self.tx_data.unspent(token_id)), token_id)

    # --- paying -----------------------------------------------------------------------------
    def _consensus(self) -> CountingSubmitter:
        if self.consensus is None:
            raise FogError("fog.client_no_consensus",
                           "paying needs a consensus node to submit the transaction to")
        return self.consensus

    def fog_resolver(self, addresses: Sequence[PublicAddress], num_blocks: int) -> FogResolver:
        """Fetch the report of every address with fog (once per url) and check each key is
        still usable (``fog.report_*`` codes)."""

        def fetch(url: str) -> ReportResponse:
            self.calls[GET_REPORTS] += 1
            return self._report_fetcher(url)

        return resolve_fog_keys(addresses, fetch, self.ingest_verifier, num_blocks)

    def build_transaction(self, to: PublicAddress, amount: int, *, fee: int,
                          block_version: int,
                          tombstone_delta: int = DEFAULT_TOMBSTONE_DELTA,
                          token_id: int = MOB_TOKEN_ID,
                          rng: RandomSource = os_random) -> Tx:
        """A signed payment of ``amount`` to ``to`` from the unspent outputs the last
        :meth:`poll` found, change back to us. The tombstone is fog ledger's block count plus
        ``tombstone_delta``, lowered to the fog keys' expiry by the builder."""
        inputs = select_inputs(self.tx_data.unspent(token_id), amount + fee, token_id)
        num_blocks = self.ledger_source.num_blocks()
        resolver = self.fog_resolver([to, self.account.default_subaddress()], num_blocks)
        return build_payment(
            self.ledger_source, self.account, inputs, to, amount, rng,
            fee=fee, tombstone_block=num_blocks + tombstone_delta,
            block_version=block_version, token_id=token_id, fog_resolver=resolver,
        )

    def pay(self, to: PublicAddress, amount: int, *, fee: int | None = None,
            tombstone_delta: int = DEFAULT_TOMBSTONE_DELTA, token_id: int = MOB_TOKEN_ID,
            timeout_s: float = DEFAULT_TIMEOUT_S,
            poll_s: float = DEFAULT_CONFIRM_POLL_S,
            rng: RandomSource = os_random) -> Payment:
        """Poll, build, submit and confirm a payment (its key images spent in fog ledger).
        The fee (unless given) and the block version come from the node's
        ``GetLastBlockInfo`` (the block version at least the one fog ledger reports)."""
        self.poll()
        info = self._consensus().last_block_info()
        fee = minimum_fee(info, token_id) if fee is None else fee
        block_version = max(info.network_block_version, self.tx_data.latest_block_version)
        tx = self.build_transaction(to, amount, fee=fee, block_version=block_version,
                                    tombstone_delta=tombstone_delta, token_id=token_id,
                                    rng=rng)
        return submit_and_confirm(self._consensus(), self.ledger_source, tx, amount, fee,
                                  timeout_s=timeout_s, poll_s=poll_s)
