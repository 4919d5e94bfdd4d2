import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))


@pytest.fixture
def root():
    return ROOT


@pytest.fixture
def short():
    """Overrides that make a shipped scenario quick."""
    return {"duration": "{blocks: 2000}"}


def same_summary(a, b):
    """Summaries equal to the bit (NaN included)."""
    import struct

    assert list(a) == list(b)
    return all(struct.pack("<d", a[k]) == struct.pack("<d", b[k]) for k in a)


def with_sweep(root, tmp_path, scenario, sweep_yaml, mechanism_module=None):
    """A copy of a shipped scenario with a `sweep:` section (written in block style)."""
    import shutil

    text = (root / scenario).read_text()
    f = tmp_path / Path(scenario).name
    f.write_text(text.rstrip("\n") + "\n" + sweep_yaml)
    if mechanism_module:
        shutil.copy(HERE / mechanism_module, tmp_path / mechanism_module)
    return f
