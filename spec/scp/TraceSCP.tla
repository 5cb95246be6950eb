------------------------------ MODULE TraceSCP ------------------------------
(***************************************************************************)
(* Trace validation of the SCP core (refimpl/consensus/scp) against SCP.tla *)
(* after Cirstea et al. (arXiv 2404.16075).  TraceData (made by            *)
(* refimpl/formal/trace_tla.py) holds trace-slots Traces[t], each a         *)
(* sequence of steps of one slot, all with the same nodes and variant; one *)
(* initial state per trace-slot, and a cursor l walks it.  One step of the *)
(* core is a macro step: an input (Receive, Propose, a timer = Bump)        *)
(* followed by any number of the node's local actions (AcceptNominate ..   *)
(* ConfirmCommit); the states in between are not observed.  Each step has  *)
(* named guards (the same names and rules as refimpl/formal/z3trace.py);    *)
(* a step whose guards all hold moves the cursor, otherwise the set of     *)
(* failing guard names is kept in `failed` and printed:                    *)
(*   <<"TRACE_REJECT", t, seq, {guard names}>>,  or at the end of a        *)
(*   trace-slot whose every step held  <<"TRACE_ACCEPT", t>>.              *)
(* The counters of a commit range are checked at Breakpoints only: every   *)
(* message predicate and the node's own vote change value only at one of   *)
(* their counters c or at c + 1, so checking those checks the range.       *)
(***************************************************************************)
EXTENDS SCP, TraceData, Sequences, TLC

VARIABLES t, l, net, extd, failed
traceVars == <<t, l, net, extd, failed>>

Tr == Traces[t]
Slot == TSlots[t]
E == Tr[l]

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

\* The guard `name` when `ok` does not hold.
Fail(ok, name) == IF ok THEN {} ELSE {name}
\* A value in a guard name (trace_validate.py replaces #rank by the value's hex prefix).
VName(v) == "#" \o ToString(v)

Counters(Mn, own) == own \cup UNION {{Mn[m].CN, Mn[m].HN, Mn[m].PN, Mn[m].B.n} : m \in Node}
Breakpoints(Mn, lo, hi, own) ==
    {k \in {lo} \cup UNION {{c, IF c < Infinity THEN c + 1 ELSE c} : c \in Counters(Mn, own)} :
        lo <= k /\ k <= hi}

(***************************************************************************)
(* What the node's local actions guarantee between two observed states b   *)
(* and a, with proposals w and store Mn (after the input).                 *)
(***************************************************************************)
Echo(Mn, n) == UNION {Mn[m].X \cup Mn[m].Y : m \in {k \in Node \ {n} : HasNom(Mn[k])}}

\* AcceptNominate: voted (or votable) and a quorum votes-or-accepts, or a blocking set accepts.
AcceptNominateOK(n, b, votable, Mn, v) ==
    /\ b.phase = "NOMINATE_PREPARE"
    /\ \/ v \in b.X \cup votable
          /\ QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : NomVoteOrAccept(m, v)))
       \/ Blocking(n, SendersIn(Mn, n, LAMBDA m : NomAccepted(m, v)))
ConfirmNominateOK(n, b, Mn, v) ==
    /\ b.phase = "NOMINATE_PREPARE"
    /\ QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : NomAccepted(m, v)))

\* AcceptPrepare by the variant's rule; the local vote from B (before or after) or P, PP.
PrepOK(n, b, a, Mn, p) ==
    LET self == Below(p, b.B) \/ Below(p, a.B) \/ Below(p, b.P) \/ Below(p, b.PP)
    IN IF Variant = "correct" THEN PrepareAcceptableIn(Mn, n, p, self)
       ELSE MCPrepareAcceptableIn(Mn, n, p, self)

\* The top of the node's own commit vote before the step (SelfVotesCommit): H, or in COMMIT for
\* the correct variant the open-ended vote up to CommitBoundIn.
OwnTop(n, b, Mn, x) ==
    IF Variant = "correct" /\ b.phase = "COMMIT" THEN CommitBoundIn(Mn, n, b.H.n, x) ELSE b.H.n
\* AcceptCommit of <k, x>: the node's vote is the one it held (SelfVotesCommit of b) or one
\* VoteCommit may cast in this step after confirming <k, x> prepared (ConfirmPrepare); the
\* correct variant entering COMMIT also needs <k, x> not aborted by P (CommitAllowed).
CommitOKAt(n, b, a, Mn, x, k) ==
    LET c == [n |-> k, x |-> x]
        voted == b.C # NullB /\ x = b.C.x /\ b.C.n <= k /\ k <= OwnTop(n, b, Mn, x)
        self == \/ voted
                \/ PhaseRank(b.phase) <= 1
                   /\ QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : PrepAccepted(m, c)))
    IN /\ (Variant = "correct" /\ PhaseRank(b.phase) <= 1) => ~Aborted(c, a.P)
       /\ \/ self /\ QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : CommitVoteOrAccept(m, c)))
          \/ Blocking(n, SendersIn(Mn, n, LAMBDA m : CommitAccepted(m, c)))
