----------------------------- MODULE MCSCPSplit -----------------------------
(***************************************************************************)
(* Expected to FAIL: a configuration without quorum intersection.  n1, n2  *)
(* each require "2 of {n1, n2}", n3, n4 each "2 of {n3, n4}": {n1, n2} and *)
(* {n3, n4} are disjoint quorums.  The pairs start balloting with          *)
(* different values and TLC must find a behaviour where they externalize   *)
(* different values (Agreement violated).                                  *)
(***************************************************************************)
EXTENDS SCP, TLC

CONSTANTS n1, n2, n3, n4

MCNode == {n1, n2, n3, n4}
MCQSet == (n1 :> [t |-> 2, v |-> {n1, n2}, i |-> {}]) @@ (n2 :> [t |-> 2, v |-> {n1, n2}, i |-> {}])
       @@ (n3 :> [t |-> 2, v |-> {n3, n4}, i |-> {}]) @@ (n4 :> [t |-> 2, v |-> {n3, n4}, i |-> {}])
MCProposals == [n \in MCNode |-> {}]
InitialZ == (n1 :> {1}) @@ (n2 :> {1}) @@ (n3 :> {2}) @@ (n4 :> {2})

SplitInit ==
    /\ Z = InitialZ
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
=============================================================================
