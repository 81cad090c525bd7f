"""``pos-client api-key set|status|delete``: the pass Culture API key in the OS keyring.

The key is read from the standard input (without echo on a terminal), never from the command line
(it would end in the shell's history). Exit statuses (``pos_client.app.exits.Exit``): 0 done, 1 the
keyring is unusable, 2 an unacceptable key, 4 (``status`` without ``--env``) no key for the
environment in use.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from pos_client.api.key_file import FILE_STORE_WARNING, FileKeys, KeyStore, key_store_for
from pos_client.api.keys import KeyStoreError, check_api_key, key_hint
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.cli.output import fail
from pos_client.settings import ApiEnvironment

__all__ = ["register"]


def _read_key_from_stdin() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Clé d'API (rien ne s'affiche) : ")
    return sys.stdin.readline()


def _cmd_key_set(args: argparse.Namespace, context: AppContext) -> Exit:
    environment = ApiEnvironment(args.env)
    try:
        key = check_api_key(_read_key_from_stdin())
    except KeyStoreError as exc:
        return fail(args, Exit.USAGE, str(exc))
    storage = args.store or context.settings.api.key_storage
    chosen = context.settings.with_values(api={"key_storage": storage})
    store = key_store_for(chosen.api, context.paths.config_dir)
    try:
        store.set_key(environment, key)
    except KeyStoreError as exc:
        return fail(args, Exit.FAILURE, str(exc))
    if storage != context.settings.api.key_storage:
        context.save_settings(chosen)
    if isinstance(store, FileKeys):
        print(FILE_STORE_WARNING.format(path=store.path_for(environment)), file=sys.stderr)
    where = "un fichier protégé" if isinstance(store, FileKeys) else "le trousseau du système"
    hint = key_hint(key)
    print(f"Clé d'API enregistrée pour « {environment.value} » dans {where} (se termine par {hint}).")
    return Exit.OK


def _keys(context: AppContext) -> KeyStore:
    return key_store_for(context.settings.api, context.paths.config_dir)


def _cmd_key_status(args: argparse.Namespace, context: AppContext) -> Exit:
    environments = [ApiEnvironment(args.env)] if args.env else list(ApiEnvironment)
    keys = _keys(context)
    states: dict[str, str | None] = {}
    try:
        for environment in environments:
            states[environment.value] = key_hint(keys.get_key(environment))
    except KeyStoreError as exc:
        return fail(args, Exit.FAILURE, str(exc))
    if args.json:
        print(
            json.dumps({env: {"present": hint is not None, "endsWith": hint} for env, hint in states.items()})
        )
    else:
        for env, hint in states.items():
            print(f"{env:<12} : " + (f"clé présente (se termine par {hint})" if hint else "aucune clé"))
    current = context.settings.api.environment.value
    return Exit.OK if args.env or states.get(current) else Exit.CREDENTIALS


def _cmd_key_delete(args: argparse.Namespace, context: AppContext) -> Exit:
    environment = ApiEnvironment(args.env)
    try:
        deleted = _keys(context).delete_key(environment)
    except KeyStoreError as exc:
        return fail(args, Exit.FAILURE, str(exc))
    print(
        f"Clé d'API de « {environment.value} » "
        + ("supprimée." if deleted else "absente : rien à supprimer.")
    )
    return Exit.OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    api_key = subparsers.add_parser("api-key", help="clé d'API pass Culture dans le trousseau du système")
    key_actions = api_key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    envs = [env.value for env in ApiEnvironment]
    key_set = key_actions.add_parser("set", help="enregistrer la clé lue sur l'entrée standard (sans écho)")
    key_set.add_argument("--env", choices=envs, required=True)
    key_set.add_argument(
        "--store",
        choices=("keyring", "file"),
        help="où garder la clé : keyring (trousseau du système, défaut) ou file (fichier lisible par ce "
        "seul compte, pour un poste sans trousseau : voir docs/security.md)",
    )
    key_set.set_defaults(handler=_cmd_key_set, json=False)
    key_status = key_actions.add_parser(
        "status", help="dire quelles clés sont enregistrées (4 derniers caractères)"
    )
    key_status.add_argument("--env", choices=envs)
    key_status.add_argument("--json", action="store_true")
    key_status.set_defaults(handler=_cmd_key_status)
    key_delete = key_actions.add_parser("delete", help="supprimer la clé d'un environnement")
    key_delete.add_argument("--env", choices=envs, required=True)
    key_delete.set_defaults(handler=_cmd_key_delete, json=False)
