"""Host tests of ipvlanctl and libipvlanctl: no kernel module needed.

The build is done once per session. Commands that need the kernel run
either against the real kernel (where the ipvl family does not exist) or
against fakegenl, an LD_PRELOAD stand-in for the family
(libipvlanctl/tests/fakegenl.c).
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "ipvlanctl" / "ipvlanctl"
LIBDIR = REPO / "libipvlanctl"
FAKE = LIBDIR / "tests" / "fakegenl.so"


def _make(*args):
    p = subprocess.run(["make", "-s", *args], cwd=REPO, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, f"make {' '.join(args)}:\n{p.stdout}{p.stderr}"


@pytest.fixture(scope="session", autouse=True)
def build():
    _make("-C", "libipvlanctl")
    _make("-C", "ipvlanctl")
    _make("-C", "libipvlanctl", "tests/fakegenl.so")


def _env(extra=None, fake=False):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FAKEGENL") and k != "LD_PRELOAD"}
    env["LC_ALL"] = "C"
    if fake:
        env["FAKEGENL"] = "1"
        env["LD_PRELOAD"] = str(FAKE)
    env.update(extra or {})
    return env


def run(*args, env=None, fake=False, wrapper=(), input=None):
    """Run the CLI; args are words, input the standard input (text)."""
    argv = [*wrapper, str(CLI), *[str(a) for a in args]]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=_env(env, fake), input=input,
                          stdin=None if input is not None else
                          subprocess.DEVNULL)


@pytest.fixture
def cli():
    return run


@pytest.fixture
def fake(tmp_path):
    """Run the CLI against fakegenl; .log() gives the decoded requests."""
    log = tmp_path / "requests.log"

    class Fake:
        def __call__(self, *args, env=None, wrapper=(), input=None):
            e = {"FAKEGENL_LOG": str(log)}
            e.update(env or {})
            return run(*args, env=e, fake=True, wrapper=wrapper, input=input)

        def log(self):
            if not log.exists():
                return []
            return [l for l in log.read_text().splitlines()
                    if not l.startswith("ctrl-getfamily")]

        def clear(self):
            if log.exists():
                log.unlink()

    return Fake()


VALGRIND = shutil.which("valgrind")
VG = ("valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
      "--errors-for-leak-kinds=all")


@pytest.fixture
def netns_name():
    """A named network namespace in /run/netns, when this host allows it."""
    name = f"ipvlhost{os.getpid()}"
    p = subprocess.run(["ip", "netns", "add", name], capture_output=True)
    if p.returncode != 0:
        pytest.skip("cannot create a network namespace here")
    yield name
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
