"""``python -m skrnn.demo``: its help, its sections and its table."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import re
import subprocess
import sys

import pytest

from skrnn import demo


def test_help_lists_every_section(capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m skrnn.demo")
    for name in demo.SECTIONS:
        assert re.search(rf"^  {re.escape(name)}\s+\S", out, re.MULTILINE), name


def test_unknown_section_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--only", "bogus"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_table_columns_align_and_the_unscaled_lstm_says_why(capsys):
    demo.main(["--only", "hopfield", "scaling"])
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("task "))
    rows = lines[header + 2:]
    assert len(rows) == 8                    # six Hopfield lines, two scaling lines
    # every value ends at the column where the header's "value" ends
    value_end = lines[header].index("value") + len("value")
    for row in rows:
        assert re.fullmatch(r"-?\d+\.\d{3}", row[value_end - 7:value_end].strip()), row
        assert row[value_end] == " ", row
    raw, scaled = rows[-2:]
    assert "LSTMClassifier" in raw and "saturate" in raw and "standardise first" in raw
    # "below chance" is said exactly when it is
    below_chance = float(raw[value_end - 7:value_end]) < 1 / 3
    assert ("below chance, 0.333" in raw) == below_chance
    assert float(scaled[value_end - 7:value_end]) > 0.9


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "skrnn.demo", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "--only" in done.stdout
