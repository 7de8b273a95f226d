"""Packaging: metadata in setup.cfg; here only the build step that compiles the catalogs."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def compile_catalogs(translations):
    """Write a .mo file beside each .po file under `translations` (Babel's compiler)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(Path(translations).glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


class BuildPyWithCatalogs(build_py):
    """build_py, then the compiled catalogs in the built package (the .mo files are build
    output, not kept in git): without them an installed portal is English only."""

    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):
            compile_catalogs(Path(self.build_lib) / "portal" / "translations")

    def get_outputs(self, include_bytecode=True):
        built = Path(self.build_lib) / "portal" / "translations"
        catalogs = [str(po.with_suffix(".mo")) for po in built.glob("*/LC_MESSAGES/*.po")]
        return super().get_outputs(include_bytecode) + catalogs


setup(cmdclass={"build_py": BuildPyWithCatalogs})
