"""``sira-kg serve``: the endpoint, API and pages (sira_kg.endpoint.server).

Why apart: the one long-running command; everything it serves is in the endpoint.
"""

from __future__ import annotations

import argparse

from sira_kg.cli.common import EXIT_OK, CliError, settings_from


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the endpoint until interrupted; an empty store is filled first."""
    from sira_kg.core.store import StoreError
    from sira_kg.endpoint.server import serve

    settings = settings_from(args)
    if args.host:
        settings = settings.with_(host=args.host)
    if args.port is not None:
        if not 0 <= args.port <= 65535:
            raise CliError(f"--port must be between 0 and 65535, not {args.port}")
        settings = settings.with_(port=args.port)
    try:
        serve(settings)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # the port is taken, the host does not exist
        raise CliError(
            f"cannot serve on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
    return EXIT_OK
