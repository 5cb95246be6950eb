----------------------------- MODULE MCSCPByzNom -----------------------------
(***************************************************************************)
(* Nomination and balloting with a Byzantine nominator: three honest nodes *)
(* n1, n2, n3 and a Byzantine node b, every quorum set "3 of {n1, n2, n3,  *)
(* b}" (quorums intersect in an honest node).  Only n1 proposes (value 1); *)
(* honest nodes propose, vote, accept and confirm nominated values from    *)
(* scratch (SCP.tla Init), so they may start balloting with different      *)
(* confirmed sets, and a timer (counter 2) moves B to combine(Z).  b may   *)
(* send (MCSCPCommon) any valid NOMINATE message {X, Y} over the values 1  *)
(* and 2 (ByzNominations: votes for or claims to accept n1's value or a    *)
(* value nobody proposed) and vote-only PREPARE messages (ByzPrepareVotes: *)
(* B = <k, v>, P = PP = NullB, no commit vote, any value, counter 1 or 2). *)
(* A Byzantine message is stored only when it is higher than b's stored    *)
(* one (msg.rs order): once b has sent a PREPARE, its NOMINATE no longer   *)
(* arrives.  Symmetry: n2 and n3 (they propose nothing).                   *)
(* MCSCPByzNom.cfg: variant mobilecoin; MCSCPByzNomCorrect.cfg: correct.   *)
(***************************************************************************)
EXTENDS MCSCPCommon, TLC

CONSTANTS n1, n2, n3, b

MCNode == {n1, n2, n3, b}
MCHonest == {n1, n2, n3}
MCQSet == [n \in MCNode |-> [t |-> 3, v |-> MCNode, i |-> {}]]
MCProposals == (n1 :> {1}) @@ (n2 :> {}) @@ (n3 :> {})
MCSymmetry == Permutations({n2, n3})

ByzSet == ByzNominations \cup ByzPrepareVotes
=============================================================================
