------------------------------ MODULE MCSCPByz ------------------------------
(***************************************************************************)
(* Three honest nodes and one Byzantine node b, every quorum set "3 of     *)
(* {n1, n2, n3, b}" (intersection holds despite b).  Each honest node      *)
(* starts balloting with any confirmed set Z.  b may send any message of   *)
(* ByzSet:                                                                 *)
(* claims to have prepared, to accept commit, or to have externalized      *)
(* either value at counters 1 and 2.  MCSCPByz.cfg checks MobileCoin's     *)
(* blocking-set acceptance (Variant "mobilecoin",                          *)
(* docs/deviations.md#dev-scp-blocking-set-acceptance),                    *)
(* MCSCPByzCorrect.cfg the federated-voting rule.                          *)
(***************************************************************************)
EXTENDS SCP, TLC

CONSTANTS n1, n2, n3, b

MCNode == {n1, n2, n3, b}
MCQSet == [n \in MCNode |-> [t |-> 3, v |-> MCNode, i |-> {}]]
MCProposals == [n \in MCNode \ {b} |-> {}]
MCHonest == {n1, n2, n3}
MCSymmetry == Permutations({n1, n3})

ByzBallot == {[n |-> k, x |-> {v}] : k \in 1 .. 2, v \in 1 .. 2}
ByzSet ==
    {[NoMsg EXCEPT !.type = "PREP", !.B = bb, !.P = bb] : bb \in ByzBallot}
    \cup {[NoMsg EXCEPT !.type = "COMMIT", !.B = [n |-> 2, x |-> {v}], !.PN = 2, !.CN = c,
                        !.HN = 2] : v \in 1 .. 2, c \in 1 .. 2}
    \cup {[NoMsg EXCEPT !.type = "EXT", !.B = [n |-> 1, x |-> {v}], !.HN = 2] : v \in 1 .. 2}

ByzInit ==
    /\ Z \in [Honest -> BallotValue]
    /\ Y = Z
    /\ phase = [n \in Honest |-> "NOMINATE_PREPARE"]
    /\ W = [n \in Honest |-> {}]
    /\ X = [n \in Honest |-> {}]
    /\ B = [n \in Honest |-> [n |-> 1, x |-> Z[n]]]
    /\ P = [n \in Honest |-> NullB]
    /\ PP = [n \in Honest |-> NullB]
    /\ H = [n \in Honest |-> NullB]
    /\ C = [n \in Honest |-> NullB]
    /\ M = [n \in Honest |-> [m \in Node |-> NoMsg]]
    /\ busy \in Honest

\* A smaller start for an exhaustive run: n1 starts with {1}, n2 and n3 with {2}.
FixedZ == (n1 :> {1}) @@ (n2 :> {2}) @@ (n3 :> {2})
ByzInitFixed == ByzInit /\ Z = FixedZ /\ busy = n1
=============================================================================
