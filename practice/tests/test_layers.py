"""The apps are layers (docs/architecture.md): each imports only the ones below it, so the folders
show the dependency order and a lower layer learns of a higher one only through what the higher one
registers. Tests may reach up (a clients test may use sessions' factories)."""

import ast
import configparser
from pathlib import Path

from django.conf import settings

LAYERS = ["practice", "outbox", "clients", "library", "sessions", "referrals", "outreach", "insights"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_app_imports_one_above_it():
    upward = []
    for height, app in enumerate(LAYERS):
        above = set(LAYERS[height + 1 :])
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            upward += [f"{path.relative_to(settings.BASE_DIR)} imports {name}" for name in _imports(path) & above]
    assert upward == []


def test_every_project_app_has_its_layer_and_its_tests_run():
    ours = {path.parent.name for path in Path(settings.BASE_DIR).glob("*/apps.py")}
    assert ours == set(LAYERS)
    ini = configparser.ConfigParser()
    ini.read(Path(settings.BASE_DIR) / "pytest.ini")
    assert ini["pytest"]["testpaths"].split() == LAYERS
