----------------------------- MODULE MCSCPNested -----------------------------
(***************************************************************************)
(* Nested quorum sets, organisations as inner sets (as MobileCoin's        *)
(* mainnet: a top-level threshold over one inner set per organisation).    *)
(* Three organisations: A = {n1, b} (inner 2-of-2), B = {n2}, C = {n3};    *)
(* every node's quorum set is "2 of {A, B, C}".  b is Byzantine.  Minimal  *)
(* quorums: {n1, b, n2}, {n1, b, n3}, {n2, n3}; any two meet in an honest  *)
(* node, and {n1, n2, n3} is a quorum, so every honest node is intact.     *)
(* A blocking set can be a single honest node plus b: {b, n3} blocks n2    *)
(* (it blocks A and C), {b, n2} blocks n3 -- the configuration where       *)
(* MobileCoin's blocking-set acceptance (a blocking set that shares only a *)
(* value, docs/deviations.md#dev-scp-blocking-set-acceptance) lets one     *)
(* honest node's acceptance plus b's claim move another honest node.       *)
(* Ballot-only start (MCSCPCommon BallotStart): n1 from {1}, n2 and n3     *)
(* from {2} in NestedInitFixed; any start in NestedInit.  b may send any    *)
(* ballot claim of MCSCPCommon ByzClaims (prepared, accepted commit,       *)
(* externalized, either value).                                            *)
(***************************************************************************)
EXTENDS MCSCPCommon, TLC

CONSTANTS n1, n2, n3, b

MCNode == {n1, n2, n3, b}
MCHonest == {n1, n2, n3}
OrgA == [t |-> 2, v |-> {n1, b}, i |-> {}]
OrgB == [t |-> 1, v |-> {n2}, i |-> {}]
OrgC == [t |-> 1, v |-> {n3}, i |-> {}]
MCQSet == [n \in MCNode |-> [t |-> 2, v |-> {}, i |-> {OrgA, OrgB, OrgC}]]
MCProposals == [n \in MCHonest |-> {}]
MCSymmetry == Permutations({n2, n3})

\* The configuration the header describes (checked by ASSUME when TLC starts).
ASSUME /\ Blocking(n2, {b, n3}) /\ Blocking(n3, {b, n2}) /\ ~Blocking(n2, {b})
       /\ Sat(MCQSet[n1], MCHonest)

NestedInit == /\ \E z \in [Honest -> BallotValue] : BallotStart(z)
NestedInitFixed == BallotStart((n1 :> {1}) @@ (n2 :> {2}) @@ (n3 :> {2}))
=============================================================================
