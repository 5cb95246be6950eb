------------------------------- MODULE Attest -------------------------------
(***************************************************************************)
(* MobileCoin's attested Noise handshakes at the level of messages, with   *)
(* symbolic (Dolev-Yao) cryptography.  notes/attestation-fog.md §3, §6.2.  *)
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
(* Evidence is a record [mr, key]: an enclave measurement and the X25519   *)
(* static key its report data binds (SHA-256(nonce || key) in REPORTDATA). *)
(* Quotes cannot be forged: the only evidence that exists is the honest    *)
(* enclaves' own, plus the attacker's evidence for an enclave it runs      *)
(* itself (a real SGX enclave with a measurement that is not allowed, so   *)
(* it may bind the attacker's key).  All evidence is public: IX msg 1 is   *)
(* cleartext and Fog reports / NX msg 2 publish it.                        *)
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
    Ingest         \* enclaves that hand the fog ingress key to inbound peers

Attacker == "M"
Honest == Enclaves \cup Clients
\* Every key name has the same shape (TLC compares only values of one type).
Static(p) == <<"s", <<p, "static", 0>>>>
Eph(sid) == <<"e", sid>>
AttackerStatic == Static(Attacker)
AttackerEph == Eph(<<Attacker, "attacker", 1>>)
AttackerPrivate == {AttackerStatic, AttackerEph}
NoKey == <<"x", <<"none", "none", 0>>>>    \* no key (yet)
AnonKey == <<"x", <<"anon", "anon", 0>>>>  \* an NX client: no static key

Ev(p) == [mr |-> MR[p], key |-> Static(p)]
AttackerEv == [mr |-> "evil", key |-> AttackerStatic]
Evidence == {Ev(p) : p \in Enclaves} \cup {AttackerEv}
NoEv == [mr |-> "none", key |-> NoKey]

DH(a, b) == {a, b}
KnowsDH(d) == d \cap AttackerPrivate /= {}
KnowsKey(k) == \A d \in k : KnowsDH(d)

\* The verifier's decision on evidence presented with static key rs
\* (attest/verifier: MRENCLAVE allow list; verifier.py in our code).
Accepted(ev) == ev.mr \in Allowed
Bound(ev, rs) == ev.key = rs

Prologue(r) == IF MixPrologue THEN r ELSE "none"

\* A session id <<p, role, i>>; its ephemeral key is Eph(id) (fresh per handshake).
InitIds == Honest \X {"init"} \X (1..MaxInit)
RespIds == Enclaves \X {"resp"} \X (1..MaxResp)
SessionIds == InitIds \cup RespIds
Idle == [role |-> "none", pat |-> "none", prologue |-> "none", rs |-> NoKey, rev |-> NoEv,
         re |-> NoKey, h |-> <<>>, key |-> {}, st |-> "idle"]

VARIABLES
    sess,    \* sess[sid]: one handshake of an honest party
    net,     \* every message an honest party sent
    leaked   \* the fog ingress key reached the attacker

vars == <<sess, net, leaked>>

\* Public ephemerals the attacker may put into a forged message.
SeenEphemerals == {AttackerEph} \cup {m.e : m \in net}
\* Every public static key: honest enclaves' and the attacker's own.
PublicStatics == {Static(p) : p \in Enclaves} \cup {AttackerStatic}

Init ==
    /\ sess = [sid \in SessionIds |-> Idle]
    /\ net = {}
    /\ leaked = FALSE

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
    /\ UNCHANGED leaked

-----------------------------------------------------------------------------
(* Responders read msg 1 and answer with msg 2; the session is Ready.      *)
(* A msg 1 may be an honest one (replayed, redirected) or one the attacker *)
(* composes: msg 1 is cleartext, so every combination of a seen ephemeral, *)
(* a public static key and a public evidence can be sent.                  *)

Msg1s ==
    [type : {"m1"}, pat : {"IX"}, e : SeenEphemerals, s : PublicStatics, ev : Evidence]
    \cup [type : {"m1"}, pat : {"NX"}, e : SeenEphemerals, s : {NoKey}, ev : {NoEv}]

\* The responder's view of the key (the initiator's view: InitKey).
RespKey(sid, m) ==
    IF m.pat = "IX"
    THEN {DH(m.e, Eph(sid)), DH(m.s, Eph(sid)), DH(m.e, Static(sid[1]))}
    ELSE {DH(m.e, Eph(sid)), DH(m.e, Static(sid[1]))}

Transcript(r, m1, m2) ==
    <<m1.pat, Prologue(r), m1.e, m1.s, m1.ev, m2.e, m2.s, m2.ev>>

\* attest/ake/src/responder.rs (IX: peer_accept; NX: client_accept);
\* refimpl/enclave/channel.py, the responder.  The IX responder verifies the
\* initiator's evidence; MobileCoin since the DCAP migration does not compare
\* the Noise static key with the key in the evidence (notes §3.6):
\* CheckBinding = FALSE.  The NX responder verifies nothing (anonymous client).
Respond(sid, m) ==
    LET q == sid[1]
        m2 == [type |-> "m2", pat |-> m.pat, prologue |-> Prologue(q), m1 |-> m,
               e |-> Eph(sid), s |-> Static(q), ev |-> Ev(q), key |-> RespKey(sid, m)]
    IN
    /\ sess[sid].st = "idle"
    /\ m.pat = "IX" => /\ Accepted(m.ev)
                       /\ CheckBinding => Bound(m.ev, m.s)
    /\ net' = net \cup {m2}
    /\ sess' = [sess EXCEPT ![sid] =
           [role |-> "resp", pat |-> m.pat, prologue |-> q,
            rs |-> IF m.pat = "IX" THEN m.s ELSE AnonKey,
            rev |-> m.ev, re |-> m.e, h |-> Transcript(q, m, m2),
            key |-> m2.key, st |-> "ready"]]
    /\ UNCHANGED leaked

-----------------------------------------------------------------------------
(* Initiators read msg 2.  It is an honest one (from net: replayed or      *)
(* redirected) or forged by the attacker with its own ephemeral, any       *)
(* public static key and any evidence.  A forgery passes the AEAD only     *)
(* when the attacker can compute the key the initiator computes, so only   *)
(* those are offered (the others are dropped messages).                    *)

InitKey(sid, er, rs) ==
    IF sess[sid].pat = "IX"
    THEN {DH(Eph(sid), er), DH(Static(sid[1]), er), DH(Eph(sid), rs)}
    ELSE {DH(Eph(sid), er), DH(Eph(sid), rs)}

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
                     !.h = Transcript(s.prologue, m2.m1, m2), !.key = m2.key, !.st = "ready"]]
    /\ UNCHANGED <<net, leaked>>

