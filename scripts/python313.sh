#!/usr/bin/env bash
# A second Python for CI: CPython 3.13 from Debian 13's packages, then .venv313 with the linter and
# the test tools (no training stack: the tests that need torch skip there). Idempotent.
#
# The machine runs Debian 12, whose only Python is 3.11. Debian 13's python3.13 needs its newer C
# library, so the packages are unpacked (never installed) into .python3.13/ with a private package
# list, and the interpreter is re-linked with patchelf to the unpacked C library: nothing else on
# the system changes. Needs apt-get, dpkg-deb and patchelf (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.python3.13"
python="$root/usr/bin/python3.13"
libs="$root/usr/lib/x86_64-linux-gnu"

if [ ! -x "$python" ] || ! "$python" -c "import ssl, sqlite3" 2>/dev/null; then
  command -v patchelf >/dev/null || { apt-get update -qq && apt-get install -y -qq patchelf >/dev/null; }
  apt_dir="$root.apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  echo "deb http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
  apt=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
       -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${apt[@]}" -qq update
  # the interpreter, its standard library, and the libraries they link against, from the same release
  (cd "$apt_dir/debs" && apt-get "${apt[@]}" -qq download \
    python3.13 python3.13-minimal libpython3.13-minimal libpython3.13-stdlib python3-pip-whl \
    libc6 libssl3t64 libffi8 libexpat1 zlib1g libsqlite3-0 libncursesw6 libtinfo6 libreadline8t64 \
    libdb5.3t64 libbz2-1.0 liblzma5 libuuid1 libmpdec4 libzstd1)
  rm -rf "$root" && mkdir -p "$root"
  for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
  patchelf --set-interpreter "$libs/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libs" "$python"
  rm -rf "$apt_dir"
fi
"$python" -c "import ssl, sqlite3, ctypes, decimal, lzma, bz2" # a broken unpack stops here

venv=.venv313
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv --without-pip "$venv"
  # Debian's ensurepip looks for the pip wheel under /usr/share; take it from the unpacked one
  wheel=$(ls "$root"/usr/share/python-wheels/pip-*.whl)
  "$venv/bin/python" "$wheel/pip" install -q --disable-pip-version-check --no-index "$wheel"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install setuptools -e ".[test]"  # setuptools: tests build a plugin package without isolation
