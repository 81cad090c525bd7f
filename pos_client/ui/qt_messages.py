"""Qt's own messages go to pos-client's log, not to the terminal (issue 22, item 10).

At every start Qt Multimedia (loaded for the sounds) reports what it looked for and did not find:
PipeWire, VA-API, the PulseAudio daemon, the FFmpeg version. About fifteen lines on stderr that a
shop's IT person reads as errors, while the till works. ``qInstallMessageHandler`` sends every Qt
message to the ``qt`` logger: the audio and multimedia ones at debug level (seen with ``-v`` or in
the log file), the others at the level Qt gave them.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

__all__ = ["install_qt_message_log", "qt_message_level"]

log = logging.getLogger("qt")

# Categories and message starts of Qt Multimedia and its audio back-ends: information, not trouble.
QUIET_CATEGORIES = ("qt.multimedia", "qt.audio")
QUIET_PREFIXES = ("PulseAudioService", "PipeWire", "ALSA")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_level(kind: QtMsgType, category: str | None, message: str) -> int:
    """The logging level of one Qt message."""
    if (category or "").startswith(QUIET_CATEGORIES) or message.startswith(QUIET_PREFIXES):
        return logging.DEBUG
    return _LEVELS.get(kind, logging.WARNING)


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category
    log.log(qt_message_level(kind, category, message), "%s: %s", category or "qt", message)


def install_qt_message_log() -> None:
    """Route Qt's messages to the log from now on (call before Qt Multimedia loads)."""
    qInstallMessageHandler(_handle)
