------------------------------ MODULE MCSCPByz ------------------------------
(***************************************************************************)
(* Three honest nodes and one Byzantine node b, every quorum set "3 of     *)
(* {n1, n2, n3, b}" (intersection holds despite b).  Each honest node      *)
(* starts balloting with any confirmed set Z.  b may send any message of   *)
(* ByzClaims (MCSCPCommon):                                                *)
(* claims to have prepared, to accept commit, or to have externalized      *)
(* either value at counters 1 and 2.  MCSCPByz.cfg checks MobileCoin's     *)
(* blocking-set acceptance (Variant "mobilecoin",                          *)
(* docs/deviations.md#dev-scp-blocking-set-acceptance),                    *)
(* MCSCPByzCorrect.cfg the federated-voting rule.                          *)
(***************************************************************************)
EXTENDS MCSCPCommon, TLC

CONSTANTS n1, n2, n3, b

MCNode == {n1, n2, n3, b}
MCQSet == [n \in MCNode |-> [t |-> 3, v |-> MCNode, i |-> {}]]
MCProposals == [n \in MCNode \ {b} |-> {}]
MCHonest == {n1, n2, n3}
MCSymmetry == Permutations({n1, n3})

ByzInit == \E z \in [Honest -> BallotValue] : BallotStart(z)

\* A smaller start for an exhaustive run: n1 starts with {1}, n2 and n3 with {2}.
FixedZ == (n1 :> {1}) @@ (n2 :> {2}) @@ (n3 :> {2})
ByzInitFixed == ByzInit /\ Z = FixedZ /\ busy = n1
=============================================================================
