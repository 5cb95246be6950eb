----------------------------- MODULE MCAttest -----------------------------
(***************************************************************************)
(* Models of Attest.tla: two honest enclaves A, B (same allowed            *)
(* measurement; B also an ingest enclave), one honest client C, the        *)
(* attacker M.  Each party starts one handshake; each enclave answers one. *)
(*   MCAttest.cfg          both sides check the evidence key: must pass.   *)
(*   MCAttestNoBinding.cfg the IX responder skips the check, as MobileCoin *)
(*                         does (notes §3.6): ReadyPeerAllowed violated.   *)
(*   MCAttestNoPrologue.cfg the ResponderId is not mixed in: a client's    *)
(*                         msg 1 is redirected to another enclave:         *)
(*                         ResponderIdBound violated.                      *)
(***************************************************************************)
EXTENDS Attest

MCEnclaves == {"A", "B"}
MCClients == {"C"}
MCMR == [p \in MCEnclaves |-> "good"]
MCAllowed == {"good"}
MCIngest == {"B"}
=============================================================================
