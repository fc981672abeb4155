"""``crm-knowledge``: accounts and the server of the sharing end.

::

    crm-knowledge add-user NAME --role sales|analyst|admin    # password from standard input
    crm-knowledge set-role NAME ROLE | disable-user NAME | list-users
    crm-knowledge serve [--host 127.0.0.1] [--port 8866] [--dataset xiaomi_sim] [--workers N] [--threads N]

``serve`` runs the application under gunicorn, one worker process per core by default (:mod:`.server`), and
refuses to start while no account exists, saying how to add one: there is no default user or password.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import sys
from collections.abc import Sequence

from .. import paths
from ..errors import DataError
from .accounts import ROLES, AccountError, Accounts
from .app import create_app
from .server import DEFAULT_THREADS, DEFAULT_WORKERS, serve
from .state import require_knowledge_base

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866


def read_password(stream=None) -> str:
    """The new password: asked twice on a terminal, else the first line of standard input."""
    stream = stream or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise AccountError("the two passwords differ")
        return first
    return stream.readline().rstrip("\r\n")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crm-knowledge", description="The sharing end of the customer knowledge system.")
    p.add_argument("--users-file", help=f"accounts file (default ${paths.USERS_ENV} or data/processed/users.sqlite)")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add an account; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    role = sub.add_parser("set-role", help="change an account's role")
    role.add_argument("name")
    role.add_argument("role", choices=list(ROLES))
    off = sub.add_parser("disable-user", help="disable an account (it can no longer sign in)")
    off.add_argument("name")
    sub.add_parser("list-users", help="the accounts, without their hashes")
    serve = sub.add_parser("serve", help="serve the sharing end")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--dataset", default="xiaomi_sim")
    serve.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                       help=f"server processes (default {DEFAULT_WORKERS}: one per core of this machine)")
    serve.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                       help=f"threads per process (default {DEFAULT_THREADS})")
    serve.add_argument("--secure-cookies", action="store_true",
                       help="send the session cookie over HTTPS only (behind a TLS proxy)")
    return p


def _is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    users = Accounts(args.users_file or paths.users_file())
    try:
        if args.command == "add-user":
            user = users.add(args.name, read_password(), args.role)
            print(f"added {user.name} ({user.role}) to {paths.display_path(users.path)}")
        elif args.command == "set-role":
            users.set_role(args.name, args.role)
            print(f"{args.name} is now {args.role}")
        elif args.command == "disable-user":
            users.set_active(args.name, False)
            print(f"{args.name} can no longer sign in")
        elif args.command == "list-users":
            print(users.table().to_string(index=False) if users.count(active_only=False) else "no accounts yet")
        else:
            return _serve(args, users)
    except AccountError as exc:
        print(f"crm-knowledge: {exc}", file=sys.stderr)
        return 2
    return 0


def _serve(args: argparse.Namespace, users: Accounts) -> int:
    if users.count() == 0:
        print(f"crm-knowledge: no account can sign in yet ({paths.display_path(users.path)}); add one first:\n"
              "  crm-knowledge add-user NAME --role admin     # the password is read from standard input",
              file=sys.stderr)
        return 2
    if args.workers < 1 or args.threads < 1:
        print("crm-knowledge: --workers and --threads must be at least 1", file=sys.stderr)
        return 2

    def factory():
        return create_app(args.dataset, users.path, secure_cookies=args.secure_cookies)

    try:  # said once, here, with its hint; nothing is opened before the workers fork
        require_knowledge_base(args.dataset)
    except DataError as exc:
        print(f"crm-knowledge: {exc}", file=sys.stderr)
        return 2
    if not _is_local(args.host):
        print(f"crm-knowledge: serving on {args.host}, reachable from other machines, over plain HTTP: put a TLS "
              "proxy in front and pass --secure-cookies", file=sys.stderr)
    serve(factory, args.host, args.port, workers=args.workers, threads=args.threads,
          ready=lambda: print(f"serving the sharing end of {args.dataset} on http://{args.host}:{args.port}/ with "
                              f"{args.workers} process(es) × {args.threads} threads (Ctrl-C stops)", flush=True))
    return 0
