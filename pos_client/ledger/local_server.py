"""A throwaway PostgreSQL server on 127.0.0.1, for the ledger's tests, benches and a try on one PC.

``LocalPostgres.start()`` runs Debian's ``initdb`` in a new temporary folder (superuser ``pos_admin``
with a random password, SCRAM authentication), makes a self-signed TLS certificate for ``localhost``
and ``127.0.0.1`` with ``openssl``, and starts ``postgres`` on a free port (TLS on, no Unix socket,
no fsync: nothing here must survive a power cut, but commits do survive a stop). PostgreSQL refuses
to run as root: when we are root, the folder is given to the ``postgres`` user (or ``nobody``) and
the server runs as that user via ``runuser``. ``stop()`` stops it and removes the folder;
``stop(keep=True)`` then ``start_again()`` stop and start the same cluster (an outage). The role
``tls_only`` (when created) is refused without TLS (``hostnossl ... reject``), so tests can check
that TLS is required.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalPostgres", "PostgresMissing", "find_bin_dir"]

ADMIN = "pos_admin"

_HBA = """\
# pos-client throwaway server: TCP on 127.0.0.1 only, SCRAM passwords; tls_only must use TLS.
hostnossl all tls_only 127.0.0.1/32 reject
host all all 127.0.0.1/32 scram-sha-256
"""


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries (Debian: ``apt-get install postgresql``)."""


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb`` (or ``initdb`` on PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return None if on_path is None else Path(on_path).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> str | None:
    """Who runs the server: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresMissing("running as root and no 'postgres' nor 'nobody' user to run PostgreSQL")


@dataclass
class LocalPostgres:
    bin_dir: Path
    root: Path
    port: int
    password: str
    run_as: str | None
    admin: str = ADMIN

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def cert_file(self) -> Path:
        """The server's self-signed certificate: the root to trust for ``verify-full``."""
        return self.root / "server.crt"

    def _run(self, *command: str | Path) -> None:
        argv = [str(part) for part in command]
        if self.run_as is not None:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    @classmethod
    def start(cls) -> LocalPostgres:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PostgresMissing("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        root = Path(tempfile.mkdtemp(prefix="pos-ledger-pg-"))
        server = cls(bin_dir, root, _free_port(), secrets.token_urlsafe(18), _server_user())
        try:
            server._init()
            server._start()
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def _init(self) -> None:
        password_file = self.root / "pw"
        password_file.write_text(self.password + "\n", encoding="ascii")
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", str(self.root / "server.key"), "-out", str(self.cert_file),
            ],
            check=True, capture_output=True, timeout=60,
        )
        os.chmod(self.root / "server.key", 0o600)
        os.chmod(self.root, 0o755)
        if self.run_as is not None:
            record = pwd.getpwnam(self.run_as)
            for path in (self.root, password_file, self.root / "server.key", self.cert_file):
                os.chown(path, record.pw_uid, record.pw_gid)
        self._run(
            self.bin_dir / "initdb", "-D", self.data_dir, "-U", self.admin, f"--pwfile={password_file}",
            "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
        )
        password_file.unlink()
        (self.data_dir / "pg_hba.conf").write_text(_HBA, encoding="ascii")

    def _start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''",
                "-c ssl=on", f"-c ssl_cert_file={self.cert_file}",
                f"-c ssl_key_file={self.root / 'server.key'}",
                "-c fsync=off", "-c full_page_writes=off",
                "-c max_connections=120",
            ]
        )
        self._run(
            self.bin_dir / "pg_ctl", "-D", self.data_dir, "-l", self.root / "server.log", "-o", options,
            "-w", "-t", "60", "start",
        )

    def stop(self, *, keep: bool = False) -> None:
        """Stop the server at once (connections are cut); without ``keep``, remove everything."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run(self.bin_dir / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop")
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def start_again(self) -> None:
        """Start the cluster stopped by ``stop(keep=True)`` (same port, same data)."""
        self._start()

    def conninfo(self, dbname: str = "postgres") -> str:
        return (
            f"host=127.0.0.1 port={self.port} dbname={dbname} user={self.admin} password={self.password}"
            " sslmode=disable"
        )
