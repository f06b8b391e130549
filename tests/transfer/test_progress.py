"""The progress display: a rich bar on a terminal, plain periodic lines elsewhere."""

from __future__ import annotations

import io

from contactapi.transfer.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_rows_rate_and_time_left() -> None:
    screen = Terminal()
    with progress("import", 1000, stream=screen) as shown:
        shown.advance(250)
        shown.advance(750)
    text = screen.getvalue()
    assert "import" in text and "1000/1000" in text and "rows/s" in text
    assert "0:00:00" in text  # the time left, once done


def test_elsewhere_a_line_every_interval_and_one_at_the_end() -> None:
    log = io.StringIO()
    with progress("export", 3000, "contacts", stream=log, interval=0.0) as shown:
        shown.update(1000)
        shown.update(2000, 4000)
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("export: 1,000/3,000 contacts, ") and "s left" in lines[0]
    assert lines[1].startswith("export: 2,000/4,000 contacts, ")
    assert lines[-1].startswith("export: 2,000/4,000 contacts, ") and "contacts/s" in lines[-1]
    assert len(lines) == 3
