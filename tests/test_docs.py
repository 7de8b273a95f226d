"""The repository's documentation links only to files a clone of the repository has."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "bench/README.md", "docs/PRODUCT.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def local_links(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:|#", target):
            continue  # a web address or an anchor on the same page
        yield target.split("#", 1)[0]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_names_a_file_inside_the_repository(document):
    for target in local_links(document):
        path = (ROOT / document).parent.joinpath(target).resolve()
        assert path.is_relative_to(ROOT), f"{document} links outside the repository: {target}"
        assert path.exists(), f"{document} links to a missing file: {target}"


def test_readme_links_to_the_product_contract_in_docs():
    assert "docs/PRODUCT.md" in set(local_links("README.md"))
