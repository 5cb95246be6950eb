"""``mcref attest``: SGX attestation commands (issue 6).

``mcref attest verify-quote QUOTE --collateral DIR [--policy FILE] [--allow-advisory ID ...]
[--allow-debug] [--strict] [--at ISO-8601] [--root FILE] [--json]`` verifies a DCAP quote v3
with the collateral in DIR (file names: refimpl/enclave/sgx/collateral.py ``COLLATERAL_FILES``,
docs/attestation.md) against the Intel SGX Root CA (or ``--root``), then applies the policy.
Exit 0: valid and accepted; 3: valid but refused by the policy (reasons listed); 2: malformed,
cryptographically invalid or breaking a trust-chain rule (one ``error[CODE]`` line).

Without ``--policy`` the policy accepts any measurement (it is printed), TCB statuses UpToDate
and SWHardeningNeeded, no advisory ids and no debug enclave; ``--allow-advisory`` and
``--allow-debug`` widen either policy. CRL thisUpdate/nextUpdate windows are printed but, as in
MobileCoin, not enforced; ``--strict`` applies Intel's rule (QVL ``STATUS_SGX_CRL_EXPIRED``):
a CRL out of its window is refused with ``attest.crl_expired`` naming it. ``handshake`` is
registered by refimpl/cli/attest_handshake.py.
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refimpl.cli.attest_handshake import register_handshake
from refimpl.cli.inputs import input_dir, input_file
from refimpl.cli.output import print_json
from refimpl.errors import CliError

if TYPE_CHECKING:
    from refimpl.enclave.verifier import Policy, Verdict

EXIT_ACCEPTED = 0
EXIT_REFUSED = 3



def default_policy() -> Policy:
    """The policy without ``--policy``: any measurement, TCB UpToDate or SWHardeningNeeded."""
    from refimpl.enclave.verifier import Policy

    return Policy(any_measurement=True,
                  allowed_tcb_statuses=frozenset({"UpToDate", "SWHardeningNeeded"}))


def register(sub: Any) -> None:
    parser = sub.add_parser("attest", help="SGX attestation: verify quotes, attested handshakes")
    attest_sub = parser.add_subparsers(dest="attest_command", required=True,
                                       parser_class=type(parser))
    verify = attest_sub.add_parser("verify-quote", help="verify a DCAP quote v3 and a policy")
    verify.add_argument("quote", type=input_file)
    verify.add_argument("--collateral", type=input_dir, required=True, metavar="DIR")
    verify.add_argument("--policy", type=input_file, metavar="FILE")
    verify.add_argument("--allow-advisory", action="append", default=[], metavar="ID")
    verify.add_argument("--allow-debug", action="store_true")
    verify.add_argument("--strict", action="store_true",
                        help="apply Intel's CRL validity rule (refuse an expired CRL); "
                             "MobileCoin's default does not check CRL windows")
    verify.add_argument("--at", metavar="ISO-8601", help="verification time (default: now)")
    verify.add_argument("--root", type=input_file, metavar="FILE",
                        help="trusted root CA (PEM or DER; default: the Intel SGX Root CA)")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify_quote)
    register_handshake(attest_sub)


def parse_at(text: str | None) -> datetime.datetime:
    if text is None:
        return datetime.datetime.now(datetime.UTC)
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError("cli.usage", f"--at {text!r} is not an ISO-8601 time") from None
    if value.tzinfo is None:
        raise CliError("cli.usage", f"--at {text!r} needs a time zone (e.g. Z)")
    return value.astimezone(datetime.UTC)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError("cli.io", f"cannot read {path}: {exc.strerror}") from None


def _verify_quote(args: argparse.Namespace) -> int:
    import attrs

    from refimpl.enclave.sgx.collateral import load_collateral_dir
    from refimpl.enclave.sgx.trust import intel_sgx_root_ca
    from refimpl.enclave.verifier import Policy, verify_evidence

    at = parse_at(args.at)
    policy = Policy.from_json(_read(args.policy)) if args.policy else default_policy()
    policy = attrs.evolve(policy,
                          allowed_advisories=policy.allowed_advisories | set(args.allow_advisory),
                          allow_debug=policy.allow_debug or args.allow_debug,
                          enforce_crl_windows=policy.enforce_crl_windows or args.strict)
    root = _read(args.root) if args.root else intel_sgx_root_ca()
    if not args.collateral.is_dir():
        raise CliError("cli.io", f"{args.collateral} is not a directory")
    verdict = verify_evidence(_read(args.quote), load_collateral_dir(args.collateral), root,
                              policy, at)
    if args.json:
        print_json(verdict.to_json())
    else:
        _print_verdict(verdict, policy.enforce_crl_windows)
    return EXIT_ACCEPTED if verdict.accepted else EXIT_REFUSED


def _print_verdict(verdict: Verdict, enforced: bool) -> None:
    doc = verdict.to_json()
    print(f"verdict:          valid, {doc['policy_decision']}")
    print(f"TCB status:       {doc['tcb_status']} (FMSPC {doc['fmspc']})")
    print(f"advisories:       {', '.join(doc['advisory_ids']) or '-'}")
    print(f"QE TCB status:    {doc['qe_tcb_status']}")
    print(f"MRENCLAVE:        {doc['mrenclave']}")
    print(f"MRSIGNER:         {doc['mrsigner']}")
    print(f"product id:       {doc['product_id']}")
    print(f"SVN:              {doc['svn']}")
    print(f"debug:            {'yes' if doc['debug'] else 'no'}")
    print(f"verified at:      {doc['at']}")
    for window in doc["crl_windows"]:
        state = "in force" if window["in_force"] else (
            "EXPIRED" if enforced else "out of its window (not enforced; --strict refuses)")
        print(f"CRL window:       {window['crl']} {window['this_update']} .. "
              f"{window['next_update']}: {state}")
    print(f"policy decision:  {doc['policy_decision']}")
    for reason in verdict.reasons:
        print(f"  refused[{reason.code}]: {reason.message}")
