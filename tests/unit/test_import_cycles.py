"""The project's modules form no import cycle (`python -m leadqual_tools.import_cycles`, run by `make lint`)."""

from pathlib import Path

from leadqual_tools.import_cycles import import_cycles


def test_the_project_has_no_import_cycle() -> None:
    assert import_cycles() == []


def test_a_cycle_is_found_even_through_a_lazy_or_type_only_import(tmp_path: Path) -> None:
    package = tmp_path / "src" / "shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "orders.py").write_text("from shop.prices import price\n")
    (package / "prices.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop import orders\n"
    )
    (package / "stock.py").write_text("def count():\n    from . import orders\n")

    assert import_cycles(tmp_path, {"src": ("shop",)}) == [["shop.orders", "shop.prices"]]
