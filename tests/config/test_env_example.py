"""Every environment variable the settings read is documented in .env.example and the README."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source)) | set(
        re.findall(r'os\.environ\.get\("([A-Z_]+)"', source)
    )


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert variables_read_by_settings() - listed == set()


def test_readme_table_lists_every_variable():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, re.M))
    assert variables_read_by_settings() - documented == set()
