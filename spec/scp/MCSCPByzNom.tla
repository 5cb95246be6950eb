----------------------------- MODULE MCSCPByzNom -----------------------------
(***************************************************************************)
(* Nomination and balloting with a Byzantine nominator: three honest nodes *)
(* n1, n2, n3 and a Byzantine node b, every quorum set "3 of {n1, n2, n3,  *)
(* b}" (quorums intersect in an honest node).  Only n1 proposes (value 1); *)
(* honest nodes propose, vote, accept and confirm nominated values from    *)
(* scratch (SCP.tla Init).  b may send (ByzNomSet) any valid NOMINATE      *)
(* message {X, Y} over the values 1 and 2 (voting for or claiming to       *)
(* accept a value nobody proposed, or n1's) and vote-only PREPARE messages  *)
(* (B = <k, v>, P = PP = NullB, no commit vote) for either value or both.  *)
(* A Byzantine message is stored only when it is higher than b's stored    *)
(* one (msg.rs order): once b has sent a PREPARE, its NOMINATE no longer   *)
(* arrives.  Symmetry: n2 and n3 (they propose nothing).                   *)
(* MCSCPByzNom.cfg: variant mobilecoin; MCSCPByzNomCorrect.cfg: correct.   *)
(***************************************************************************)
EXTENDS SCP, TLC

CONSTANTS n1, n2, n3, b

MCNode == {n1, n2, n3, b}
MCHonest == {n1, n2, n3}
MCQSet == [n \in MCNode |-> [t |-> 3, v |-> MCNode, i |-> {}]]
MCProposals == (n1 :> {1}) @@ (n2 :> {}) @@ (n3 :> {})
MCSymmetry == Permutations({n2, n3})

\* Every valid NOMINATE message (X and Y disjoint, not both empty; Msg::validate).
ByzNomSet ==
    {m \in {[NoMsg EXCEPT !.type = "NOM", !.X = xs, !.Y = ys] :
                xs \in SUBSET Value, ys \in SUBSET Value} :
        m.X \cap m.Y = {} /\ m.X \cup m.Y # {}}
\* Vote-only PREPARE messages: b votes prepare <k, v> and accepts nothing.
ByzPrepVotes == {[NoMsg EXCEPT !.type = "PREP", !.B = [n |-> k, x |-> v]] :
                    k \in Counter, v \in BallotValue}
ByzSet == ByzNomSet \cup ByzPrepVotes
=============================================================================
