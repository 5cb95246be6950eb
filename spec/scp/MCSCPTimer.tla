----------------------------- MODULE MCSCPTimer -----------------------------
(***************************************************************************)
(* CI model in which ballot timers fire, exhaustive: two honest nodes n1,  *)
(* n2, each with quorum set "2 of {n1, n2}", nomination and balloting from *)
(* scratch (SCP.tla Init), n1 proposes 1 and n2 proposes 2, ballot         *)
(* counters up to 2.                                                       *)
(*                                                                         *)
(* Covers: nomination (propose, vote, echo, accept, confirm) in every      *)
(* order, so the nodes can start balloting with different confirmed sets  *)
(* ({1}, {2} or {1, 2}); the ballot timer and step 9 (Bump) at any time in *)
(* NOMINATE_PREPARE, PREPARE and COMMIT, moving B to counter 2 with        *)
(* get_next_ballot_values (SCP.tla NextValue: H's value, else combine(Z)); *)
(* prepared ballots of two values accepted one after the other (P and PP: *)
(* TLC reaches P = <2, {1, 2}>, PP = <1, {2}>); commit ranges across       *)
(* counters 1..2; externalizing at counter 2 after a timer changed the     *)
(* ballot's value (MCSCPTimerWitness.cfg shows that behaviour exists).     *)
(*                                                                         *)
(* Gives up, to finish in seconds: a third node (with three nodes and      *)
(* counters up to 2 the state space is far larger: MCSCPBallot2, MCSCP);   *)
(* so every quorum is both nodes and the only blocking set the other node; *)
(* no Byzantine node.                                                      *)
(***************************************************************************)
EXTENDS SCP, TLC

CONSTANTS n1, n2

MCNode == {n1, n2}
MCQSet == [n \in MCNode |-> [t |-> 2, v |-> MCNode, i |-> {}]]
MCProposals == (n1 :> {1}) @@ (n2 :> {2})

\* Non-vacuity witness (MCSCPTimerWitness.cfg, expected violated): no node externalizes
\* <2, {1, 2}>.  B only gets the value {1, 2} from a timer (Bump; ConfirmNominate sets B from
\* the first confirmed value alone), so a violation is a timer that fired and a slot that
\* externalized the timer's ballot.
NoExternalizeAfterTimer ==
    \A n \in Intact : ~(phase[n] = "EXTERNALIZE" /\ C[n] = [n |-> 2, x |-> {1, 2}])
=============================================================================
