------------------------------- MODULE MCSCP -------------------------------
(* Auditor model: nomination and balloting, three honest nodes, each with *)
(* quorum set "2 of {n1, n2, n3}"; n1 proposes 1, n2 proposes 2; ballot   *)
(* counters up to 2.  Too large for CI exhaustively: CI simulates it.      *)
EXTENDS SCP, TLC

CONSTANTS n1, n2, n3

MCNode == {n1, n2, n3}
MCQSet == [n \in MCNode |-> [t |-> 2, v |-> MCNode, i |-> {}]]
MCProposals == (n1 :> {1}) @@ (n2 :> {2}) @@ (n3 :> {})
=============================================================================
