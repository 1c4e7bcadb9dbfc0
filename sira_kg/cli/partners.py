"""``sira-kg partner add|list|revoke|rotate``: the contributor tokens (sira_kg.core.partners).

Why apart: the platform's admin task of letting partners in and out; the
registry is shared with the running server, so changes take effect at once.
"""

from __future__ import annotations

import argparse
import sys

from sira_kg.cli.common import EXIT_OK, CliError, settings_from


def _registry(args: argparse.Namespace):
    from sira_kg.core.partners import PartnerError, open_registry

    try:
        return open_registry(settings_from(args))
    except PartnerError as exc:
        raise CliError(str(exc)) from None


def cmd_partner_add(args: argparse.Namespace) -> int:
    """Create a partner; its token goes to stdout once and is never stored or shown again."""
    from sira_kg.core.partners import PartnerError

    registry = _registry(args)
    try:
        partner, token = registry.add(args.name, args.base, args.expires_days)
    except PartnerError as exc:
        raise CliError(str(exc)) from None
    print(
        f"partner {partner.name!r} owns {partner.base} and the graphs {partner.graph_prefix}…",
        file=sys.stderr,
    )
    _give(partner, token)
    return EXIT_OK


def _give(partner, token: str) -> None:  # noqa: ANN001
    expiry = f" It expires on {partner.expires}." if partner.expires else ""
    print(
        "Its token is below. It is shown only this once and stored only as a hash: "
        f"give it to the partner now.{expiry}",
        file=sys.stderr,
    )
    print(token)


def cmd_partner_rotate(args: argparse.Namespace) -> int:
    """A new token for a partner; the old one stops working at once."""
    from sira_kg.core.partners import PartnerError

    try:
        partner, token = _registry(args).rotate(args.name, args.expires_days)
    except PartnerError as exc:
        raise CliError(str(exc)) from None
    print(f"partner {partner.name!r}: new token; the old one no longer works.", file=sys.stderr)
    _give(partner, token)
    return EXIT_OK


def cmd_partner_list(args: argparse.Namespace) -> int:
    """Partners, their IRI spaces and status; never a token (only hashes are stored)."""
    import json

    partners = _registry(args).list()
    if args.output_format == "json":
        print(json.dumps([p.to_dict() for p in partners], indent=2))
        return EXIT_OK
    if not partners:
        print("no partners yet (`sira-kg partner add NAME`)", file=sys.stderr)
        return EXIT_OK
    width = max(len(p.name) for p in partners)
    for p in partners:
        status = (
            f"revoked {p.revoked}"
            if p.revoked
            else f"expired {p.expires}"
            if p.expired
            else f"active until {p.expires}"
            if p.expires
            else "active"
        )
        print(f"{p.name:<{width}}  {status:<28}  created {p.created}  {p.base}")
    return EXIT_OK


def cmd_partner_revoke(args: argparse.Namespace) -> int:
    """Revoke a token: the running server refuses it from the next request on."""
    from sira_kg.core.partners import PartnerError

    try:
        partner, was_active = _registry(args).revoke(args.name)
    except PartnerError as exc:
        raise CliError(str(exc)) from None
    if was_active:
        print(f"revoked {partner.name!r}; its contributions stay published", file=sys.stderr)
    else:
        print(f"{partner.name!r} was already revoked ({partner.revoked})", file=sys.stderr)
    return EXIT_OK