\* MobileCoin (MCBlockingRanges): one member's whole range, a blocking set overlapping it.
MCWholeRange(n, Mn, x, lo, hi) ==
    /\ \E m \in Node \ {n} : AcceptedCommitRange(Mn[m]) = [lo |-> lo, hi |-> hi, x |-> x]
    /\ Blocking(n, {m \in Node \ {n} : LET q == AcceptedCommitRange(Mn[m])
                                       IN q.x = x /\ Overlaps(q, lo, hi)})
AcceptCommitOK(n, b, a, Mn) ==
    LET x == a.C.x
        lo == a.C.n
        hi == a.H.n
    IN /\ lo <= hi
       /\ \/ \A k \in Breakpoints(Mn, lo, hi, {b.C.n, b.H.n, OwnTop(n, b, Mn, x), a.P.n}) :
                CommitOKAt(n, b, a, Mn, x, k)
          \/ Variant = "mobilecoin" /\ MCWholeRange(n, Mn, x, lo, hi)

ConfirmedOK(n, a, Mn) == CommitConfirmedIn(Mn, n, a.C.x, Breakpoints(Mn, a.C.n, a.H.n, {}))

LocalFailed(n, b, a, w, Mn) ==
    IF b.phase = "EXTERNALIZE"
    THEN \* ExtendConfirmedCommit: only H rises, by a quorum confirming the wider range
         Fail([a EXCEPT !.H = b.H] = b /\ a.H.x = b.H.x /\ b.H.n <= a.H.n,
              "Externalized.state_frozen")
         \cup (IF a.H # b.H THEN Fail(ConfirmedOK(n, a, Mn), "ConfirmCommit[extend H]") ELSE {})
    ELSE
    LET votable == w \cup Echo(Mn, n)
        newX == a.X \ b.X
    IN Fail(PhaseRank(b.phase) <= PhaseRank(a.phase), "Phase.monotone")
       \cup Fail(newX \subseteq votable, "VoteNominate.source")
       \cup Fail(b.Z = {} \/ newX = {}, "VoteNominate.not_after_confirm")
       \cup Fail(b.Y \subseteq a.Y, "AcceptNominate.Y_grows")
       \cup Fail(b.Z \subseteq a.Z, "ConfirmNominate.Z_grows")
       \cup {"AcceptNominate[" \o VName(v) \o "]" :
               v \in {u \in a.Y \ b.Y : ~AcceptNominateOK(n, b, votable, Mn, u)}}
       \cup {"ConfirmNominate[" \o VName(v) \o "]" :
               v \in {u \in a.Z \ b.Z : ~ConfirmNominateOK(n, b, Mn, u)}}
       \* B starts from combine(Z) (ConfirmNominate), H's value (ConfirmPrepare,
       \* AcceptCommit) or, once a timer fires, P's value (Bump's NextValue)
       \cup Fail(b.B # NullB \/ a.B = NullB \/ a.Z # {} \/ a.B.x \in {a.H.x, a.P.x},
                 "BallotStart.value")
       \* B only rises, but the correct variant accepting commit <lo..hi, x> from a prepare
       \* phase sets B to <hi, x> (CommitBallot), which a ConfirmCommit in the same step keeps
       \cup (IF a.B # b.B
             THEN Fail(\/ b.B = NullB \/ BLess(b.B, a.B)
                       \/ /\ Variant = "correct" /\ PhaseRank(b.phase) <= 1
                          /\ PhaseRank(a.phase) >= 2 /\ a.B.x = a.C.x /\ a.H.n <= a.B.n,
                       "Bump.B_monotone")
             ELSE {})
       \cup (IF a.P # b.P /\ a.P # NullB
             THEN Fail((PhaseRank(a.phase) >= 2 /\ a.P.x = a.H.x) \/ PrepOK(n, b, a, Mn, a.P),
                       "AcceptPrepare[P]")
             ELSE {})
       \cup (IF a.PP \notin {b.PP, NullB, b.P}
             THEN Fail(PrepOK(n, b, a, Mn, a.PP), "AcceptPrepare[PP]") ELSE {})
       \cup (IF a.H # b.H /\ PhaseRank(a.phase) <= 1
             THEN Fail(BLess(b.H, a.H)
                       /\ QuorumWithIn(Mn, n, SendersIn(Mn, n, LAMBDA m : PrepAccepted(m, a.H))),
                       "ConfirmPrepare[H]")
             ELSE {})
       \cup (IF a.phase = "COMMIT" /\ (b.phase # "COMMIT" \/ <<a.C, a.H>> # <<b.C, b.H>>)
             THEN Fail(AcceptCommitOK(n, b, a, Mn), "AcceptCommit[C..H]") ELSE {})
       \cup (IF a.phase = "EXTERNALIZE" THEN Fail(ConfirmedOK(n, a, Mn), "ConfirmCommit[C..H]")
             ELSE {})

\* The invariants NominationOK and BallotStateOK of the state after the step.
InvFailed(a) ==
    Fail(a.X \cap a.Y = {} /\ a.Z \subseteq a.Y, "NominationOK")
    \cup Fail(BallotStateOf(a.phase, a.B, a.P, a.PP, a.H, a.C), "BallotStateOK")

(***************************************************************************)
(* One step.  n is bound by \E so that MsgOf(n)' reads the next state of   *)
(* the same node.                                                          *)
(***************************************************************************)
StoreAfter(n) ==
    LET s == E.msg.from
    IN IF s \in Node /\ s # n /\ MsgLess(M[n][s], E.msg.m) THEN [M[n] EXCEPT ![s] = E.msg.m]
       ELSE M[n]

Failed(n) ==
    LET a == E.st
        b == NodeState(n)
    IN CASE E.byz -> Fail(n \in Byz, "ByzantineSend.sender_is_byzantine")
         [] n \in Byz -> {"Step.node_is_honest"}
         [] E.event = "send" ->
              Fail(E.msg.from = n, "Send.sender_is_node")
              \cup Fail(E.msg.slot = Slot, "Send.same_slot")
              \cup Fail(E.msg.m.q = QSet[n], "Send.qset_is_configured")
              \cup Fail(a = b, "Send.state_unchanged")
              \cup Fail([E.msg.m EXCEPT !.q = QSet[n]] = MsgOf(n)', "Send.msg_is_MsgOf")
              \cup Fail(MsgValid(E.msg.m), "MessagesValid")
              \cup InvFailed(a)
         [] E.event = "externalize" ->
              Fail(a = b, "Externalize.state_unchanged")
              \cup Fail(a.phase = "EXTERNALIZE", "Externalize.phase")
              \cup Fail(E.values = a.C.x, "Externalize.value_is_C")
              \cup Fail(\A e \in extd : e[2] = E.values, "Agreement")
              \cup InvFailed(a)
         [] E.event = "receive" ->
              Fail(E.msg \in net, "Receive.was_sent")
              \cup Fail(E.msg.from # n /\ E.msg.from \in Node, "Receive.from_other_node")
              \cup Fail(E.msg.slot = Slot, "Receive.same_slot")
              \cup (IF StoreAfter(n) = M[n] THEN Fail(a = b, "Receive.stale_msg_unchanged")
                    ELSE {})
              \cup LocalFailed(n, b, a, W[n], StoreAfter(n))
              \cup InvFailed(a)
         [] E.event = "propose" -> LocalFailed(n, b, a, W[n] \cup E.values, M[n]) \cup InvFailed(a)
         [] E.event = "timeout" -> LocalFailed(n, b, a, W[n], M[n]) \cup InvFailed(a)

\* A send of another slot: the message only enters the network.
NetOnly ==
    /\ E.netonly
    /\ net' = net \cup {E.msg}
    /\ UNCHANGED <<phase, W, X, Y, Z, B, P, PP, H, C, M, busy, t, extd, failed>>

Checked ==
    /\ ~E.netonly
    /\ \E n \in {E.node} :
       LET honest == ~E.byz /\ n \in Honest
       IN /\ IF honest THEN SetState(n, E.st) ELSE UNCHANGED <<phase, X, Y, Z, B, P, PP, H, C>>
          /\ W' = IF honest /\ E.event = "propose" THEN [W EXCEPT ![n] = @ \cup E.values] ELSE W
          /\ M' = IF honest /\ E.event = "receive" THEN [M EXCEPT ![n] = StoreAfter(n)] ELSE M
          /\ net' = IF E.event = "send" THEN net \cup {E.msg} ELSE net
          /\ extd' = IF honest /\ E.event = "externalize" THEN extd \cup {<<n, E.values>>}
                     ELSE extd
          /\ failed' = Failed(n)
          /\ IF failed' = {} THEN TRUE ELSE PrintT(<<"TRACE_REJECT", t, E.seq, failed'>>)
    /\ UNCHANGED <<busy, t>>

TraceInit ==
    /\ Init /\ busy = CHOOSE n \in Honest : TRUE
    /\ t \in 1 .. Len(Traces)
    /\ l = 1
    /\ net = {}
    /\ extd = {}
    /\ failed = {}

TraceNext ==
    \/ /\ failed = {} /\ l <= Len(Tr)
       /\ NetOnly \/ Checked
       /\ l' = l + 1
    \/ failed = {} /\ l > Len(Tr) /\ PrintT(<<"TRACE_ACCEPT", t>>) /\ UNCHANGED <<vars, traceVars>>
    \/ failed # {} /\ UNCHANGED <<vars, traceVars>>
=============================================================================
