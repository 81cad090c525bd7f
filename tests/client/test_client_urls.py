"""A mistyped server address never crashes anything: ``check_base_url``, the client, the command line,
the till's start-up and the settings dialog all refuse it with a French message."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from memory_keyring import MemoryKeyring
from pytestqt.qtbot import QtBot

from pos_client.api.client import BookingsClient
from pos_client.api.environments import InsecureUrlError, base_url_for, check_base_url
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.cli import main
from pos_client.domain.outcomes import Found, NetworkUnreachable
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings

# Each one used to leak a ValueError, an httpx.InvalidURL, an idna.IDNAError or (at the first request)
# a UnicodeError from the name resolver; the others were already refused and must stay so.
BAD_URLS = [
    "https://example.com:abc",
    "https://caisse.example.com:84a3",
    "https://exa\tmple.com",
    "https://xn--.com",
    "https://[::1",
    "https://example.com:99999",
    "https://example.com:0",
    "https://a..b.example",
    "https://" + "a" * 64 + ".example",
    "https://ex ample.com",
    "ftp://example.com",
    "http://10.1.2.3",
    "https://user:pw@example.com",
    "",
]


class DictKeys:
    def __init__(self) -> None:
        self.keys: dict[ApiEnvironment, str] = {}

    def get_key(self, environment: ApiEnvironment) -> str | None:
        return self.keys.get(environment)

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        self.keys[environment] = key


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_url_is_a_typed_refusal(url: str) -> None:
    with pytest.raises(InsecureUrlError) as refused:
        check_base_url(url)
    assert "adresse" in str(refused.value).lower()
    with pytest.raises(InsecureUrlError):
        base_url_for(ApiEnvironment.CUSTOM, url)
    with pytest.raises(InsecureUrlError):
        BookingsClient(url, demo_data.DEMO_API_KEY)


@pytest.mark.parametrize(
    "url",
    [
        "https://backend.passculture.app/",
        "http://127.0.0.1:8088",
        "http://[::1]:8080",
        "https://Bücher.example",
    ],
)
def test_good_urls_pass(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")
    BookingsClient(url, demo_data.DEMO_API_KEY).close()


_URL_CHARS = st.sampled_from([*"abcxn-.:[]0123456789/@?#% \t\x00é\u200bß-_", "xn--", "::1", ".."])


@given(
    scheme=st.sampled_from(["https://", "http://", "", "https:/", "HTTPS://"]),
    host=st.lists(_URL_CHARS, max_size=12).map("".join),
    port=st.one_of(st.just(""), st.text(alphabet=":0123456789a+-", max_size=7)),
)
def test_any_address_is_accepted_or_refused_never_raises_anything_else(
    scheme: str, host: str, port: str
) -> None:
    url = scheme + host + port
    try:
        checked = check_base_url(url)
    except InsecureUrlError:
        return
    # Accepted: the client is built, and httpx makes a request URL of it (no request is sent).
    BookingsClient(checked, demo_data.DEMO_API_KEY).close()
    with httpx.Client(base_url=checked) as raw:
        request = raw.build_request("GET", "/public/bookings/v1/token/PETPR2")
    request.url.raw_host.decode("ascii").encode("idna")  # what the name resolver will be given


Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]) -> Runner:
    memory_keyring.set_password("pos-client", "api-key-custom", demo_data.DEMO_API_KEY)

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--dev-dir", str(tmp_path), *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_cli_prints_the_refusal_with_its_exit_code(cli: Runner) -> None:
    for url in ("https://example.com:abc", "https://xn--.com", "https://a..b.example"):
        for argv in (
            ("booking", "show", "PETPR2"),
            ("booking", "validate", "PETPR2", "--id-checked"),
            ("booking", "list", "--venue", "1"),
        ):
            code, out, err = cli(*argv, "--url", url)
            assert code == Exit.USAGE, (argv, url)
            assert "Adresse de serveur illisible" in err and "Traceback" not in err
        code, out, _ = cli("booking", "show", "PETPR2", "--url", url, "--json")
        assert code == Exit.USAGE and '"exitCode": 2' in out


def test_cli_with_a_bad_address_in_the_settings_file(cli: Runner, tmp_path: Path) -> None:
    settings = Settings(till_name="caisse-1").with_values(
        api={"environment": ApiEnvironment.CUSTOM, "custom_url": "https://caisse.example.com:84a3"}
    )
    settings.save(AppPaths.resolve(str(tmp_path)).settings_file)
    code, _, err = cli("booking", "show", "PETPR2")
    assert code == Exit.USAGE
    assert "caisse.example.com:84a3" in err and "Traceback" not in err


def test_the_till_starts_and_shows_a_bad_address_from_its_settings(qtbot: QtBot, tmp_path: Path) -> None:
    from pos_client.api.null import UnconfiguredServer
    from pos_client.app.backend import open_backend
    from pos_client.ui.app import till_under

    settings = Settings(till_name="caisse-1").with_values(
        api={"environment": ApiEnvironment.CUSTOM, "custom_url": "https://caisse.example.com:84a3"},
        ui={"sound_enabled": False},
    )
    context = AppContext(paths=AppPaths.under(tmp_path), settings=settings)
    context.paths.ensure()
    with ExitStack() as stack:
        backend = open_backend(context, demo=False, keys=DictKeys(), stack=stack)
        assert isinstance(backend.api, UnconfiguredServer)
        assert any("illisible" in problem and "F2" in problem for problem in backend.problems)
        outcome = backend.api.get_booking("PETPR2")
        assert isinstance(outcome, NetworkUnreachable) and "illisible" in outcome.detail
    with till_under(tmp_path / "till", settings, demo=False, keys=DictKeys()) as (window, _):
        qtbot.addWidget(window)
        assert "caisse.example.com:84a3" in window.problem_label.text()


def test_settings_dialog_refuses_to_save_a_bad_address(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QDialog, QMessageBox

    from pos_client.ui.settings_dialog import SettingsDialog

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(str(args[2])))
    keys = DictKeys()
    dialog = SettingsDialog(Settings(till_name="c"), keys)
    qtbot.addWidget(dialog)
    dialog.environment.setCurrentIndex(list(ApiEnvironment).index(ApiEnvironment.CUSTOM))
    dialog.custom_url.setText("https://caisse.example.com:84a3")
    qtbot.keyClicks(dialog.new_key, "custom-key-1234")
    dialog.accept()
    assert len(warnings) == 1 and "illisible" in warnings[0]
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert keys.keys == {}  # nothing saved, the key neither
    dialog.custom_url.setText("http://127.0.0.1:8088")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert keys.keys == {ApiEnvironment.CUSTOM: "custom-key-1234"}
    assert dialog.result_settings().api.custom_url == "http://127.0.0.1:8088"


def test_a_good_custom_address_still_reaches_the_emulator(emulator: RunningEmulator) -> None:
    with BookingsClient(emulator.base_url + "/", demo_data.DEMO_API_KEY) as client:
        assert isinstance(client.get_booking(demo_data.TOKENS["book"]), Found)
