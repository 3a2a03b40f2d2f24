from pathlib import Path

import pytest

from tests.support.paths import ROOT
from twinned.config import DEFAULT_BASE_URI, load_settings
from twinned.errors import InputError


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={})
    assert s.base_uri == DEFAULT_BASE_URI
    assert s.output_dir == tmp_path / "dist"


def test_priority_flags_over_env_over_file(tmp_path: Path) -> None:
    (tmp_path / "twinned.toml").write_text('[twinned]\nbase_uri = "https://file.example/"\nport = 9000\n')
    assert load_settings(tmp_path, env={}).base_uri == "https://file.example/"
    env = {"TWINNED_BASE_URI": "https://env.example/"}
    assert load_settings(tmp_path, env=env).base_uri == "https://env.example/"
    assert load_settings(tmp_path, env=env, base_uri="https://flag.example/").base_uri == "https://flag.example/"
    assert load_settings(tmp_path, env={}).port == 9000


def test_bad_settings_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ending in '/'"):
        load_settings(tmp_path, env={}, base_uri="https://no-slash.example")
    (tmp_path / "twinned.toml").write_text("[twinned]\ncolour = 'red'\n")
    with pytest.raises(InputError, match="colour"):
        load_settings(tmp_path, env={})
    (tmp_path / "twinned.toml").write_text("[twinned]\nport = 'eighty'\n")
    with pytest.raises(InputError, match="port"):
        load_settings(tmp_path, env={})


def test_every_setting_is_documented_in_the_readme() -> None:
    from dataclasses import fields

    from twinned.config import Settings

    readme = (ROOT / "README.md").read_text("utf-8")
    for f in fields(Settings):
        if f.name != "project_dir":
            assert f"`{f.name}`" in readme, f.name
