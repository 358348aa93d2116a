"""The console's page and assets: shipped in the package, self-contained, served as declared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver.console import page

ASSETS = Path(page.__file__).parent / "assets"


@pytest.mark.parametrize("name", sorted(page.ASSETS))
def test_asset_is_read_from_the_package_with_its_media_type(name: str) -> None:
    content, media_type = page.asset(name)
    assert content == (ASSETS / name).read_bytes()
    assert media_type == page.ASSETS[name]


def test_asset_refuses_a_name_that_is_not_an_asset() -> None:
    with pytest.raises(KeyError):
        page.asset("../page.py")


def references(html: str) -> list[str]:
    """Every ``src`` and ``href`` of an HTML page."""
    return re.findall(r'(?:src|href)="([^"]*)"', html)


def offline_problems(html: str) -> list[str]:
    """The references of ``html`` that are not the console's own assets (or inline data)."""
    own = {f"/__mock/ui/{name}" for name in page.ASSETS}
    return [ref for ref in references(html) if ref not in own and not ref.startswith("data:")]


def test_page_loads_nothing_but_its_own_assets() -> None:
    html = page.asset("index.html")[0].decode()
    assert offline_problems(html) == []
    assert {"/__mock/ui/console.js", "/__mock/ui/console.css"} <= set(references(html))


def test_offline_check_catches_a_cdn_link() -> None:
    planted = '<script src="https://cdn.example.com/lib.js"></script><link href="data:,">'
    assert offline_problems(planted) == ["https://cdn.example.com/lib.js"]


def test_script_and_stylesheet_fetch_nothing_from_elsewhere() -> None:
    for name in ("console.js", "console.css"):
        text = page.asset(name)[0].decode()
        assert not re.search(r"https?://", text), name


def test_every_form_control_of_the_page_has_a_label() -> None:
    html = page.asset("index.html")[0].decode()
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*\bid=\"([^\"]+)\"", html)
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    # A control inside its <label> is labelled by it.
    wrapped = set(
        re.findall(r"<label[^>]*>[^<]*<(?:input|select|textarea)\b[^>]*\bid=\"([^\"]+)\"", html)
    )
    assert controls
    assert set(controls) <= labelled | wrapped


def test_the_package_data_ships_the_assets() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"console/assets/*"' in pyproject
    assert sorted(p.name for p in ASSETS.iterdir()) == sorted(page.ASSETS)
