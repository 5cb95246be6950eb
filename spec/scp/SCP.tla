-------------------------------- MODULE SCP --------------------------------
(***************************************************************************)
(* One slot of the Stellar Consensus Protocol as MobileCoin runs it         *)
(* (mobilecoinfoundation/mobilecoin consensus/scp/src/slot.rs, msg.rs,     *)
(* quorum_set_ext.rs; whitepaper section 6; docs/deviations.md#dev-scp).   *)
(*                                                                         *)
(* Variables carry the names of the Python core (docs/scp-interface.md):   *)
(* phase, W, X, Y, Z, B, P, PP, H, C, M.  Every honest node's latest       *)
(* message is a function of its state (MsgOf, MobileCoin's out_msg), so a  *)
(* step that changes the state is also a broadcast of the new message.     *)
(* A receiver keeps the latest message of each sender (M) and takes a new  *)
(* one only when it is higher in MobileCoin's per-sender order.  Byzantine *)
(* nodes have no state: their latest message can become any message of     *)
(* ByzMsgs (higher than the receiver's stored one) at any time.            *)
(*                                                                         *)
(* Variant = "correct" is the SCP of the paper (Mazieres 2015, 6.2) and   *)
(* of draft-mazieres-dinrg-scp-05: federated voting, step 8 only when      *)
(* b < h, commit accepted only for confirmed-prepared ballots, the         *)
(* Commit phase's open-ended commit vote.  Variant = "mobilecoin" keeps    *)
(* MobileCoin's rules: blocking-set acceptance of one member's candidate   *)
(* ballot / commit range, a per-sender order that ignores CN, step 8 and   *)
(* step 4 bumping the counter on a value change, commit accepted without   *)
(* confirmed prepare.  Every difference: spec/scp/README.md "Variants".    *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, TLC

CONSTANTS
    Node,         \* all node ids
    Byz,          \* the Byzantine nodes (subset of Node)
    Intact,       \* the nodes Agreement is promised to (subset of Node \ Byz)
    Value,        \* nominated values: natural numbers, ordered as MobileCoin orders bytes
    Proposals,    \* Node \ Byz -> the values that node's application may propose
    MaxCounter,   \* largest ballot counter explored
    QSet,         \* Node -> quorum set [t |-> threshold, v |-> node members, i |-> inner sets]
    ByzMsgs,      \* the messages a Byzantine node may send
    Variant       \* "correct" or "mobilecoin"

Honest == Node \ Byz

ASSUME /\ Byz \subseteq Node /\ Intact \subseteq Honest
       /\ Variant \in {"correct", "mobilecoin"}
       /\ MaxCounter \in Nat /\ Value \subseteq Nat
       /\ \A n \in Honest : Proposals[n] \subseteq Value

(***************************************************************************)
(* Quorum sets (quorum_set.rs): a quorum set is satisfied by a set S of    *)
(* nodes when at least t of its members are in S or are inner sets that    *)
(* are themselves satisfied.  B is blocking for a quorum set when it meets *)
(* every slice, i.e. the complement of B does not satisfy the quorum set.  *)
(***************************************************************************)
RECURSIVE Sat(_, _)
Sat(q, S) ==
    Cardinality(q.v \cap S) + Cardinality({inner \in q.i : Sat(inner, S)}) >= q.t

\* The quorum set of m as seen through the store Mn: a Byzantine node's latest message may
\* advertise another quorum set than the configured one (MobileCoin reads it from messages).
NoQSet == [t |-> 0, v |-> {}, i |-> {}]
QSetIn(Mn, m) == IF m \in Byz /\ m \in DOMAIN Mn /\ Mn[m].q # NoQSet THEN Mn[m].q ELSE QSet[m]

\* The largest quorum inside T: prune members whose own quorum set T does not satisfy.
RECURSIVE PruneIn(_, _)
PruneIn(Mn, T) == LET kept == {m \in T : Sat(QSetIn(Mn, m), T)}
                  IN IF kept = T THEN T ELSE PruneIn(Mn, kept)

\* Precomputed for the model's constants (TLC evaluates constant definitions once, at
\* start-up): per node n, its minimal quorums as the members other than n, and the minimal
\* sets of other nodes blocking n.  The MC modules hold the same tables as literals written
\* by refimpl/formal/scp_model_gen.py (from fbas_model) and ASSUME them equal to these
\* definitions; a .cfg may override QuorumsOf / BlockingOf with them (same answers).
\* Above TableNodes nodes the tables stay empty and the general path (PruneIn, Sat) is used.
TableNodes == 10
UseTables == Cardinality(Node) <= TableNodes
IsQuorumWith(n, S) == n \in S /\ \A m \in S : Sat(QSet[m], S)
Minimal(F) == {S \in F : \A S2 \in F : S2 \subseteq S => S2 = S}
\* (TLCEval: TLC turns the function into a table once instead of evaluating its body again on
\* every application.)
ComputedQuorumsOf ==
    TLCEval([n \in Node |->
                IF UseTables
                THEN TLCEval({Q \ {n} : Q \in Minimal({S \in SUBSET Node : IsQuorumWith(n, S)})})
                ELSE {}])
ComputedBlockingOf ==
    TLCEval([n \in Node |->
                IF UseTables
                THEN TLCEval(Minimal({T \in SUBSET (Node \ {n}) : ~Sat(QSet[n], Node \ T)}))
                ELSE {}])
QuorumsOf == ComputedQuorumsOf
BlockingOf == ComputedBlockingOf
\* The tables apply to a store in which no Byzantine sender advertises another quorum set.
ConfiguredQSets(Mn) == \A m \in Byz : QSetIn(Mn, m) = QSet[m]

\* n belongs to a quorum made of n and nodes of T.  The local node is presumed to satisfy
\* the predicate (MobileCoin's find_quorum seeds the search with the local node).  With the
\* tables: n survives PruneIn(Mn, T \cup {n}) iff a minimal quorum containing n lies in
\* T \cup {n} (the set PruneIn keeps is the union of the quorums inside it).
QuorumWithIn(Mn, n, T) ==
    IF UseTables /\ ConfiguredQSets(Mn) THEN {Q \in QuorumsOf[n] : Q \subseteq T} # {}
    ELSE n \in PruneIn(Mn, T \cup {n})

\* The nodes whose messages can matter to n: the members of n's quorum set, of theirs, etc.
RECURSIVE Members(_)
Members(q) == q.v \cup UNION {Members(inner) : inner \in q.i}
RECURSIVE Closure(_)
Closure(S) == LET next == S \cup UNION {Members(QSet[m]) : m \in S}
              IN IF next = S THEN S ELSE Closure(next)
RelevantOf == TLCEval([n \in Node |-> TLCEval(Closure({n}) \ {n})])
Relevant(n) == RelevantOf[n]

\* T (which never contains the local node) is blocking for n (find_blocking_set).
\* With the table: ~Sat(QSet[n], Node \ T) is monotone in T, so T blocks n iff it contains a
\* minimal blocking set.
Blocking(n, T) ==
    /\ n \notin T
    /\ IF UseTables THEN {S \in BlockingOf[n] : S \subseteq T} # {} ELSE ~Sat(QSet[n], Node \ T)

(***************************************************************************)
(* Ballots and their order: counter first, then the value set compared as  *)
(* a sorted vector (Rust's Vec ordering).  NullB is MobileCoin's zero      *)
(* ballot / None.                                                          *)
(***************************************************************************)
NullB == [n |-> 0, x |-> {}]
Min(S) == CHOOSE e \in S : \A f \in S : e <= f
Max(S) == CHOOSE e \in S : \A f \in S : e >= f

RECURSIVE SetLessRec(_, _)
SetLessRec(a, b) ==
    IF b = {} THEN FALSE
    ELSE IF a = {} THEN TRUE
    ELSE IF Min(a) < Min(b) THEN TRUE
    ELSE IF Min(a) > Min(b) THEN FALSE
    ELSE SetLessRec(a \ {Min(a)}, b \ {Min(b)})
\* The same order as a rank table over SUBSET Value (evaluated once), up to RankValues values.
RankValues == 6
SetRank == IF Cardinality(Value) <= RankValues
           THEN TLCEval([a \in SUBSET Value |-> Cardinality({c \in SUBSET Value : SetLessRec(c, a)})])
           ELSE <<>>
SetLess(a, b) ==
    IF Cardinality(Value) <= RankValues /\ a \subseteq Value /\ b \subseteq Value
    THEN SetRank[a] < SetRank[b] ELSE SetLessRec(a, b)

BLess(a, b) == a.n < b.n \/ (a.n = b.n /\ SetLess(a.x, b.x))
BLeq(a, b) == a = b \/ BLess(a, b)
\* a is "less than and compatible with" b (a.n <= b.n, same value): prepare(b) implies prepare(a).
Below(a, b) == a.n <= b.n /\ a.x = b.x

Counter == 1 .. MaxCounter
BallotValue == SUBSET Value \ {{}}
Ballot == [n : Counter, x : BallotValue]
BMax(S) == CHOOSE b \in S : \A c \in S : BLeq(c, b)

(***************************************************************************)
(* Messages (msg.rs).  One record shape for all topics; unused fields are  *)
(* empty.  For EXT, B holds the externalized commit ballot C.              *)
(***************************************************************************)
NoMsg == [type |-> "NONE", X |-> {}, Y |-> {}, B |-> NullB, P |-> NullB, PP |-> NullB,
          CN |-> 0, HN |-> 0, PN |-> 0, q |-> NoQSet]
TypeRankOf == [NONE |-> 0, NOM |-> 1, NOMPREP |-> 2, PREP |-> 3, COMMIT |-> 4, EXT |-> 5]
TypeRank(m) == TypeRankOf[m.type]

SetOrderLess(a, b) == Cardinality(a) < Cardinality(b)
                      \/ (Cardinality(a) = Cardinality(b) /\ SetLess(a, b))
NomLess(a, b) == SetOrderLess(a.Y, b.Y) \/ (a.Y = b.Y /\ SetOrderLess(a.X, b.X))
CNLess(a, b) == Variant = "correct" /\ a.CN < b.CN
PrepLess(a, b) ==
    \/ BLess(a.B, b.B)
    \/ a.B = b.B /\ BLess(a.P, b.P)
    \/ a.B = b.B /\ a.P = b.P /\ BLess(a.PP, b.PP)
    \/ a.B = b.B /\ a.P = b.P /\ a.PP = b.PP /\ a.HN < b.HN
    \/ a.B = b.B /\ a.P = b.P /\ a.PP = b.PP /\ a.HN = b.HN /\ CNLess(a, b)
CommitLess(a, b) ==
    \/ BLess(a.B, b.B)
    \/ a.B = b.B /\ a.PN < b.PN
    \/ a.B = b.B /\ a.PN = b.PN /\ a.HN < b.HN
    \/ a.B = b.B /\ a.PN = b.PN /\ a.HN = b.HN /\ CNLess(a, b)

\* Externalize by HN (MobileCoin); the correct variant then by C, as the core's topic_order_key
\* (refimpl/consensus/scp/msg.py) and the whitepaper's (phi, b, p, p', h, c) order do.
ExtLess(a, b) == a.HN < b.HN \/ (Variant = "correct" /\ a.HN = b.HN /\ BLess(a.B, b.B))

\* MobileCoin's per-sender order (Topic's Ord): a receiver keeps a message only if it is higher.
MsgLess(a, b) ==
    \/ TypeRank(a) < TypeRank(b)
    \/ /\ TypeRank(a) = TypeRank(b)
       /\ CASE a.type = "NOM" -> NomLess(a, b)
            [] a.type = "NOMPREP" -> PrepLess(a, b)
                   \/ (a.B = b.B /\ a.P = b.P /\ a.PP = b.PP /\ a.HN = b.HN /\ a.CN = b.CN
                       /\ NomLess(a, b))
            [] a.type = "PREP" -> PrepLess(a, b)
            [] a.type = "COMMIT" -> CommitLess(a, b)
            [] a.type = "EXT" -> ExtLess(a, b)
            [] OTHER -> FALSE

(***************************************************************************)
(* The statements a message votes for or accepts (msg.rs functions         *)
(* votes_or_accepts_nominated, accepts_prepared, votes_or_accepts_commits  *)
(* and the like).                                                          *)
(***************************************************************************)
NomTypes == {"NOM", "NOMPREP"}
PrepTypes == {"NOMPREP", "PREP"}
CommitTypes == {"COMMIT", "EXT"}
\* Phase sets, named once (TLC evaluates constant definitions once, at start-up).
Preparing == {"NOMINATE_PREPARE", "PREPARE"}
Balloting == {"NOMINATE_PREPARE", "PREPARE", "COMMIT"}
HasNom(m) == m.type \in NomTypes
HasPrep(m) == m.type \in PrepTypes
NomVoteOrAccept(m, v) == HasNom(m) /\ v \in m.X \cup m.Y
NomAccepted(m, v) == HasNom(m) /\ v \in m.Y

PrepVoteOrAccept(m, b) ==
    \/ HasPrep(m) /\ (Below(b, m.B) \/ Below(b, m.P) \/ Below(b, m.PP))
    \/ m.type \in CommitTypes /\ b.x = m.B.x
PrepAccepted(m, b) ==
    \/ HasPrep(m) /\ (Below(b, m.P) \/ Below(b, m.PP))
    \/ m.type = "COMMIT" /\ Below(b, [n |-> m.PN, x |-> m.B.x])
    \/ m.type = "EXT" /\ b.x = m.B.x
CommitVoteOrAccept(m, b) ==
    \/ HasPrep(m) /\ m.CN # 0 /\ b.x = m.B.x /\ m.CN <= b.n /\ b.n <= m.HN
    \/ m.type = "COMMIT" /\ b.x = m.B.x /\ m.CN <= b.n
    \/ m.type = "EXT" /\ b.x = m.B.x /\ m.B.n <= b.n
CommitAccepted(m, b) ==
    \/ m.type = "COMMIT" /\ b.x = m.B.x /\ m.CN <= b.n /\ b.n <= m.HN
    \/ m.type = "EXT" /\ b.x = m.B.x /\ m.B.n <= b.n

\* MobileCoin's INFINITY counter (u32::MAX), as TLC's largest integer: an EXTERNALIZE message
\* accepts prepare <INFINITY, C.x>.
Infinity == 2147483647

\* The ballots a message accepts as prepared, and the commit range it accepts (candidates).
AcceptedPrepBallots(m) ==
    IF HasPrep(m) THEN {b \in {m.P, m.PP} : b # NullB}
    ELSE IF m.type = "COMMIT" THEN {[n |-> m.PN, x |-> m.B.x]}
    ELSE IF m.type = "EXT" THEN {[n |-> Infinity, x |-> m.B.x]}
    ELSE {}
AcceptedCommitRange(m) ==
    IF m.type = "COMMIT" THEN [lo |-> m.CN, hi |-> m.HN, x |-> m.B.x]
    ELSE IF m.type = "EXT" THEN [lo |-> m.B.n, hi |-> MaxCounter, x |-> m.B.x]
    ELSE [lo |-> 1, hi |-> 0, x |-> {}]

(***************************************************************************)
(* State.                                                                  *)
(***************************************************************************)
VARIABLES phase, W, X, Y, Z, B, P, PP, H, C, M,
    busy  \* the node processing its last input (a scheduling device, not node state)
nodeVars == <<phase, W, X, Y, Z, B, P, PP, H, C>>
vars == <<phase, W, X, Y, Z, B, P, PP, H, C, M, busy>>

Phases == {"NOMINATE_PREPARE", "PREPARE", "COMMIT", "EXTERNALIZE"}

\* MobileCoin's out_msg: the latest message of honest node n, P and PP clamped below B.
Clamp(p, b) == IF p = NullB \/ BLeq(p, b) THEN p
               ELSE IF SetLess(b.x, p.x) THEN [n |-> b.n - 1, x |-> p.x]
               ELSE [n |-> b.n, x |-> p.x]
ClampPP(pp, p) == LET c == Clamp(pp, p) IN IF c.n = 0 THEN NullB ELSE c
PrepFields(n) ==
    LET cp == Clamp(P[n], B[n])
        hn == IF H[n] # NullB /\ H[n].x = B[n].x THEN H[n].n ELSE 0
    IN [B |-> B[n], P |-> cp, PP |-> ClampPP(PP[n], cp), HN |-> hn,
        CN |-> IF hn # 0 /\ C[n] # NullB THEN C[n].n ELSE 0]
MsgOf(n) ==
    CASE phase[n] = "NOMINATE_PREPARE" ->
            IF B[n] = NullB
            THEN IF X[n] \cup Y[n] = {} THEN NoMsg ELSE [NoMsg EXCEPT !.type = "NOM",
                                                          !.X = X[n], !.Y = Y[n], !.q = QSet[n]]
            ELSE LET f == PrepFields(n) IN
                 [type |-> "NOMPREP", X |-> X[n], Y |-> Y[n], B |-> f.B, P |-> f.P,
                  PP |-> f.PP, CN |-> f.CN, HN |-> f.HN, PN |-> 0, q |-> QSet[n]]
      [] phase[n] = "PREPARE" ->
            LET f == PrepFields(n) IN
            [type |-> "PREP", X |-> {}, Y |-> {}, B |-> f.B, P |-> f.P, PP |-> f.PP,
             CN |-> f.CN, HN |-> f.HN, PN |-> 0, q |-> QSet[n]]
      [] phase[n] = "COMMIT" ->
            [NoMsg EXCEPT !.type = "COMMIT", !.B = B[n], !.PN = Clamp(P[n], B[n]).n,
                          !.CN = C[n].n, !.HN = H[n].n, !.q = QSet[n]]
      [] phase[n] = "EXTERNALIZE" ->
            [NoMsg EXCEPT !.type = "EXT", !.B = C[n], !.HN = H[n].n, !.q = QSet[n]]

\* The nodes whose latest message (in n's store Mn) satisfies a predicate.
SendersIn(Mn, n, Pred(_)) == {m \in Node \ {n} : Pred(Mn[m])}
Senders(n, Pred(_)) == SendersIn(M[n], n, Pred)
QuorumWith(n, T) == QuorumWithIn(M[n], n, T)

Init ==
    /\ phase = [n \in Honest |-> "NOMINATE_PREPARE"]
    /\ W = [n \in Honest |-> {}]
    /\ X = [n \in Honest |-> {}]
    /\ Y = [n \in Honest |-> {}]
    /\ Z = [n \in Honest |-> {}]
    /\ B = [n \in Honest |-> NullB]
    /\ P = [n \in Honest |-> NullB]
    /\ PP = [n \in Honest |-> NullB]
    /\ H = [n \in Honest |-> NullB]
    /\ C = [n \in Honest |-> NullB]
    /\ M = [n \in Honest |-> [m \in Node |-> NoMsg]]
    /\ busy \in Honest

(***************************************************************************)
(* Messages.                                                               *)
(***************************************************************************)
\* n stores m's current latest message (a delivered broadcast; older ones were superseded).
Receive(n, m) ==
    /\ m \in Honest \cap Relevant(n)
    /\ LET msg == MsgOf(m) IN MsgLess(M[n][m], msg) /\ M' = [M EXCEPT ![n][m] = msg]
    /\ UNCHANGED nodeVars

\* A Byzantine node's message reaches n: anything in ByzMsgs that n would store.
ByzantineSend(n, m, msg) ==
    /\ m \in Byz \cap Relevant(n) /\ msg \in ByzMsgs
    /\ MsgLess(M[n][m], msg)
    /\ M' = [M EXCEPT ![n][m] = msg]
    /\ UNCHANGED nodeVars

(***************************************************************************)
(* Nomination (slot.rs do_nominate_phase; whitepaper 6.1).  Leader         *)
(* election is abstracted: any node may be a leader, so a node may vote    *)
(* for a value it proposed (W) or that a peer voted or accepted.           *)
(***************************************************************************)
Propose(n, v) ==
    /\ phase[n] = "NOMINATE_PREPARE" /\ Z[n] = {} /\ v \in Proposals[n] \ W[n]
    /\ W' = [W EXCEPT ![n] = @ \cup {v}]
    /\ UNCHANGED <<phase, X, Y, Z, B, P, PP, H, C, M>>

Echoable(n) == UNION {M[n][m].X \cup M[n][m].Y : m \in {k \in Node \ {n} : HasNom(M[n][k])}}

VoteNominate(n, v) ==
    /\ phase[n] = "NOMINATE_PREPARE" /\ Z[n] = {}
    /\ v \notin X[n] \cup Y[n] /\ v \in W[n] \cup Echoable(n)
    /\ X' = [X EXCEPT ![n] = @ \cup {v}]
    /\ UNCHANGED <<phase, W, Y, Z, B, P, PP, H, C, M>>

AcceptNominate(n, v) ==
    /\ phase[n] = "NOMINATE_PREPARE" /\ v \notin Y[n]
    /\ \/ v \in X[n] /\ QuorumWith(n, {m \in Node \ {n} : NomVoteOrAccept(M[n][m], v)})
       \/ Blocking(n, {m \in Node \ {n} : NomAccepted(M[n][m], v)})
    /\ Y' = [Y EXCEPT ![n] = @ \cup {v}]
    /\ X' = [X EXCEPT ![n] = @ \ {v}]
    /\ UNCHANGED <<phase, W, Z, B, P, PP, H, C, M>>

\* Confirming the first values starts balloting with <1, combine(Z)> (combine = union).
ConfirmNominate(n, v) ==
    /\ phase[n] = "NOMINATE_PREPARE" /\ v \in Y[n] \ Z[n]
    /\ QuorumWith(n, {m \in Node \ {n} : NomAccepted(M[n][m], v)})
    /\ Z' = [Z EXCEPT ![n] = @ \cup {v}]
    /\ B' = [B EXCEPT ![n] = IF @ = NullB THEN [n |-> 1, x |-> Z'[n]] ELSE @]
    /\ UNCHANGED <<phase, W, X, Y, P, PP, H, C, M>>

(***************************************************************************)
(* Ballot protocol, prepare side (slot.rs do_prepare_phase, steps 1-3, 8). *)
(***************************************************************************)
SelfVotesPrepare(n, b) == Below(b, B[n]) \/ Below(b, P[n]) \/ Below(b, PP[n])
SelfAcceptsPrepare(n, b) == Below(b, P[n]) \/ Below(b, PP[n])

\* Federated voting with store Mn: a quorum votes-or-accepts prepare(b) (the local node's own
\* vote is selfVotes), or a blocking set accepts it.
PrepareAcceptableIn(Mn, n, b, selfVotes) ==
    \/ selfVotes /\ QuorumWithIn(Mn, n, {m \in Node \ {n} : PrepVoteOrAccept(Mn[m], b)})
    \/ Blocking(n, {m \in Node \ {n} : PrepAccepted(Mn[m], b)})
\* MobileCoin (ballots_accepted_prepared, blocking path): b is one member's accepted ballot and
\* every member of a blocking set accepts *some* ballot of value b.x.
MCPrepareAcceptableIn(Mn, n, b, selfVotes) ==
    \/ selfVotes /\ QuorumWithIn(Mn, n, {m \in Node \ {n} : PrepVoteOrAccept(Mn[m], b)})
    \/ /\ \E m \in Node \ {n} : b \in AcceptedPrepBallots(Mn[m])
       /\ Blocking(n, {m \in Node \ {n} : PrepAccepted(Mn[m], [n |-> 1, x |-> b.x])})
PrepareAcceptable(n, b) == PrepareAcceptableIn(M[n], n, b, SelfVotesPrepare(n, b))
MCPrepareAcceptable(n, b) == MCPrepareAcceptableIn(M[n], n, b, SelfVotesPrepare(n, b))

\* The ballots n may consider for acceptance: its own and those named in stored messages
\* (MobileCoin's candidate sets), with every lower counter of the same value.
PrepCandidates(n) ==
    LET named == ({B[n], P[n], PP[n]}
                  \cup UNION {{M[n][m].B, M[n][m].P, M[n][m].PP} : m \in Node \ {n}}) \ {NullB}
        committed == {M[n][m].B.x : m \in {j \in Node \ {n} : M[n][j].type \in CommitTypes}}
        \* MobileCoin's candidates are the ballots peers accept as prepared, with
        \* <INFINITY, C.x> of an Externalize (slot.rs ballots_accepted_prepared; the finding
        \* of spec/scp/MCSCPStrand.tla needs it).  Counters above MaxCounter stay whole.
        mcAccepted == IF Variant = "mobilecoin"
                      THEN UNION {AcceptedPrepBallots(M[n][m]) : m \in Node \ {n}} ELSE {}
    IN UNION {{[n |-> k, x |-> c.x] : k \in 1 .. Min({c.n, MaxCounter})} : c \in named}
       \cup {c \in named : c.n > MaxCounter}
       \cup {[n |-> k, x |-> x] : k \in Counter, x \in committed}
       \cup mcAccepted

\* Step 1 (and 5 in COMMIT): P becomes the highest accepted-prepared ballot, PP the highest
\* below P with another value; C is cleared when P or PP is above it with another value (D04).
\* Like MobileCoin, one step takes every ballot acceptable now.
AcceptableNow(n, b) ==
    IF Variant = "correct" THEN PrepareAcceptable(n, b) ELSE MCPrepareAcceptable(n, b)
AcceptPrepare(n) ==
    /\ phase[n] \in Balloting
    /\ LET cands == IF phase[n] = "COMMIT"
                    THEN {b \in PrepCandidates(n) : b.x = B[n].x}
                    ELSE PrepCandidates(n)
           acc == {b \in cands : ~BLeq(b, PP[n]) /\ AcceptableNow(n, b)}
                  \cup ({P[n], PP[n]} \ {NullB})
           newP == IF acc = {} THEN NullB ELSE BMax(acc)
           below == {b \in acc : BLess(b, newP) /\ b.x # newP.x}
           newPP == IF phase[n] = "COMMIT" \/ below = {} THEN NullB ELSE BMax(below)
           aborts(p) == p # NullB /\ C[n] # NullB /\ BLess(C[n], p) /\ p.x # C[n].x
       IN /\ <<newP, newPP>> # <<P[n], PP[n]>>
          /\ P' = [P EXCEPT ![n] = newP]
          /\ PP' = [PP EXCEPT ![n] = newPP]
          /\ C' = [C EXCEPT ![n] = IF phase[n] # "COMMIT" /\ (aborts(newP) \/ aborts(newPP))
                                   THEN NullB ELSE @]
    /\ UNCHANGED <<phase, W, X, Y, Z, B, H, M>>

\* Step 8.  Variant "correct": WP 6.2 step 8 "if b < h, then set b <- h" (stellar-core
\* updateCurrentIfNeeded); b is left alone when h <= b, whatever its value.  Variant
\* "mobilecoin" (slot.rs do_prepare_phase (8)): move to h's value, bumping the counter on a
\* value change even when h < b (docs/deviations.md#dev-scp-step8).
BallotTowards(b, h) ==
    IF h = NullB THEN b
    ELSE IF Variant = "correct" THEN (IF BLess(b, h) THEN h ELSE b)
    ELSE IF b.x # h.x THEN [n |-> Max({b.n + 1, h.n}), x |-> h.x]
    ELSE [n |-> Max({b.n, h.n}), x |-> h.x]
\* Step 4 (entering COMMIT) and 6 + 8 (in COMMIT, where h.x = b.x).  "correct": WP step 4
\* "unless h <~ b, set b <- h" (stellar-core setAcceptCommit); "mobilecoin": as step 8.
CommitBallot(b, h) ==
    IF Variant = "correct" THEN (IF Below(h, b) THEN b ELSE h) ELSE BallotTowards(b, h)

\* Step 2: H becomes the highest ballot a quorum accepts as prepared; the node enters PREPARE.
ConfirmPrepare(n) ==
    /\ phase[n] \in Preparing
    /\ LET conf == {b \in PrepCandidates(n) :
                      /\ BLess(H[n], b) /\ SelfAcceptsPrepare(n, b)
                      /\ QuorumWith(n, {m \in Node \ {n} : PrepAccepted(M[n][m], b)})}
       IN /\ conf # {}
          /\ LET h == BMax(conf) IN
             /\ BallotTowards(B[n], h).n <= MaxCounter
             /\ H' = [H EXCEPT ![n] = h]
             /\ B' = [B EXCEPT ![n] = BallotTowards(@, h)]
    /\ phase' = [phase EXCEPT ![n] = "PREPARE"]
    /\ UNCHANGED <<W, X, Y, Z, P, PP, C, M>>

\* Step 3: vote commit for the lowest ballot >= B with H's value that P and PP do not abort.
Aborted(c, p) == p # NullB /\ BLess(c, p) /\ p.x # c.x
VoteCommit(n) ==
    /\ phase[n] = "PREPARE" /\ C[n] = NullB /\ H[n] # NullB /\ BLeq(B[n], H[n])
    /\ ~Aborted(H[n], P[n]) /\ ~Aborted(H[n], PP[n])
    /\ LET ok == {k \in B[n].n .. H[n].n :
                    LET c == [n |-> k, x |-> H[n].x]
                    IN BLeq(B[n], c) /\ ~Aborted(c, P[n]) /\ ~Aborted(c, PP[n])}
       IN /\ ok # {}
          /\ C' = [C EXCEPT ![n] = [n |-> Min(ok), x |-> H[n].x]]
    /\ UNCHANGED <<phase, W, X, Y, Z, B, P, PP, H, M>>

(***************************************************************************)
(* Ballot protocol, commit side (steps 4-7).                               *)
(***************************************************************************)
\* The highest finite counter the commit statements of value x in n's store name (and H.n):
\* the correct variant's open-ended Commit-phase vote stops there (ballot.py
\* _finite_commit_bound; stellar-core getCommitBoundariesFromStatements).
CommitBoundIn(Mn, n, hn, x) ==
    Max({hn}
        \cup {Mn[m].HN : m \in {j \in Node \ {n} : Mn[j].B.x = x
                                /\ ((HasPrep(Mn[j]) /\ Mn[j].CN # 0) \/ Mn[j].type = "COMMIT")}}
        \cup {Mn[m].B.n : m \in {j \in Node \ {n} : Mn[j].type = "EXT" /\ Mn[j].B.x = x}})
CommitBound(n, x) == CommitBoundIn(M[n], n, H[n].n, x)
\* The local commit vote, with C's value (WP Fig. 16: c and h are the lowest and highest
\* ballots v voted to commit; docs/deviations.md#dev-scp-local-commit-vote): c..h in the
\* prepare phases; in COMMIT, variant "correct" votes commit <k, x> for every k >= C.n (D05
\* Commit message; docs/deviations.md#dev-scp-commit-phase-quorum), "mobilecoin" seeds its
\* quorum search with [C.N, H.N] (slot.rs ballots_accepted_committed).
SelfVotesCommit(n, b) ==
    /\ C[n] # NullB /\ b.x = C[n].x /\ C[n].n <= b.n
    /\ IF Variant = "correct" /\ phase[n] = "COMMIT" THEN b.n <= CommitBound(n, b.x)
       ELSE b.n <= H[n].n
\* Non-vacuity mutant, FALSE here: spec/scp/MCSCPMutant.cfg overrides it with TRUE, and then a
\* node accepts commit of its own ballot B (and lower counters) with no votes at all.
\* AcceptedNotContradictory catches it, Agreement does not (spec/scp/README.md).
MutantCommitNoVotes == FALSE
CommitAcceptable(n, b) ==
    \/ MutantCommitNoVotes /\ b.x = B[n].x /\ b.n <= B[n].n
    \/ SelfVotesCommit(n, b) /\ QuorumWith(n, {m \in Node \ {n} : CommitVoteOrAccept(M[n][m], b)})
    \/ Blocking(n, {m \in Node \ {n} : CommitAccepted(M[n][m], b)})

\* The range lo..hi with lo the least element of K and hi the end of K's run from lo.
RunFrom(K) == LET lo == Min(K) IN [lo |-> lo, hi |-> Max({k \in K : lo .. k \subseteq K})]

Overlaps(r, lo, hi) == r.lo <= hi /\ lo <= r.hi
\* MobileCoin (ballots_accepted_committed, blocking path): the range of one member, recorded
\* whole, when every member of a blocking set accepts an overlapping range of the same value.
MCBlockingRanges(n, x) ==
    {r \in {AcceptedCommitRange(M[n][m]) : m \in Node \ {n}} :
        /\ r.x = x /\ r.lo <= r.hi
        /\ Blocking(n, {m \in Node \ {n} :
                          LET q == AcceptedCommitRange(M[n][m])
                          IN q.x = x /\ Overlaps(q, r.lo, r.hi)})}

\* Variant "correct" accepts commit b in the prepare phases only when prepare(b) is confirmed
\* (b <~ H: D05 "Ballots" restriction 2) and no accepted prepare (P, PP) aborts it (WP 5.3: never
\* accept a statement contradicting an accepted one); so P, the highest accepted-prepared
\* ballot, already has b's value (docs/deviations.md#dev-scp-accept-commit-p).
CommitAllowed(n, b) ==
    \/ Variant = "mobilecoin" \/ phase[n] = "COMMIT"
    \/ Below(b, H[n]) /\ ~Aborted(b, P[n]) /\ ~Aborted(b, PP[n])

\* The commit range n accepts for value x now (lo > hi when none).
AcceptedRange(n, x) ==
    LET K == {k \in Counter : CommitAllowed(n, [n |-> k, x |-> x])
                              /\ CommitAcceptable(n, [n |-> k, x |-> x])}
        rs == (IF K = {} THEN {} ELSE {RunFrom(K)})
              \cup (IF Variant = "mobilecoin" THEN MCBlockingRanges(n, x) ELSE {})
    IN IF rs = {} THEN [lo |-> 1, hi |-> 0]
       ELSE [lo |-> Min({r.lo : r \in rs}), hi |-> Max({r.hi : r \in rs})]

\* Step 4 (and 6 in COMMIT): accept commit <lo..hi, x>: C = <lo, x>, H = <hi, x>, phase COMMIT.
AcceptCommit(n, x) ==
    /\ phase[n] \in Preparing \/ (phase[n] = "COMMIT" /\ x = B[n].x)
    /\ LET r == AcceptedRange(n, x)
           newB == CommitBallot(B[n], [n |-> r.hi, x |-> x])
       IN /\ r.lo <= r.hi
          /\ phase[n] = "COMMIT" => <<r.lo, r.hi>> # <<C[n].n, H[n].n>>
          /\ newB.n <= MaxCounter
          /\ B' = [B EXCEPT ![n] = newB]
          /\ C' = [C EXCEPT ![n] = [n |-> r.lo, x |-> x]]
          /\ H' = [H EXCEPT ![n] = [n |-> r.hi, x |-> x]]
          \* "correct" keeps P (CommitAllowed: P.x = x); "mobilecoin" sets <hi, x> when P
          \* does not cover it (slot.rs (4) asserts an accepted prepare; the core falls back).
          /\ P' = [P EXCEPT ![n] = IF Variant = "correct" \/ (@.x = x /\ r.hi <= @.n) THEN @
                                   ELSE [n |-> r.hi, x |-> x]]
    /\ phase' = [phase EXCEPT ![n] = "COMMIT"]
    /\ PP' = [PP EXCEPT ![n] = NullB]
    /\ UNCHANGED <<W, X, Y, Z, M>>

\* Step 7: confirm commit when a quorum accepts commit of ballots within the local range.
ConfirmCommit(n) ==
    /\ phase[n] = "COMMIT"
    /\ LET K == {k \in C[n].n .. H[n].n :
                   QuorumWith(n, {m \in Node \ {n} : CommitAccepted(M[n][m], [n |-> k, x |-> B[n].x])})}
       IN /\ K # {}
          /\ C' = [C EXCEPT ![n] = [n |-> RunFrom(K).lo, x |-> B[n].x]]
          /\ H' = [H EXCEPT ![n] = [n |-> RunFrom(K).hi, x |-> B[n].x]]
    /\ phase' = [phase EXCEPT ![n] = "EXTERNALIZE"]
    /\ UNCHANGED <<W, X, Y, Z, B, P, PP, M>>

\* MobileCoin keeps confirming commit while externalized (slot.rs do_externalize_phase): H
\* rises to the top of a wider range C.n..hi of which a quorum accepts every ballot; nothing
\* else changes.  Not in Next: an EXTERNALIZE message's HN feeds no other node's rule (its
\* CommitAccepted is open above C.n, PrepAccepted ignores counters), so the raise changes no
\* other node's behaviour; TraceSCP uses it to explain the core's steps.
CommitConfirmedIn(Mn, n, x, ks) ==
    \A k \in ks : QuorumWithIn(Mn, n, {m \in Node \ {n} : CommitAccepted(Mn[m], [n |-> k, x |-> x])})
ExtendConfirmedCommit(n) ==
    /\ phase[n] = "EXTERNALIZE"
    /\ \E hi \in H[n].n + 1 .. MaxCounter :
         /\ CommitConfirmedIn(M[n], n, C[n].x, C[n].n .. hi)
         /\ H' = [H EXCEPT ![n] = [n |-> hi, x |-> C[n].x]]
    /\ UNCHANGED <<phase, W, X, Y, Z, B, P, PP, C, M>>

(***************************************************************************)
(* Ballot timeout and the blocking-set bump (step 9), abstracted: the     *)
(* counter may rise at any time (timers fire under asynchrony), to the     *)
(* value of the node's h, else combine(Z), else P's value, else B's; in    *)
(* COMMIT the value is fixed.  This is variant "correct"'s rule (D05       *)
(* ballot.value; WP Fig. 16 z = h.x).  MobileCoin's get_next_ballot_values *)
(* recomputes h from the stored messages; variant "mobilecoin" keeps the   *)
(* stored H here, an abstraction.                                          *)
(***************************************************************************)
\* docs/deviations.md#dev-scp-next-ballot-value
NextValue(n) ==
    IF phase[n] = "COMMIT" THEN B[n].x
    ELSE IF H[n] # NullB THEN H[n].x
    ELSE IF Z[n] # {} THEN Z[n]
    ELSE IF P[n] # NullB THEN P[n].x
    ELSE B[n].x

Bump(n, k) ==
    /\ phase[n] \in Balloting
    /\ B[n].n < k /\ NextValue(n) # {}
    /\ B' = [B EXCEPT ![n] = [n |-> k, x |-> NextValue(n)]]
    /\ UNCHANGED <<phase, W, X, Y, Z, P, PP, H, C, M>>


\* Values that some stored message or the local vote commits to.
CommitCandidates(n) ==
    {M[n][m].B.x : m \in {j \in Node \ {n} : M[n][j].type \in CommitTypes
                                         \/ (HasPrep(M[n][j]) /\ M[n][j].CN # 0)}}
    \cup (IF C[n] # NullB THEN {C[n].x} ELSE {})
    \cup (IF MutantCommitNoVotes /\ B[n] # NullB THEN {B[n].x} ELSE {})

(***************************************************************************)
(* The next-state relation.                                                *)
(***************************************************************************)
\* Processing of what a node has received.  MobileCoin runs it inside one handle_messages
\* call; here the node that took the last input (busy) is the only one that processes, which
\* removes interleavings of different nodes' processing without fixing an order of rules.
LocalStep(n) ==
    \/ \E v \in Value : AcceptNominate(n, v) \/ ConfirmNominate(n, v)
    \/ AcceptPrepare(n) \/ ConfirmPrepare(n) \/ VoteCommit(n)
    \/ \E x \in CommitCandidates(n) : AcceptCommit(n, x)
    \/ ConfirmCommit(n)

\* Inputs: a proposal, a nomination vote (leader election is abstracted), a timer, a message.
InputStep(n) ==
    \/ \E v \in Value : Propose(n, v) \/ VoteNominate(n, v)
    \/ \E k \in Counter : Bump(n, k)
    \/ \E m \in Node : Receive(n, m)
    \/ \E m \in Byz, msg \in ByzMsgs : ByzantineSend(n, m, msg)

Next ==
    \/ LocalStep(busy) /\ UNCHANGED busy
    \/ \E n \in Honest : InputStep(n) /\ busy' = n

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* Invariants (slot.rs check_*_phase_invariants; whitepaper section 6).    *)
(***************************************************************************)
TypeOK ==
    /\ phase \in [Honest -> Phases]
    /\ \A n \in Honest : X[n] \cup Y[n] \cup Z[n] \cup W[n] \subseteq Value

\* Agreement: intact nodes that externalized hold the same value.
Agreement ==
    \A n1, n2 \in Intact :
        phase[n1] = "EXTERNALIZE" /\ phase[n2] = "EXTERNALIZE" => C[n1].x = C[n2].x

\* Nomination state: X and Y disjoint, Z within Y.
NominationOK == \A n \in Honest : X[n] \cap Y[n] = {} /\ Z[n] \subseteq Y[n]

\* Ballot state per phase (slot.rs check_*_phase_invariants; whitepaper c <~ h <~ b).
BallotStateOf(ph, b, p, pp, h, c) ==
    /\ pp # NullB => BLess(pp, p) /\ pp.x # p.x
    /\ c # NullB => h # NullB /\ c.n <= h.n /\ c.x = h.x
    /\ ph \in {"COMMIT", "EXTERNALIZE"} =>
         /\ c # NullB /\ pp = NullB
         /\ b.x = c.x /\ h.x = c.x /\ p.x = c.x
    /\ ph = "COMMIT" => c.n <= h.n /\ h.n <= b.n
    /\ ph # "NOMINATE_PREPARE" => b # NullB
BallotStateOK == \A n \in Honest : BallotStateOf(phase[n], B[n], P[n], PP[n], H[n], C[n])

\* Every message an honest node sends passes Msg::validate (msg.rs).
MsgValid(m) ==
    /\ HasNom(m) => m.X \cap m.Y = {}
    /\ HasPrep(m) => /\ (m.P # NullB => BLeq(m.P, m.B))
                     /\ (m.PP # NullB => BLess(m.PP, m.P))
                     /\ m.CN <= m.HN /\ m.HN <= m.B.n
    /\ m.type = "COMMIT" => m.CN <= m.HN
MessagesValid == \A n \in Honest : MsgValid(MsgOf(n))

\* Intact nodes never accept contradictory statements (scp-proofs inv2): if one accepted
\* prepare <n2, y> and another accepted commit <n1, x> with n1 <= n2, then x = y.
AcceptedCommitRangeOf(n) ==
    IF phase[n] \in {"COMMIT", "EXTERNALIZE"} THEN {[n |-> k, x |-> C[n].x] : k \in C[n].n .. H[n].n}
    ELSE {}
AcceptedNotContradictory ==
    \A n1, n2 \in Intact :
        \A c \in AcceptedCommitRangeOf(n1), p \in {P[n2], PP[n2]} \ {NullB} :
            c.n <= p.n => c.x = p.x

=============================================================================
