------------------------------ MODULE TraceSCP ------------------------------
(***************************************************************************)
(* Trace validation of the Python SCP core (refimpl/consensus/scp) against *)
(* SCP.tla, after Cirstea et al. (arXiv 2404.16075): TraceData (made by    *)
(* refimpl/formal/trace_tla.py from an `mcref scp simulate --trace` file)  *)
(* holds one slot's steps as the sequence Trace; a cursor l walks it.      *)
(* Each step must be explained:                                            *)
(*   send     - the message is MsgOf(sender's state) (out_msg); it enters  *)
(*              the network net (Byzantine sends enter it unchecked);      *)
(*   receive  - the message was sent before; it is stored in M when higher *)
(*              than the stored one (MsgLess);                             *)
(*   propose  - the values join W;                                         *)
(*   timeout, externalize - timers; externalize reports C's value.         *)
(* and the node's new state (phase, X, Y, Z, B, P, PP, H, C) must be       *)
(* Justified: values only from proposals or received messages, monotone    *)
(* Y, Z, phase and ballot counter, newly confirmed nominations and a new   *)
(* EXTERNALIZE backed by a quorum in M (SCP.tla's federated voting), and   *)
(* the per-phase ballot invariants.  TraceNotConsumed is violated exactly  *)
(* when the whole trace was matched: TLC exit 12 = accepted; exit 0 with   *)
(* depth d = step d (1-based) is the first step no action explains.        *)
(***************************************************************************)
EXTENDS SCP, TraceData, Sequences

VARIABLES l, net

NodeState(n) == [phase |-> phase[n], X |-> X[n], Y |-> Y[n], Z |-> Z[n], B |-> B[n],
                 P |-> P[n], PP |-> PP[n], H |-> H[n], C |-> C[n]]

SetState(n, s) ==
    /\ phase' = [phase EXCEPT ![n] = s.phase]
    /\ X' = [X EXCEPT ![n] = s.X]
    /\ Y' = [Y EXCEPT ![n] = s.Y]
    /\ Z' = [Z EXCEPT ![n] = s.Z]
    /\ B' = [B EXCEPT ![n] = s.B]
    /\ P' = [P EXCEPT ![n] = s.P]
    /\ PP' = [PP EXCEPT ![n] = s.PP]
    /\ H' = [H EXCEPT ![n] = s.H]
    /\ C' = [C EXCEPT ![n] = s.C]

PhaseRank(ph) == CASE ph = "NOMINATE_PREPARE" -> 0 [] ph = "PREPARE" -> 1
                   [] ph = "COMMIT" -> 2 [] ph = "EXTERNALIZE" -> 3

MsgValues(m) == m.X \cup m.Y \cup m.B.x \cup m.P.x \cup m.PP.x
\* Values node n may know of: its proposals and every value in a message it stored.
Known(n, w, Mn) == w \cup UNION {MsgValues(Mn[m]) : m \in Node}

\* A ballot that newly became P or PP was accepted as prepared by the variant's rule (the
\* local node presumed to vote for it, as MobileCoin's quorum search presumes).
PrepareJustified(n, p, Mn) ==
    IF Variant = "correct" THEN PrepareAcceptableIn(Mn, n, p, TRUE)
    ELSE MCPrepareAcceptableIn(Mn, n, p, TRUE)

StateValues(s) == s.X \cup s.Y \cup s.Z \cup s.B.x \cup s.P.x \cup s.PP.x \cup s.H.x \cup s.C.x

\* The new state s of honest node n, with store Mn and proposals w, follows from the old one:
\* a value it did not hold before comes from its proposals or a stored message.
Justified(n, s, w, Mn) ==
    /\ StateValues(s) \subseteq StateValues(NodeState(n)) \cup Known(n, w, Mn)
    /\ s.X \cap s.Y = {} /\ s.Z \subseteq s.Y
    /\ Y[n] \subseteq s.Y /\ Z[n] \subseteq s.Z
    /\ PhaseRank(phase[n]) <= PhaseRank(s.phase)
    /\ B[n].n <= s.B.n
    /\ \A v \in s.Z \ Z[n] : QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : NomAccepted(m, v)))
    /\ (s.phase = "EXTERNALIZE" /\ phase[n] # "EXTERNALIZE") =>
         QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : CommitAccepted(m, s.C)))
    /\ \A p \in {s.P, s.PP} \ {P[n], PP[n], NullB} : PrepareJustified(n, p, Mn)
    /\ BallotStateOf(s.phase, s.B, s.P, s.PP, s.H, s.C)

TraceInit ==
    /\ Init /\ busy = CHOOSE n \in Honest : TRUE
    /\ l = 1
    /\ net = {}

E == Trace[l]

\* An honest node's step: its state becomes the recorded one, which must be justified.
Advance(n, w, Mn) ==
    /\ Justified(n, E.st, w, Mn)
    /\ SetState(n, E.st)
    /\ l' = l + 1

ProposeStep ==
    /\ E.event = "propose" /\ E.node \in Honest
    /\ W' = [W EXCEPT ![E.node] = @ \cup E.values]
    /\ Advance(E.node, W'[E.node], M[E.node])
    /\ UNCHANGED <<M, busy, net>>

SendStep ==
    /\ E.event = "send" /\ E.msg.from = E.node
    /\ IF E.byz
       THEN E.node \in Byz /\ UNCHANGED <<phase, X, Y, Z, B, P, PP, H, C>> /\ l' = l + 1
       ELSE /\ E.node \in Honest
            /\ MsgValid(E.msg.m)
            /\ MsgOf(E.node) = E.msg.m
            /\ Advance(E.node, W[E.node], M[E.node])
    /\ net' = net \cup {E.msg}
    /\ UNCHANGED <<W, M, busy>>

ReceiveStep ==
    /\ E.event = "receive" /\ E.node \in Honest
    /\ E.msg \in net
    /\ LET n == E.node
           s == E.msg.from
           Mn == IF s # n /\ MsgLess(M[n][s], E.msg.m) THEN [M[n] EXCEPT ![s] = E.msg.m]
                 ELSE M[n]
       IN /\ M' = [M EXCEPT ![n] = Mn]
          /\ Advance(n, W[n], Mn)
    /\ UNCHANGED <<W, busy, net>>

TimeoutStep ==
    /\ E.event = "timeout" /\ E.node \in Honest
    /\ Advance(E.node, W[E.node], M[E.node])
    /\ UNCHANGED <<W, M, busy, net>>

ExternalizeStep ==
    /\ E.event = "externalize" /\ E.node \in Honest
    /\ E.st.phase = "EXTERNALIZE" /\ E.values = E.st.C.x
    /\ Advance(E.node, W[E.node], M[E.node])
    /\ UNCHANGED <<W, M, busy, net>>

TraceNext ==
    /\ l <= Len(Trace)
    /\ \/ ProposeStep \/ SendStep \/ ReceiveStep \/ TimeoutStep \/ ExternalizeStep

\* Violated exactly when every step of the trace has been matched (= the trace is accepted).
TraceNotConsumed == l <= Len(Trace)

\* Agreement among the intact nodes of the run, checked on every reconstructed state.
TraceAgreement == Agreement
=============================================================================
