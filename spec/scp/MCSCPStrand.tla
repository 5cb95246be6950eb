----------------------------- MODULE MCSCPStrand -----------------------------
(***************************************************************************)
(* The stranding finding (docs/findings.md "SCP: a Byzantine Externalize   *)
(* strands an honest node in COMMIT (mobilecoin variant)"; the Python      *)
(* schedule: tests/regressions/test_scp_byzantine_externalize_strands.py). *)
(* MobileCoin's 4-node mesh, each node needing 2 of its 3 peers ("3 of     *)
(* {n0, n1, n2, b}" here), b Byzantine.  Values 1 = x, 2 = y;              *)
(* X = {1, 2} = combine({x, y}) and Y = {2}, so <1, X> < <1, Y> < <2, X>.  *)
(*                                                                         *)
(* StrandInit: nomination over; n0 confirmed {x, y} (B = <1, X>), n1 {y}   *)
(* (B = <1, Y>), n2 confirmed y, started balloting with <1, Y>, then x.    *)
(* FindingInit (the finding's start, reached from StrandInit by            *)
(* MCSCPStrandReach.cfg): n0 accepted commit <2, X> (quorum {n0, n2, b}    *)
(* voted it) and is in COMMIT; n1 accepted prepare <1, Y> (quorum          *)
(* {n1, n2, b}); n2 confirmed prepare <2, X> and votes commit <2, X>.      *)
(* From there b sends Externalize <1, Y>.                                  *)
(*   MCSCPStrandMobileCoin.cfg: NotStranded violated: n2 accepts prepare   *)
(*     <INFINITY, Y> from {n1: <1, Y>, b: Externalize} (slot.rs            *)
(*     ballots_accepted_prepared records b's candidate), n1 and n2         *)
(*     externalize Y with b, n0 stays in COMMIT for X.                     *)
(*   MCSCPStrandCorrect.cfg: the same bounds, federated voting: ok.        *)
(*   MCSCPStrandLive*.cfg: SCPProgress's NoStrandedForever under           *)
(*     WF_vars(StrandNext).                                                *)
(*   MCSCPStrandFull*.cfg (auditors): every honest node hears every other. *)
(***************************************************************************)
EXTENDS SCPProgress, TLC

CONSTANTS n0, n1, n2, b

MCNode == {n0, n1, n2, b}
MCQSet == [n \in MCNode |-> [t |-> 3, v |-> MCNode, i |-> {}]]
MCProposals == [n \in MCNode \ {b} |-> {}]
MCHonest == {n0, n1, n2}

ValX == {1, 2}
ValY == {2}

StrandByzMsgs ==
    { [NoMsg EXCEPT !.type = "PREP", !.B = [n |-> 1, x |-> ValY]],
      [NoMsg EXCEPT !.type = "PREP", !.B = [n |-> 2, x |-> ValX], !.P = [n |-> 2, x |-> ValX]],
      [NoMsg EXCEPT !.type = "PREP", !.B = [n |-> 2, x |-> ValX], !.P = [n |-> 2, x |-> ValX],
                    !.CN = 2, !.HN = 2],
      [NoMsg EXCEPT !.type = "EXT", !.B = [n |-> 1, x |-> ValY], !.HN = 1] }

StartZ == (n0 :> ValX) @@ (n1 :> ValY) @@ (n2 :> ValX)
StartB == (n0 :> [n |-> 1, x |-> ValX]) @@ (n1 :> [n |-> 1, x |-> ValY])
          @@ (n2 :> [n |-> 1, x |-> ValY])

StrandInit ==
    /\ Z = StartZ
    /\ Y = Z
    /\ phase = [n \in Honest |-> "NOMINATE_PREPARE"]
    /\ W = [n \in Honest |-> {}]
    /\ X = [n \in Honest |-> {}]
    /\ B = StartB
    /\ P = [n \in Honest |-> NullB]
    /\ PP = [n \in Honest |-> NullB]
    /\ H = [n \in Honest |-> NullB]
    /\ C = [n \in Honest |-> NullB]
    /\ M = [n \in Honest |-> [m \in Node |-> NoMsg]]
    /\ busy \in Honest

\* The bounds of the strand models (the same for both variants; they only remove behaviours):
\* a node processes its input to completion before the next input (MobileCoin's
\* handle_messages runs do_ballot_protocol until nothing changes); a timer raises the counter
\* by one (process_timeouts: B.N + 1); from the finding's start b sends only Externalize
\* <1, Y>; the deliveries are the pairs <<receiver, sender>> of Deliveries; n0 (in COMMIT) does
\* not bump.  MCSCPStrandMobileCoin/Correct.cfg and MCSCPStrandLive*.cfg: n1 and n2 hear each
\* other (StrandDeliveries); MCSCPStrandFull*.cfg: every honest node hears every other.
ExtY == [NoMsg EXCEPT !.type = "EXT", !.B = [n |-> 1, x |-> ValY], !.HN = 1]
StrandDeliveries == {<<n1, n2>>, <<n2, n1>>}
FullDeliveries == {<<r, s>> \in MCHonest \X MCHonest : r # s}
CONSTANT Deliveries
StrandInput(n) ==
    \/ n # n0 /\ B[n].n < MaxCounter /\ Bump(n, B[n].n + 1)
    \/ \E m \in Honest : <<n, m>> \in Deliveries /\ Receive(n, m)
    \/ n # n0 /\ ByzantineSend(n, b, ExtY)
StrandNext ==
    \/ LocalStep(busy) /\ UNCHANGED busy
    \/ Quiet /\ \E n \in Honest : StrandInput(n) /\ busy' = n

\* The finding's start (MCSCPStrandReach.cfg shows TLC reaching it from StrandInit): n0 accepted
\* commit <2, X> (quorum {n0, n2, b} voted it) and is in COMMIT; n1 accepted prepare <1, Y>
\* (quorum {n1, n2, b} voted it); n2 confirmed prepare <2, X> and votes commit <2, X>.
BalX(k) == [n |-> k, x |-> ValX]
BalY(k) == [n |-> k, x |-> ValY]
Prep(bb, p, cn, hn, q) == [NoMsg EXCEPT !.type = "PREP", !.B = bb, !.P = p, !.CN = cn, !.HN = hn,
                                        !.q = q]
NomPrep(nn, bb, p) == [NoMsg EXCEPT !.type = "NOMPREP", !.Y = StartZ[nn], !.B = bb, !.P = p,
                                    !.q = MCQSet[nn]]
Silent == [m \in MCNode |-> NoMsg]
StartVars ==
    << (n0 :> "COMMIT") @@ (n1 :> "NOMINATE_PREPARE") @@ (n2 :> "PREPARE"),
       [n \in MCHonest |-> {}], [n \in MCHonest |-> {}], StartZ, StartZ,
       (n0 :> BalX(2)) @@ (n1 :> BalY(1)) @@ (n2 :> BalX(2)),
       (n0 :> BalX(2)) @@ (n1 :> BalY(1)) @@ (n2 :> BalX(2)),
       [n \in MCHonest |-> NullB],
       (n0 :> BalX(2)) @@ (n1 :> NullB) @@ (n2 :> BalX(2)),
       (n0 :> BalX(2)) @@ (n1 :> NullB) @@ (n2 :> BalX(2)),
       (n0 :> [Silent EXCEPT ![n2] = Prep(BalX(2), BalX(2), 2, 2, MCQSet[n2]),
                             ![b] = Prep(BalX(2), BalX(2), 2, 2, NoQSet)])
       @@ (n1 :> [Silent EXCEPT ![n2] = NomPrep(n2, BalY(1), NullB),
                               ![b] = Prep(BalY(1), NullB, 0, 0, NoQSet)])
       @@ (n2 :> [Silent EXCEPT ![n0] = NomPrep(n0, BalX(2), BalX(2)),
                               ![b] = Prep(BalX(2), BalX(2), 0, 0, NoQSet)]) >>
FindingInit ==
    /\ phase = StartVars[1] /\ W = StartVars[2] /\ X = StartVars[3] /\ Y = StartVars[4]
    /\ Z = StartVars[5] /\ B = StartVars[6] /\ P = StartVars[7] /\ PP = StartVars[8]
    /\ H = StartVars[9] /\ C = StartVars[10] /\ M = StartVars[11] /\ busy \in Honest

\* MCSCPStrandReach.cfg searches with any input (timers +1, any delivery, any message of
\* ReachByzMsgs), processing to completion as StrandNext.
ReachInput(n) ==
    \/ B[n].n < MaxCounter /\ Bump(n, B[n].n + 1)
    \/ \E m \in Node : Receive(n, m)
    \/ \E m \in Byz, msg \in ByzMsgs : ByzantineSend(n, m, msg)
ReachNext ==
    \/ LocalStep(busy) /\ UNCHANGED busy
    \/ Quiet /\ \E n \in Honest : ReachInput(n) /\ busy' = n
\* MCSCPStrandReach.cfg: the bound keeps to the path above (n1 first; n1 at <1, Y> and unheard
\* by n0 and n2; b silent about Y after its vote to n1; n2 out of COMMIT); only prunes.
ReachByzMsgs == {m \in StrandByzMsgs : m.type # "EXT"}
ReachBound ==
    /\ B[n1] = BalY(1)
    /\ M[n0][n1] = NoMsg /\ M[n2][n1] = NoMsg /\ M[n1][n0] = NoMsg
    /\ M[n1][n2].type = "NONE" \/ M[n1][n2].B = BalY(1)
    /\ M[n0][b].B # BalY(1) /\ M[n2][b].B # BalY(1)
    /\ phase[n2] # "COMMIT"
    /\ P[n1] = NullB => (B[n0] = BalX(1) /\ B[n2] = BalY(1) /\ M[n0] = Silent /\ M[n2] = Silent)
NotAtFindingStart == <<phase, W, X, Y, Z, B, P, PP, H, C, M>> # StartVars

\* The progress properties of SCPProgress under its fairness.
StrandSpec == FindingInit /\ [][StrandNext]_vars /\ WF_vars(StrandNext)
=============================================================================
