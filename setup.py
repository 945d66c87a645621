"""Maps the top-level ``rules/`` and ``runner/`` folders into the ``sftlint`` package.

The project keeps its rule families and training runner beside the engine, while users import one
package: ``sftlint.rules`` and ``sftlint.runner``. Metadata lives in pyproject.toml.
"""

from setuptools import find_packages, setup

MAPPED = {"sftlint.rules": "rules", "sftlint.runner": "runner"}

packages = find_packages(include=["sftlint", "sftlint.*"])
package_dir = {"sftlint": "sftlint"}
for name, folder in MAPPED.items():
    for sub in find_packages(include=[folder, f"{folder}.*"]):
        packages.append(name + sub[len(folder):])
    package_dir[name] = folder

setup(packages=packages, package_dir=package_dir)
