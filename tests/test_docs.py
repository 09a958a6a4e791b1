"""The documentation's relative links: every file and anchor they name exists in the
repository, and no doc points outside it (readers of the repository page have nothing else)."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def github_anchor(heading):
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page):
    return {github_anchor(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


def relative_links(page):
    return [target for target in LINK.findall(page.read_text())
            if not re.match(r"[a-z]+:", target)]  # http:, https:, mailto:


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve_inside_the_repository(page):
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_relative_to(REPO), f"{target} leaves the repository"
        assert resolved.exists(), f"{target}: no such file"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{target}: no heading with that anchor"


def test_github_anchor_matches_githubs_rule():
    assert github_anchor(" 1. Gates, circuits and the chain rule") == "1-gates-circuits-and-the-chain-rule"
    assert github_anchor("### `chainrule eval CHECKPOINT`".lstrip("#")) == "chainrule-eval-checkpoint"


def test_nothing_users_get_points_outside_the_repository():
    """The math lives in docs/math.md and data in chainrule's cache; the tests alone (conftest)
    may read the folder of shared files beside the repository."""
    for path in [*PAGES, *(REPO / "docs" / "tutorials").glob("*.py"), *(REPO / "src").rglob("*.py"),
                 *(REPO / "benchmarks").glob("*.py")]:
        text = path.read_text()
        for pointer in ("backprop-math", "math doc", "../shared", '"shared" / "data"', '"shared", "data"'):
            assert pointer not in text, f"{path.relative_to(REPO)} mentions {pointer!r}"
