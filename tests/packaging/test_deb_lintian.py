"""lintian on the built ``.deb`` (issue 22, item 5): no error and no warning besides the documented
overrides (``packaging/linux/lintian-overrides``, each with its reason), and no override left that
matches nothing. lintian starts in the background as soon as the ``.deb`` is built (``deb_build``):
this file runs last, while the other packaging tests have used the build meanwhile."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from deb_build import BUILD_MARKS, Build

pytestmark = [
    *BUILD_MARKS,
    pytest.mark.skipif(shutil.which("lintian") is None, reason="lintian missing (./run installs it)"),
]

LINTIAN_TIMEOUT_S = 1200


def test_lintian_finds_no_error_or_warning_beyond_the_documented_overrides(build: Build) -> None:
    assert build.lintian is not None, "lintian was not started with the build"
    output, _ = build.lintian.communicate(timeout=LINTIAN_TIMEOUT_S)
    print(f"\nlintian: {time.monotonic() - build.lintian_started:.0f} s after the build")
    tags = re.findall(r"^([EW]): pos-client[^:]*: (\S+)(.*)$", output, flags=re.MULTILINE)
    assert tags == [], output[-5000:]
    unused = re.findall(r"^I: pos-client[^:]*: unused-override (.*)$", output, flags=re.MULTILINE)
    assert unused == [], unused
    overridden = re.findall(r"^O: pos-client[^:]*: (\S+)", output, flags=re.MULTILINE)
    assert "embedded-library" in overridden  # the overrides file was installed and read
