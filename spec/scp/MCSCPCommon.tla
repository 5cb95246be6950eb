---------------------------- MODULE MCSCPCommon ----------------------------
(***************************************************************************)
(* Definitions shared by the SCP models (spec/manifest.json).              *)
(***************************************************************************)
EXTENDS SCP

\* The start of the ballot-only models: nomination is over, honest node n has confirmed the
\* nominated set z[n] (Y = Z = z[n]) and starts balloting at <1, z[n]> (SCP.tla
\* ConfirmNominate; slot.rs do_nominate_phase sets B = <1, combine(Z)> on the first
\* confirmation).
BallotStart(z) ==
    /\ Z = z
    /\ Y = z
    /\ phase = [n \in Honest |-> "NOMINATE_PREPARE"]
    /\ W = [n \in Honest |-> {}]
    /\ X = [n \in Honest |-> {}]
    /\ B = [n \in Honest |-> [n |-> 1, x |-> z[n]]]
    /\ P = [n \in Honest |-> NullB]
    /\ PP = [n \in Honest |-> NullB]
    /\ H = [n \in Honest |-> NullB]
    /\ C = [n \in Honest |-> NullB]
    /\ M = [n \in Honest |-> [m \in Node |-> NoMsg]]
    /\ busy \in Honest

\* A Byzantine node's ballot claims (each a valid message, msg.rs Msg::validate): to have
\* prepared <1|2, {1}|{2}>, to accept commit [1..2] or [2..2] of either value, or to have
\* externalized either value at counter 1.
ByzBallot == {[n |-> k, x |-> {v}] : k \in 1 .. 2, v \in 1 .. 2}
ByzClaims ==
    {[NoMsg EXCEPT !.type = "PREP", !.B = bb, !.P = bb] : bb \in ByzBallot}
    \cup {[NoMsg EXCEPT !.type = "COMMIT", !.B = [n |-> 2, x |-> {v}], !.PN = 2, !.CN = c,
                        !.HN = 2] : v \in 1 .. 2, c \in 1 .. 2}
    \cup {[NoMsg EXCEPT !.type = "EXT", !.B = [n |-> 1, x |-> {v}], !.HN = 2] : v \in 1 .. 2}

\* A Byzantine nominator's messages: every valid NOMINATE {X, Y} (X and Y disjoint, not both
\* empty; msg.rs Msg::validate) over Value.
ByzNominations ==
    {m \in {[NoMsg EXCEPT !.type = "NOM", !.X = xs, !.Y = ys] :
                xs \in SUBSET Value, ys \in SUBSET Value} :
        m.X \cap m.Y = {} /\ m.X \cup m.Y # {}}
\* Vote-only PREPARE messages: the sender votes prepare <k, v> and accepts nothing
\* (P = PP = NullB, no commit vote).
ByzPrepareVotes == {[NoMsg EXCEPT !.type = "PREP", !.B = [n |-> k, x |-> v]] :
                       k \in Counter, v \in BallotValue}
=============================================================================
