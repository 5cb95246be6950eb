"""The deterministic SCP network simulator (issue 3; docs/scp-interface.md).

* ``scheduler``: the (time, seq) event queue; ``faults``: delays, loss before GST, partitions,
  crashes; ``topology``: MobileCoin's mesh / cyclic / metamesh; ``fbas``: stellarbeat files;
* ``actors``: the honest node adapter over ``refimpl.consensus.scp.node.Node``; ``byzantine``:
  silent, equivocating, random-message and quorum-set-lying stand-ins;
* ``network``: the seeded run over many slots; ``trace``: ndjson traces; ``replay``: re-run a
  trace from its header; ``scenario`` / ``report``: named parameters and summaries for the CLI
  (``mcref scp simulate``) and ``mcref check``.
"""