-----------------------------------------------------------------------------
(* After the handshake.  fog/ingest/server/src/ingest_peer_service.rs      *)
(* GetIngressPrivateKey: the host of an ingest enclave asks it to encrypt  *)
(* the fog ingress private key to a peer session; the enclave checks only  *)
(* that the session exists.  The attacker learns the key iff it can        *)
(* compute that session's key.  (Consensus GetTxs has the same shape.)     *)

SendIngressKey(sid) ==
    LET s == sess[sid] IN
    /\ sid[1] \in Ingest
    /\ s.st \in {"ready", "confirmed"} /\ s.pat = "IX"
    /\ net' = net \cup {[type |-> "secret", e |-> s.re, key |-> s.key]}
    /\ leaked' = (leaked \/ KnowsKey(s.key))
    /\ UNCHANGED sess

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
    /\ UNCHANGED <<sess, leaked>>

ReceiveData(sid) ==
    LET s == sess[sid] IN
    /\ s.role = "resp" /\ s.st = "ready"
    /\ \/ \E m \in net : m.type = "data" /\ m.key = s.key
       \/ KnowsKey(s.key)
    /\ sess' = [sess EXCEPT ![sid].st = "confirmed"]
    /\ UNCHANGED <<net, leaked>>

\* Named steps (TLC prints these names in traces).
StartHandshake ==
    \E sid \in InitIds, r \in Enclaves :
        \/ sid[1] \in Enclaves /\ r /= sid[1] /\ Initiate(sid, "IX", r)
        \/ sid[1] \in Clients /\ Initiate(sid, "NX", r)
AnswerMsg1 == \E sid \in RespIds, m \in Msg1s : Respond(sid, m)
ReadMsg2 ==
    \E sid \in InitIds : \E m2 \in {m \in net : m.type = "m2"} \cup Forged2(sid) : Finish(sid, m2)
SendTransport == \E sid \in InitIds : SendData(sid)
ReadTransport == \E sid \in RespIds : ReceiveData(sid)
HostRequestsIngressKey == \E sid \in SessionIds : SendIngressKey(sid)

Next ==
    \/ StartHandshake
    \/ AnswerMsg1
    \/ ReadMsg2
    \/ SendTransport
    \/ ReadTransport
    \/ HostRequestsIngressKey

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
          /\ sess[sid].st \in {"idle", "sent1", "ready", "confirmed"}
          /\ sess[sid].role = "resp" => sid \in RespIds
          /\ sess[sid].role = "init" => sid \in InitIds
    /\ leaked \in BOOLEAN

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

\* An initiator Ready with an honest enclave's key: that enclave has a Ready
\* responder session with the same handshake hash and key.
InitiatorAgreement ==
    \A a \in Ready :
        (sess[a].role = "init" /\ sess[a].rs \in HonestStatics) =>
            \E b \in Ready : /\ b[1] = OwnerOf(sess[a].rs)
                             /\ sess[b].h = sess[a].h
                             /\ sess[b].key = sess[a].key

\* An IX responder that received transport data under an honest enclave's
\* key: that enclave has a Ready initiator session with the same handshake
\* hash and key (before that, msg 1 alone authenticates nothing).
ResponderAgreement ==
    \A b \in Ready :
        (/\ sess[b].role = "resp" /\ sess[b].st = "confirmed"
         /\ sess[b].rs \in HonestStatics) =>
            \E a \in InitIds : /\ a[1] = OwnerOf(sess[b].rs)
                               /\ sess[a].st = "ready"
                               /\ sess[a].h = sess[b].h
                               /\ sess[a].key = sess[b].key

\* The responder id is bound: an initiator Ready with an honest enclave's key
\* reached the enclave whose ResponderId it dialled.
ResponderIdBound ==
    \A a \in Ready :
        (sess[a].role = "init" /\ sess[a].rs \in HonestStatics) =>
            sess[a].rs = Static(sess[a].prologue)

\* Not a property: a witness that the honest runs exist (the models above are
\* not vacuous).  MCAttestHonestRun.cfg expects TLC to violate it: an IX
\* responder confirmed by its honest initiator (same key) and a Ready client.
HonestRunIncomplete ==
    ~ /\ \E a \in InitIds, b \in RespIds :
            /\ sess[a].pat = "IX" /\ sess[a].st = "ready"
            /\ sess[b].st = "confirmed" /\ sess[a].key = sess[b].key
      /\ \E c \in InitIds : c[1] \in Clients /\ sess[c].st = "ready"
=============================================================================
