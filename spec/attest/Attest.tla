------------------------------- MODULE Attest -------------------------------
(***************************************************************************)
(* MobileCoin's attested Noise handshakes at the level of messages, with   *)
(* symbolic (Dolev-Yao) cryptography (attest/ake, crypto/ake/enclave).    *)
(*                                                                         *)
(*   IX between enclaves ("peers"):  -> e, s, evidence (cleartext)         *)
(*                                   <- e, ee, se, s, es, evidence         *)
(*   NX for clients:                 -> e                                  *)
(*                                   <- e, ee, s, es, evidence             *)
(*                                                                         *)
(* The prologue is the responder's ResponderId.  Keys are names: a static  *)
(* key <<"s", p>>, an ephemeral key <<"e", p, i>>.  DH(a, b) is the set    *)
(* {a, b} (DH(a, B) = DH(b, A)); whoever holds one of the two private keys *)
(* can compute it.  A handshake's chaining key, hence both transport keys, *)
(* is fixed by the set of DH outputs mixed into it: the attacker can       *)
(* compute it iff it can compute every one of them.  The handshake hash h  *)
(* is the transcript itself (prologue and every message field).            *)
(*                                                                         *)
(* Evidence is a record [mr, key, tcb]: an enclave measurement, the X25519 *)
(* static key its report data binds (SHA-256(nonce || key) in REPORTDATA) *)
(* and the TCB status the verifier derives from the collateral.  Without a *)
(* compromised platform, quotes cannot be forged: the only evidence that   *)
(* exists is the honest enclaves' own, plus the attacker's evidence for an *)
(* enclave it runs itself (a real SGX enclave with a measurement that is   *)
(* not allowed, so it may bind the attacker's key).  All evidence is       *)
(* public: IX msg 1 is cleartext and Fog reports / NX msg 2 publish it.    *)
(*                                                                         *)
(* Compromise (each switched off by the constants of the base models):     *)
(*   LeakedPck   the attacker holds the PCK key of a platform at a TCB     *)
(*               level; it signs quotes for any MRENCLAVE bound to any key *)
(*               at that level (and, if the verifier does not check the    *)
(*               TCB signing chain, signs its own TCB info: UpToDate).     *)
(*   Leakable    the attacker may steal an enclave's static key at any     *)
(*               time (LeakStatic); ephemeral keys are never stolen.       *)
(*   RogueHosts  the untrusted host chooses the ResponderId its enclave    *)
(*               uses as its prologue (enclave_init), so it may run a      *)
(*               genuine enclave under another enclave's id.               *)
(*                                                                         *)
(* The attacker M owns the network: every message ever sent stays in `net` *)
(* and may be delivered any number of times, in any order, to anyone, or   *)
(* never (replay, reorder, drop); it also composes new messages from what  *)
(* it knows (its own keys, every public key, every evidence, every         *)
(* ephemeral seen on the network).                                         *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Enclaves,      \* honest enclaves (IX peers and NX responders); strings
    Clients,       \* honest clients (NX initiators); strings
    MR,            \* MR[p]: measurement (MRENCLAVE) of honest enclave p
    Allowed,       \* measurements every verifier accepts
    MaxInit,       \* handshakes each honest party may start (initiator slots)
    MaxResp,       \* handshakes each honest enclave may answer (responder slots)
    CheckBinding,  \* IX responder checks initiator's static key = evidence key
    MixPrologue,   \* the ResponderId is the Noise prologue (mixed into h)
    Ingest,        \* enclaves that hand the fog ingress key to inbound peers
    IngressNeedsConfirm, \* ... only over a session confirmed by the peer (not MobileCoin)
    AllowedTcb,    \* TCB statuses the verifier's policy accepts
    LeakedPck,     \* TCB statuses of platforms whose PCK key the attacker holds
    TcbSigningChain, \* the verifier requires Intel's TCB signing chain on TCB info
    Leakable,      \* enclaves whose static key the attacker may steal (LeakStatic)
    EphemeralDH,   \* TRUE: Noise IX/NX (ee, se, es); FALSE: keys from static keys only
    RogueHosts     \* enclaves whose host may configure any ResponderId

Attacker == "M"
Honest == Enclaves \cup Clients
\* Every key name has the same shape (TLC compares only values of one type).
Static(p) == <<"s", <<p, "static", 0>>>>
Eph(sid) == <<"e", sid>>
AttackerStatic == Static(Attacker)
AttackerEph == Eph(<<Attacker, "attacker", 1>>)
NoKey == <<"x", <<"none", "none", 0>>>>    \* no key (yet)
AnonKey == <<"x", <<"anon", "anon", 0>>>>  \* an NX client: no static key

\* Honest enclaves run on up-to-date platforms; so does the attacker's own enclave.
Ev(p) == [mr |-> MR[p], key |-> Static(p), tcb |-> "UpToDate"]
AttackerEv == [mr |-> "evil", key |-> AttackerStatic, tcb |-> "UpToDate"]
Measurements == {MR[p] : p \in Enclaves} \cup {"evil"}
\* The TCB status a quote signed with a stolen PCK key of a platform at level l
\* shows the verifier.  With the TCB signing chain checked (Intel QVL: TCB info
\* signed by "Intel SGX TCB Signing", issued by the root CA) it is l; without it
\* (gap G1) the PCK key signs its own TCB info, and declares UpToDate.
ClaimableTcb(l) == IF TcbSigningChain THEN {l} ELSE {l, "UpToDate"}
\* Quotes signed with a stolen PCK key: any measurement, bound to the attacker's
\* key (binding a key the attacker does not hold would gain it nothing).
PckEvidence == {[mr |-> mr, key |-> AttackerStatic, tcb |-> t] :
                    mr \in Measurements, t \in UNION {ClaimableTcb(l) : l \in LeakedPck}}
Evidence == {Ev(p) : p \in Enclaves} \cup {AttackerEv} \cup PckEvidence
NoEv == [mr |-> "none", key |-> NoKey, tcb |-> "none"]

DH(a, b) == {a, b}

\* The verifier's decision on evidence presented with static key rs
\* (attest/verifier: MRENCLAVE allow list and TCB status; verifier.py in our code).
Accepted(ev) == ev.mr \in Allowed /\ ev.tcb \in AllowedTcb
Bound(ev, rs) == ev.key = rs

\* The ResponderIds an enclave's host may configure (crypto/ake/enclave
\* init(peer_self_id, client_self_id), called by enclave_init with the host's
\* --peer-responder-id / --client-responder-id): its own, or any for a rogue host.
HostIds(q) == IF q \in RogueHosts THEN Enclaves ELSE {q}
Prologue(r) == IF MixPrologue THEN r ELSE "none"

\* A session id <<p, role, i>>; its ephemeral key is Eph(id) (fresh per handshake).
InitIds == Honest \X {"init"} \X (1..MaxInit)
RespIds == Enclaves \X {"resp"} \X (1..MaxResp)
SessionIds == InitIds \cup RespIds
\* secret: the attacker could not compute the key when the session became Ready
\* (for a responder: again when it received transport data, see ReceiveData).
Idle == [role |-> "none", pat |-> "none", prologue |-> "none", rs |-> NoKey, rev |-> NoEv,
         re |-> NoKey, h |-> <<>>, key |-> {}, secret |-> FALSE, st |-> "idle"]

VARIABLES
    sess,    \* sess[sid]: one handshake of an honest party
    net,     \* every message an honest party sent
    leaked,  \* the fog ingress key reached the attacker
    stolen   \* enclaves whose static private key the attacker holds

vars == <<sess, net, leaked, stolen>>

\* What the attacker knows: its own keys and every stolen static key.
\* Honest ephemeral keys are erased after the handshake and never stolen.
AttackerPrivate == {AttackerStatic, AttackerEph} \cup {Static(p) : p \in stolen}
KnowsDH(d) == d \cap AttackerPrivate /= {}
KnowsKey(k) == \A d \in k : KnowsDH(d)

\* Public ephemerals the attacker may put into a forged message.
SeenEphemerals == {AttackerEph} \cup {m.e : m \in net}
\* Every public static key: honest enclaves' and the attacker's own.
PublicStatics == {Static(p) : p \in Enclaves} \cup {AttackerStatic}

Init ==
    /\ sess = [sid \in SessionIds |-> Idle]
    /\ net = {}
    /\ leaked = FALSE
    /\ stolen = {}

-----------------------------------------------------------------------------
(* Initiators.  IX: peer_init(peer_id); NX: a client's Auth request.       *)
(* r is the ResponderId dialled (the prologue).                            *)

Msg1Of(sid, pat) ==
    IF pat = "IX"
    THEN [type |-> "m1", pat |-> "IX", e |-> Eph(sid), s |-> Static(sid[1]), ev |-> Ev(sid[1])]
    ELSE [type |-> "m1", pat |-> "NX", e |-> Eph(sid), s |-> NoKey, ev |-> NoEv]

Initiate(sid, pat, r) ==
    /\ sess[sid].st = "idle"
    /\ net' = net \cup {Msg1Of(sid, pat)}
    /\ sess' = [sess EXCEPT ![sid] = [Idle EXCEPT !.role = "init", !.pat = pat,
                                                  !.prologue = r, !.st = "sent1"]]
    /\ UNCHANGED <<leaked, stolen>>

-----------------------------------------------------------------------------
(* Responders read msg 1 and answer with msg 2; the session is Ready.      *)
(* A msg 1 may be an honest one (replayed, redirected) or one the attacker *)
(* composes: msg 1 is cleartext, so every combination of a seen ephemeral, *)
(* a public static key and a public evidence can be sent.                  *)

Msg1s ==
    [type : {"m1"}, pat : {"IX"}, e : SeenEphemerals, s : PublicStatics, ev : Evidence]
    \cup [type : {"m1"}, pat : {"NX"}, e : SeenEphemerals, s : {NoKey}, ev : {NoEv}]

\* The responder's view of the key (the initiator's view: InitKey).  Without
\* EphemeralDH (a variant, not MobileCoin) the IX key is the static-static DH
\* alone and the NX key the client's one-time key with the responder's static.
RespKey(sid, m) ==
    CASE m.pat = "IX" /\ EphemeralDH ->
             {DH(m.e, Eph(sid)), DH(m.s, Eph(sid)), DH(m.e, Static(sid[1]))}
      [] m.pat = "NX" /\ EphemeralDH -> {DH(m.e, Eph(sid)), DH(m.e, Static(sid[1]))}
      [] m.pat = "IX" -> {DH(m.s, Static(sid[1]))}
      [] OTHER -> {DH(m.e, Static(sid[1]))}

Transcript(r, m1, m2) ==
    <<m1.pat, Prologue(r), m1.e, m1.s, m1.ev, m2.e, m2.s, m2.ev>>

\* attest/ake/src/responder.rs (IX: peer_accept; NX: client_accept);
\* refimpl/enclave/channel.py, the responder.  The IX responder verifies the
\* initiator's evidence; MobileCoin since the DCAP migration does not compare
\* the Noise static key with the key in the evidence (responder.rs,
\* Start + NodeAuthRequestInput): CheckBinding = FALSE.  The NX responder
\* verifies nothing (anonymous client).  id is the ResponderId the host
\* configured (crypto/ake/enclave/src/lib.rs: Start::new(self.get_peer_self_id()
\* or get_client_self_id())).
Respond(sid, m, id) ==
    LET q == sid[1]
        m2 == [type |-> "m2", pat |-> m.pat, prologue |-> Prologue(id), m1 |-> m,
               e |-> Eph(sid), s |-> Static(q), ev |-> Ev(q), key |-> RespKey(sid, m)]
    IN
    /\ sess[sid].st = "idle"
    /\ m.pat = "IX" => /\ Accepted(m.ev)
                       /\ CheckBinding => Bound(m.ev, m.s)
    /\ net' = net \cup {m2}
    /\ sess' = [sess EXCEPT ![sid] =
           [role |-> "resp", pat |-> m.pat, prologue |-> id,
            rs |-> IF m.pat = "IX" THEN m.s ELSE AnonKey,
            rev |-> m.ev, re |-> m.e, h |-> Transcript(id, m, m2),
            key |-> m2.key, secret |-> ~KnowsKey(m2.key), st |-> "ready"]]
    /\ UNCHANGED <<leaked, stolen>>

-----------------------------------------------------------------------------
(* Initiators read msg 2.  It is an honest one (from net: replayed or      *)
(* redirected) or forged by the attacker with its own ephemeral, any       *)
(* public static key and any evidence.  A forgery passes the AEAD only     *)
(* when the attacker can compute the key the initiator computes, so only   *)
(* those are offered (the others are dropped messages).                    *)

InitKey(sid, er, rs) ==
    CASE sess[sid].pat = "IX" /\ EphemeralDH ->
             {DH(Eph(sid), er), DH(Static(sid[1]), er), DH(Eph(sid), rs)}
      [] sess[sid].pat = "NX" /\ EphemeralDH -> {DH(Eph(sid), er), DH(Eph(sid), rs)}
      [] sess[sid].pat = "IX" -> {DH(Static(sid[1]), rs)}
      [] OTHER -> {DH(Eph(sid), rs)}

Forged2(sid) ==
    {f \in {[type |-> "m2", pat |-> sess[sid].pat, prologue |-> Prologue(sess[sid].prologue),
             m1 |-> Msg1Of(sid, sess[sid].pat), e |-> AttackerEph, s |-> rs, ev |-> ev,
             key |-> InitKey(sid, AttackerEph, rs)] : rs \in PublicStatics, ev \in Evidence} :
        KnowsKey(f.key)}

\* attest/ake/src/initiator.rs (verify_dcap_evidence: rs == report_data.key,
\* then the DcapVerifier); refimpl/enclave/channel.py, the initiator.
Finish(sid, m2) ==
    LET s == sess[sid] IN
    /\ s.st = "sent1"
    \* AEAD with AD = h: the prologue (when mixed), msg 1 and the key must match.
    /\ m2.pat = s.pat
    /\ m2.prologue = Prologue(s.prologue)
    /\ m2.m1 = Msg1Of(sid, s.pat)
    /\ m2.key = InitKey(sid, m2.e, m2.s)
    \* Attestation of the responder (both patterns): allow list and key binding.
    /\ Accepted(m2.ev)
    /\ Bound(m2.ev, m2.s)
    /\ sess' = [sess EXCEPT ![sid] =
           [s EXCEPT !.rs = m2.s, !.rev = m2.ev, !.re = m2.e,
                     !.h = Transcript(s.prologue, m2.m1, m2), !.key = m2.key,
                     !.secret = ~KnowsKey(m2.key), !.st = "ready"]]
    /\ UNCHANGED <<net, leaked, stolen>>

-----------------------------------------------------------------------------
(* After the handshake.  fog/ingest/server/src/ingest_peer_service.rs      *)
(* GetIngressPrivateKey: the host of an ingest enclave asks it to encrypt  *)
(* the fog ingress private key to a peer session; the enclave checks only  *)
(* that the session exists (fog/ingest/enclave/impl/src/lib.rs             *)
(* get_ingress_private_key: is_peer_known, then peer_encrypt; the request  *)
(* carries only the channel id, ingest_peer_service.rs), so a responder    *)
(* session sends it before any transport message from its initiator.      *)
(* The attacker learns the key iff it can compute that session's key, now  *)
(* (leaked) or later, after stealing a static key (the message stays in    *)
(* net; secret records whether the key was safe when it was sent).         *)
(* IngressNeedsConfirm (a fix, not MobileCoin): an inbound session must    *)
(* have received transport data first.  (Consensus GetTxs has the same     *)
(* shape.)                                                                 *)

SendIngressKey(sid) ==
    LET s == sess[sid] IN
    /\ sid[1] \in Ingest
    /\ s.st \in {"ready", "confirmed"} /\ s.pat = "IX"
    /\ IngressNeedsConfirm => (s.role = "init" \/ s.st = "confirmed")
    /\ net' = net \cup {[type |-> "secret", e |-> s.re, key |-> s.key,
                          secret |-> ~KnowsKey(s.key)]}
    /\ leaked' = (leaked \/ KnowsKey(s.key))
    /\ UNCHANGED <<sess, stolen>>

(* Transport.  The initiator's first transport message (attest.Message,    *)
(* AES-GCM under the initiator->responder key) is what tells an IX         *)
(* responder that the peer holds the keys: msg 1 is not authenticated, so  *)
(* a Ready responder may have no initiator at all (harmless: it cannot     *)
(* compute the key).  The attacker can forge one iff it can compute the    *)
(* key.  refimpl/enclave/channel.py transport; peer_decrypt/client_decrypt.*)

SendData(sid) ==
    LET s == sess[sid] IN
    /\ s.role = "init" /\ s.st = "ready"
    /\ net' = net \cup {[type |-> "data", e |-> Eph(sid), key |-> s.key]}
    /\ UNCHANGED <<sess, leaked, stolen>>

ReceiveData(sid) ==
    LET s == sess[sid] IN
    /\ s.role = "resp" /\ s.st = "ready"
    /\ \/ \E m \in net : m.type = "data" /\ m.key = s.key
       \/ KnowsKey(s.key)
    /\ sess' = [sess EXCEPT ![sid].st = "confirmed", ![sid].secret = ~KnowsKey(s.key)]
    /\ UNCHANGED <<net, leaked, stolen>>

(* Static-key compromise.  The static key is generated inside the enclave  *)
(* (crypto/ake/enclave/src/lib.rs: kex_identity = X25519Private::          *)
(* from_random) and never leaves it; an enclave break (a side channel, a   *)
(* memory-disclosure bug) reveals it.  The attacker may steal it at any    *)
(* time, before, during or after any handshake.                            *)

LeakStatic(p) ==
    /\ p \in Leakable \ stolen
    /\ stolen' = stolen \cup {p}
    /\ UNCHANGED <<sess, net, leaked>>

\* Named steps (TLC prints these names in traces).
StartHandshake ==
    \E sid \in InitIds, r \in Enclaves :
        \/ sid[1] \in Enclaves /\ r /= sid[1] /\ Initiate(sid, "IX", r)
        \/ sid[1] \in Clients /\ Initiate(sid, "NX", r)
AnswerMsg1 == \E sid \in RespIds, m \in Msg1s, id \in Enclaves :
                  id \in HostIds(sid[1]) /\ Respond(sid, m, id)
ReadMsg2 ==
    \E sid \in InitIds : \E m2 \in {m \in net : m.type = "m2"} \cup Forged2(sid) : Finish(sid, m2)
SendTransport == \E sid \in InitIds : SendData(sid)
ReadTransport == \E sid \in RespIds : ReceiveData(sid)
HostRequestsIngressKey == \E sid \in SessionIds : SendIngressKey(sid)
StealStaticKey == \E p \in Enclaves : LeakStatic(p)

Next ==
    \/ StartHandshake
    \/ AnswerMsg1
    \/ ReadMsg2
    \/ SendTransport
    \/ ReadTransport
    \/ HostRequestsIngressKey
    \/ StealStaticKey

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Properties.                                                             *)

Ready == {sid \in SessionIds : sess[sid].st \in {"ready", "confirmed"}}
\* Sessions whose holder believes the peer is an attested enclave (all but an
\* NX responder's session with an anonymous client).
Attested == {sid \in Ready : sess[sid].rs /= AnonKey}
HonestStatics == {Static(p) : p \in Enclaves}
AllowedStatics == {Static(p) : p \in {q \in Enclaves : MR[q] \in Allowed}}
OwnerOf(k) == CHOOSE p \in Enclaves : Static(p) = k

TypeOK ==
    /\ DOMAIN sess = SessionIds
    /\ \A sid \in SessionIds :
          /\ sess[sid].role \in {"none", "init", "resp"}
          /\ sess[sid].pat \in {"none", "IX", "NX"}
          /\ sess[sid].prologue \in Enclaves \cup {"none"}
          /\ sess[sid].rs \in PublicStatics \cup {NoKey, AnonKey}
          /\ sess[sid].rev \in Evidence \cup {NoEv}
          /\ sess[sid].secret \in BOOLEAN
          /\ sess[sid].st \in {"idle", "sent1", "ready", "confirmed"}
          /\ sess[sid].role = "resp" => sid \in RespIds
          /\ sess[sid].role = "init" => sid \in InitIds
    /\ leaked \in BOOLEAN
    /\ stolen \subseteq Leakable

\* No honest party has a Ready session with a peer whose static key is not
\* that of an honest enclave with an allowed measurement.
ReadyPeerAllowed == \A sid \in Attested : sess[sid].rs \in AllowedStatics

\* The attacker cannot compute the key of a Ready attested session.
SessionKeySecret == \A sid \in Attested : ~KnowsKey(sess[sid].key)

\* The fog ingress key never leaves the enclaves.
IngressKeyStaysInEnclaves == ~leaked

\* Two Ready sessions that share a key (they can talk to each other) agree on
\* the handshake hash, the pattern and each other's identity.
HandshakeAgreement ==
    \A a, b \in Ready :
        (sess[a].role = "init" /\ sess[b].role = "resp" /\ sess[a].key = sess[b].key) =>
            /\ sess[a].h = sess[b].h
            /\ sess[a].pat = sess[b].pat
            /\ sess[a].rs = Static(b[1])
            /\ sess[a].pat = "IX" => sess[b].rs = Static(a[1])

\* The owner of the peer key of initiator session a has a Ready responder
\* session with the same handshake hash and key.
InitPartnered(a) ==
    \E b \in Ready : /\ b[1] = OwnerOf(sess[a].rs)
                     /\ sess[b].h = sess[a].h
                     /\ sess[b].key = sess[a].key

\* The owner of the peer key of responder session b has a Ready initiator
\* session with the same handshake hash and key.
RespPartnered(b) ==
    \E a \in InitIds : /\ a[1] = OwnerOf(sess[b].rs)
                       /\ sess[a].st = "ready"
                       /\ sess[a].h = sess[b].h
                       /\ sess[a].key = sess[b].key

InitWithHonestPeer(a, keys) == sess[a].role = "init" /\ sess[a].rs \in keys
ConfirmedWithHonestPeer(b, keys) ==
    sess[b].role = "resp" /\ sess[b].st = "confirmed" /\ sess[b].rs \in keys

\* An initiator Ready with an honest enclave's key: that enclave has a Ready
\* responder session with the same handshake hash and key.
InitiatorAgreement ==
    \A a \in Ready : InitWithHonestPeer(a, HonestStatics) => InitPartnered(a)

\* An IX responder that received transport data under an honest enclave's
\* key: that enclave has a Ready initiator session with the same handshake
\* hash and key (before that, msg 1 alone authenticates nothing).
ResponderAgreement ==
    \A b \in Ready : ConfirmedWithHonestPeer(b, HonestStatics) => RespPartnered(b)

\* The responder id is bound: an initiator Ready with an honest enclave's key
\* reached the enclave whose ResponderId it dialled.
ResponderIdBound ==
    \A a \in Ready :
        (sess[a].role = "init" /\ sess[a].rs \in HonestStatics) =>
            sess[a].rs = Static(sess[a].prologue)

\* The initiator and the responder session it shares a key with agree on the
\* ResponderId: the one the initiator dialled is the one the responder's host
\* configured.  (This is what the prologue gives; ResponderIdBound, that the
\* configured id is the enclave's own, is up to the host.)
ResponderIdAgreement ==
    \A a, b \in Ready :
        (sess[a].role = "init" /\ sess[b].role = "resp" /\ sess[a].key = sess[b].key) =>
            sess[a].prologue = sess[b].prologue

\* Static-key compromise (Leakable /= {}).
StolenStatics == {Static(p) : p \in stolen}

\* Forward secrecy: a session that completed key confirmation (an initiator
\* that read msg 2; a responder that received transport data) and whose key
\* the attacker could not compute at that moment stays secret, whatever
\* static keys it steals afterwards.  An unconfirmed responder
\* session has only weak forward secrecy: its msg 1 may be the attacker's
\* (its own ephemeral, the claimed peer's public static key and evidence),
\* and then the key falls with the claimed peer's static key
\* (IngressKeyForwardSecret shows what that costs).
Confirmed(sid) == sess[sid].role = "init" \/ sess[sid].st = "confirmed"
ForwardSecrecy ==
    \A sid \in Attested : (Confirmed(sid) /\ sess[sid].secret) => ~KnowsKey(sess[sid].key)

\* An ingress key sent over a session whose key the attacker could not compute
\* at that time stays secret, whatever static keys it steals afterwards.
IngressKeyForwardSecret ==
    \A m \in net : (m.type = "secret" /\ m.secret) => ~KnowsKey(m.key)

\* Resistance to key-compromise impersonation: a session with an enclave
\* whose static key is not stolen is authentic (InitiatorAgreement and
\* ResponderAgreement) even when the session owner's own static key is.
\* With a stolen key the attacker can pose as its owner (InitiatorAgreement
\* fails), but not as anybody else to that owner.
KCIResistance ==
    LET unstolen == HonestStatics \ StolenStatics IN
    /\ \A a \in Ready : InitWithHonestPeer(a, unstolen) => InitPartnered(a)
    /\ \A b \in Ready : ConfirmedWithHonestPeer(b, unstolen) => RespPartnered(b)

\* Not a property: a witness that the honest runs exist (the models above are
\* not vacuous).  MCAttestHonestRun.cfg expects TLC to violate it: an IX
\* responder confirmed by its honest initiator (same key) and a Ready client.
HonestRunIncomplete ==
    ~ /\ \E a \in InitIds, b \in RespIds :
            /\ sess[a].pat = "IX" /\ sess[a].st = "ready"
            /\ sess[b].st = "confirmed" /\ sess[a].key = sess[b].key
      /\ \E c \in InitIds : c[1] \in Clients /\ sess[c].st = "ready"
=============================================================================
