"""The node's Prometheus metrics, with MobileCoin's names where they exist.

MobileCoin ``consensus/service/src/counters.rs`` builds its series with ``OpMetrics``
(``util/metrics/src/op_counters.rs``): counters ``consensus_scp{op=...}``, gauges
``consensus_scp_gauge{op=...}``, histograms ``consensus_scp_duration{op=...}``, plus the
standalone histogram ``pending_value_processing_time`` and ``ServiceMetrics``
(``util/metrics/src/service_metrics.rs``) per RPC method. Series MobileCoin declares but never
increments (``catchup_initiated``, ``scp_messages_dropped_due_to_invalid_prev_block_id``) are
incremented here. Series of our own start with ``mcref_``.

Each node has its own registry (several nodes can live in one test process);
``AdminAPI/GetPrometheusMetrics`` returns its text exposition.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

#: ``consensus_scp_gauge`` ops (MobileCoin names).
GAUGE_OPS = (
    "cur_num_pending_values", "tx_cache_num_entries", "cur_slot_num", "cur_slot_phase",
    "cur_slot_num_voted_nominated", "cur_slot_num_accepted_nominated",
    "cur_slot_num_confirmed_nominated", "cur_slot_nomination_round", "cur_slot_ballot_counter",
    "prev_slot_number", "prev_slot_ended_at", "prev_slot_num_ext_vals",
    "consensus_msgs_from_network_queue_size", "enclave_attestation_evidence_timestamp",
)
#: ``consensus_scp`` counter ops (MobileCoin names).
COUNTER_OPS = (
    "tx_externalized_count", "add_tx_initiated", "add_tx", "catchup_initiated",
    "attestation_initiated", "scp_messages_dropped_due_to_invalid_prev_block_id",
)
#: ``cur_slot_phase`` values (``consensus/scp/src/slot.rs`` ``Phase`` as MobileCoin numbers).
PHASE_NUMBERS = {"NOMINATE_PREPARE": 2, "PREPARE": 3, "COMMIT": 4, "EXTERNALIZE": 5}


class NodeMetrics:
    """Every series the node exports (the operator guide lists each with its alert)."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.scp_gauge = Gauge("consensus_scp_gauge", "SCP and queue gauges", ["op"], registry=r)
        self.scp = Counter("consensus_scp", "SCP and transaction counters", ["op"], registry=r)
        self.scp_duration = Histogram("consensus_scp_duration", "check durations (s)", ["op"],
                                      registry=r)
        self.pending_value_processing_time = Histogram(
            "pending_value_processing_time", "client submit to externalize (s)", registry=r,
            buckets=(0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60))
        self.tx_validation_errors = Counter(
            "consensus_service_tx_validation_errors", "refused proposals by error", ["err"],
            registry=r)
        self.num_req = Counter("consensus_service_num_req", "RPC requests", ["method"],
                               registry=r)
        self.num_error = Counter("consensus_service_num_error", "RPC requests that failed",
                                 ["method"], registry=r)
        self.num_status_code = Counter("consensus_service_num_status_code",
                                       "RPC replies by status code", ["method", "status_code"],
                                       registry=r)
        self.duration = Histogram("consensus_service_duration", "RPC handling time (s)",
                                  ["method"], registry=r)
        self.attestation_failures = Counter(
            "mcref_peer_attestation_failures", "peer handshakes refused, by error code",
            ["direction", "code"], registry=r)
        self.msgs_dropped = Counter("mcref_consensus_msgs_dropped",
                                    "consensus messages not given to SCP, by reason", ["reason"],
                                    registry=r)
        self.broadcast_failures = Counter("mcref_broadcast_failures",
                                          "failed deliveries to a peer", ["peer", "kind"],
                                          registry=r)
        self.blocks_appended = Counter("mcref_blocks_appended",
                                       "blocks appended, by how (formed, catchup)", ["how"],
                                       registry=r)
        self.sync_status = Gauge("mcref_sync_is_behind", "1 while the node is behind",
                                 registry=r)
        self.num_blocks = Gauge("mcref_ledger_num_blocks", "blocks in the local ledger",
                                registry=r)
        for op in GAUGE_OPS:
            self.scp_gauge.labels(op=op)
        for op in COUNTER_OPS:
            self.scp.labels(op=op)

    def gauge(self, op: str, value: float) -> None:
        self.scp_gauge.labels(op=op).set(value)

    def count(self, op: str, n: int = 1) -> None:
        self.scp.labels(op=op).inc(n)

    def exposition(self) -> str:
        """The Prometheus text format of every series."""
        return generate_latest(self.registry).decode()

    def series_names(self) -> list[str]:
        """Every metric family name as exposed (counters with their ``_total`` suffix)."""
        names = []
        for family in self.registry.collect():
            suffix = "_total" if family.type == "counter" else ""
            names.append(family.name + suffix)
        return sorted(names)
