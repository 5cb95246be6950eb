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
(* MCSCPNested.cfg, MCSCPNestedCorrect.cfg: ballot-only, any start         *)
(* (MCSCPCommon BallotStart), b sends any ballot claim of ByzClaims        *)
(* (prepared, accepted commit, externalized, either value).  With every    *)
(* quorum holding two honest nodes a value needs two honest voters to be   *)
(* accepted at all, so from a ballot-only start one value at most is ever  *)
(* accepted; hence also MCSCPNestedNom*.cfg: nomination from scratch (only *)
(* n1 proposes, value 1), b also sends any NOMINATE (ByzNominations, so     *)
(* value 2 comes from b alone), and timers (counter 2) move ballots to     *)
(* combine(Z) as nodes confirm more values.                                *)
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
MCProposalsNom == (n1 :> {1}) @@ (n2 :> {}) @@ (n3 :> {})
MCSymmetry == Permutations({n2, n3})

\* The configuration the header describes (checked by ASSUME when TLC starts).
ASSUME /\ Blocking(n2, {b, n3}) /\ Blocking(n3, {b, n2}) /\ ~Blocking(n2, {b})
       /\ Sat(MCQSet[n1], MCHonest)

NestedInit == \E z \in [Honest -> BallotValue] : BallotStart(z)
ByzNested == ByzNominations \cup ByzClaims
=============================================================================
