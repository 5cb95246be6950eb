------------------------------- MODULE MCSCP -------------------------------
(* CI model: three honest nodes, each with quorum set "2 of {n1, n2, n3}",  *)
(* two values, ballot counters up to 2.  Nodes are symmetric.               *)
EXTENDS SCP, TLC

CONSTANTS n1, n2, n3

MCNode == {n1, n2, n3}
MCQSet == [n \in MCNode |-> [t |-> 2, v |-> MCNode, i |-> {}]]
MCProposals == (n1 :> {1}) @@ (n2 :> {2}) @@ (n3 :> {})
=============================================================================
