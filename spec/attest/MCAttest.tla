----------------------------- MODULE MCAttest -----------------------------
(***************************************************************************)
(* Models of Attest.tla: two honest enclaves A, B (same allowed            *)
(* measurement; B also an ingest enclave), one honest client C, the        *)
(* attacker M.  Each party starts one handshake; each enclave answers one. *)
(* The .cfg files choose the variant; spec/attest/README.md lists them     *)
(* with their expected TLC outcomes (also in spec/manifest.json):          *)
(*   MCAttest.cfg            both sides check the evidence key: must pass. *)
(*   MCAttestNoBinding*.cfg  the IX responder skips the check, as          *)
(*                           MobileCoin's attest/ake/src/responder.rs.     *)
(*   MCAttestNoPrologue.cfg  the ResponderId is not mixed in.              *)
(*   MCAttestPck*.cfg        (a) a platform's PCK key is stolen.           *)
(*   MCAttestLeak*.cfg       (b) enclave static keys are stolen.           *)
(*   MCAttestHostId*.cfg     (c) a host configures its enclave's           *)
(*                           ResponderId.                                  *)
(* MCNoClients and MCOneEnclave keep the static-key models small: the IX   *)
(* side without the client, the NX side with one enclave.                  *)
(***************************************************************************)
EXTENDS Attest

MCEnclaves == {"A", "B"}
MCClients == {"C"}
MCNoClients == {}
MCOneEnclave == {"B"}
MCMR == [p \in MCEnclaves |-> "good"]
MCAllowed == {"good"}
MCIngest == {"B"}
=============================================================================
