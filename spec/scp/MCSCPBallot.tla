---------------------------- MODULE MCSCPBallot ----------------------------
(***************************************************************************)
(* CI model of the ballot protocol: three honest nodes with quorum sets    *)
(* "2 of {n1, n2, n3}", nomination already over.  Each node starts with    *)
(* its own confirmed-nominated set Z (nomination does not make nodes      *)
(* agree on Z): n1 and n3 start from {1}, n2 from {2}; B = <1, Z>.         *)
(* Symmetry: n1 and n3 are interchangeable.                                *)
(***************************************************************************)
EXTENDS MCSCPCommon, TLC

CONSTANTS n1, n2, n3

MCNode == {n1, n2, n3}
MCQSet == [n \in MCNode |-> [t |-> 2, v |-> MCNode, i |-> {}]]
MCProposals == [n \in MCNode |-> {}]
MCSymmetry == Permutations({n1, n3})
InitialZ == (n1 :> {1}) @@ (n2 :> {2}) @@ (n3 :> {1})

BallotInit == BallotStart(InitialZ)
=============================================================================
