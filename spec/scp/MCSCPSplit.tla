----------------------------- MODULE MCSCPSplit -----------------------------
(***************************************************************************)
(* Expected to FAIL: a configuration without quorum intersection.  n1, n2  *)
(* each require "2 of {n1, n2}", n3, n4 each "2 of {n3, n4}": {n1, n2} and *)
(* {n3, n4} are disjoint quorums.  The pairs start balloting with          *)
(* different values and TLC must find a behaviour where they externalize   *)
(* different values (Agreement violated).                                  *)
(***************************************************************************)
EXTENDS MCSCPCommon, TLC

CONSTANTS n1, n2, n3, n4

MCNode == {n1, n2, n3, n4}
MCQSet == (n1 :> [t |-> 2, v |-> {n1, n2}, i |-> {}]) @@ (n2 :> [t |-> 2, v |-> {n1, n2}, i |-> {}])
       @@ (n3 :> [t |-> 2, v |-> {n3, n4}, i |-> {}]) @@ (n4 :> [t |-> 2, v |-> {n3, n4}, i |-> {}])
MCProposals == [n \in MCNode |-> {}]
InitialZ == (n1 :> {1}) @@ (n2 :> {1}) @@ (n3 :> {2}) @@ (n4 :> {2})

SplitInit == BallotStart(InitialZ)
=============================================================================
