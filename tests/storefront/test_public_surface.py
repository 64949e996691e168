"""``storefront``'s public surface: what other code may use, importable from the package itself,
with the error types as one family, and cheap to import."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys

import storefront
from storefront import InvalidSite, Problem, RenderError, StorefrontError, ThemeError
from tests.support import REPO


def test_every_public_name_is_listed_and_importable():
    assert sorted(storefront.__all__) == sorted(storefront._EXPORTS)
    for name in storefront.__all__:
        assert getattr(storefront, name) is not None, name


def test_the_errors_about_the_input_are_one_family():
    for error in (InvalidSite, RenderError, ThemeError):
        assert issubclass(error, StorefrontError)
    assert not issubclass(StorefrontError, (ValueError, LookupError, TypeError)), "no bug is mistaken for one"


def test_the_errors_keep_their_problems_across_processes():
    problems = [
        Problem("sites/demo/site.yaml", 3, 5, "site.theme", "there is no theme 'x'"),
        Problem("a", 1, 1, "", "b"),
    ]
    invalid = pickle.loads(pickle.dumps(InvalidSite(problems)))
    assert invalid.problems == sorted(problems) and str(invalid) == str(InvalidSite(problems))
    assert pickle.loads(pickle.dumps(RenderError(problems[0]))).problem == problems[0]


def test_importing_the_package_imports_nothing_of_the_pipeline():
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, storefront; print(sorted(m for m in ('jinja2', 'pydantic', 'yaml') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found == "[]\n"


def _imports(package: str) -> list[tuple[str, str, list[str]]]:
    """``(file, module, names)`` of every import in ``package``'s source files."""
    found = []
    for path in sorted((REPO / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((str(path.relative_to(REPO)), node.module, [alias.name for alias in node.names]))
            elif isinstance(node, ast.Import):
                found.extend((str(path.relative_to(REPO)), alias.name, []) for alias in node.names)
    return found


def test_the_service_uses_only_the_public_surface():
    for path, module, names in _imports("registration_api"):
        if module.split(".")[0] == "storefront":
            assert module == "storefront", f"{path} imports the internal module {module}"
            assert set(names) <= set(storefront.__all__), f"{path} imports {names} from storefront"


def test_only_the_serve_command_ties_the_generator_to_the_service():
    tying = {path for path, module, _ in _imports("storefront") if module.split(".")[0] == "registration_api"}
    assert tying == {"storefront/commands/serve.py"}
