----------------------------- MODULE SCPProgress -----------------------------
(***************************************************************************)
(* Progress of one slot (issue 15: "no intact node stays forever in COMMIT *)
(* for a value that its quorum has moved past"), over SCP.tla's variables. *)
(*                                                                         *)
(* Stranded(n): intact n is in COMMIT for C.x while intact nodes that      *)
(* externalized another value y form, with n, a quorum of n.  In COMMIT n  *)
(* considers only C.x (slot.rs do_commit_phase: steps 5-7 use B.X only),   *)
(* and a quorum of n that confirms commit of C.x would have to accept it;  *)
(* when every quorum of n meets that externalized set (as in the models'   *)
(* 3-of-4 systems, where two quorums share two nodes), some member's       *)
(* Externalize accepts commit of y only: n never externalizes.             *)
(* NotStranded is the invariant (a safety check that finds the state);     *)
(* NoStrandedForever and CatchUp are the temporal properties, checked      *)
(* under Fairness (docs/findings.md, spec/scp/README.md).                  *)
(***************************************************************************)
EXTENDS SCP

\* Intact nodes other than n that externalized v.
ExternalizedWith(n, v) == {m \in Intact \ {n} : phase[m] = "EXTERNALIZE" /\ C[m].x = v}

\* Intact nodes that externalized the same value form, with n, a quorum of n.
QuorumExternalized(n, v) == QuorumWith(n, ExternalizedWith(n, v))

Stranded(n) ==
    /\ phase[n] = "COMMIT"
    /\ \E m \in Intact : /\ phase[m] = "EXTERNALIZE" /\ C[m].x # C[n].x
                         /\ QuorumExternalized(n, C[m].x)

NotStranded == \A n \in Intact : ~Stranded(n)

\* The issue's progress property: a stranded node eventually externalizes (it cannot: so this
\* fails exactly when a stranded state is reachable and the behaviour then goes on).
NoStrandedForever == \A n \in Intact : Stranded(n) ~> phase[n] = "EXTERNALIZE"

\* The stronger catch-up within the slot: once a quorum of n (intact nodes with it) externalized
\* one value, n externalizes too.
CatchUp ==
    \A n \in Intact :
        (\E m \in Intact : phase[m] = "EXTERNALIZE" /\ QuorumExternalized(n, C[m].x))
            ~> phase[n] = "EXTERNALIZE"

\* A next-state relation in which the busy node finishes its processing before any input is
\* taken (MobileCoin's handle_messages runs do_ballot_protocol until nothing changes) uses
\* Quiet as the guard of its inputs.  Its fairness is WF_vars(Next) (MCSCPStrand's
\* StrandSpec): a behaviour stops only where no local step, delivery, timer or Byzantine
\* message is left, i.e. after full delivery and every timer (the models' behaviours are
\* finite: every step raises a counter, a phase, a stored message or an accepted ballot).
\* Per-action fairness (SF on each delivery, whose guard Quiet is a nested ENABLED) made
\* TLC's liveness check too slow here (12 states a minute).
Quiet == ~ENABLED LocalStep(busy)
=============================================================================
