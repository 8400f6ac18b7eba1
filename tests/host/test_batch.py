"""ipvlanctl -b: the grammar of a batch, the check before anything is sent,
stopping and -force, pipelining and the undo after a failure, against the
fake family (libipvlanctl/tests/fakegenl.c)."""
import json

import pytest

from conftest import VALGRIND, VG


@pytest.fixture
def batch(tmp_path, fake):
    """Write a batch file; run it with the fake family."""
    class Batch:
        path = tmp_path / "cmds.txt"

        def __call__(self, text, *opts, env=None, wrapper=()):
            self.path.write_text(text)
            fake.clear()
            return fake(*opts, "-b", self.path, env=env, wrapper=wrapper)

        def log(self):
            return fake.log()

    return Batch()


def test_comments_quotes_blank_lines(batch):
    p = batch("# a comment\n"
              "\n"
              "   \t\n"
              "port add eth0 mode l3   # the end of the line is a comment\n"
              "link add 'v0' port \"eth0\" mtu 1400\n"
              "link add v\\1 port eth0 #exist-ok\n"
              "addr replace ipvl1 '10.0.0.1'\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == p.stderr == ""
    assert batch.log() == ["port-new ifname=eth0 mode=1",
                           "link-new ifname=v0 port-ifname=eth0 mtu=1400",
                           "link-new ifname=v1 port-ifname=eth0",
                           "addr-replace link-ifname=ipvl1 "
                           "list={ ipv4=10.0.0.1 }"]


def test_empty_batch(batch):
    p = batch("")
    assert p.returncode == 0 and p.stdout == p.stderr == ""
    p = batch("# nothing\n\n")
    assert p.returncode == 0 and batch.log() == []


@pytest.mark.parametrize("text,line,msg", [
    ("port add eth0 mode l3\nport add eth1 mode l4\n", 2,
     'unknown mode "l4" (expected l2, l3 or l3s)'),
    ("info\n\n\nfrobnicate now\n", 4, 'unknown object "frobnicate"'),
    ("addr bind ipvl1 10.0.0.1\naddr bind ipvl1 10.0.0.300\n", 2,
     'invalid address "10.0.0.300"'),
    ("link add 'v0 port eth0\n", 1, "unterminated single quote"),
    ('link add "v0 port eth0\n', 1, "unterminated double quote"),
    ("-j port show\n", 1, '"-j": options go on the command line'),
    ("monitor\n", 1, "monitor: not available in a batch"),
    ("restore /etc/x\n", 1, "restore: not available in a batch"),
    ("link add v0 port eth0 netns ipvl-no-such-ns\n", 1,
     'cannot open network namespace "ipvl-no-such-ns"'),
    ("port show\nlink del\n", 2, "link del: missing NAME"),
])
def test_usage_error_sends_nothing(batch, text, line, msg):
    """Every line is checked before anything is sent."""
    p = batch(text)
    assert p.returncode == 1, p.stderr
    assert p.stderr == f"{batch.path}:{line}: {msg}\n" or \
        p.stderr.startswith(f"{batch.path}:{line}: {msg}"), p.stderr
    assert len(p.stderr.splitlines()) == 1
    assert p.stdout == ""
    assert batch.log() == []


def test_nul_byte(batch):
    p = batch("info\nin\0fo\n")
    assert p.returncode == 1
    assert p.stderr == f"{batch.path}:2: a NUL byte in the line\n"


def test_help_in_batch_prints_once(batch):
    p = batch("port help\nhelp\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("ipvlanctl port add DEV") == 2
    assert p.stdout.startswith("Usage: ipvlanctl port add")


def test_kernel_error_stops(batch):
    p = batch("port add eth0 mode l3\n"
              "port add busy0 mode l3\n"
              "port add eth1 mode l3\n")
    assert p.returncode == 2
    assert p.stderr == f"{batch.path}:2: Error: device is busy.\n"
    assert batch.log() == ["port-new ifname=eth0 mode=1",
                           "port-new ifname=busy0 mode=1"]


def test_force_goes_on(batch):
    p = batch("port add busy0 mode l3\n"
              "port add eth1 mode l4\n"
              "addr bind ipvl1 10.9.9.9 10.0.0.7\n"
              "port add eth1 mode l3\n", "-force")
    assert p.returncode == 2
    lines = p.stderr.splitlines()
    # the usage error first (the check), then the kernel's, in line order
    assert lines == [
        f'{batch.path}:2: unknown mode "l4" (expected l2, l3 or l3s)',
        f"{batch.path}:1: Error: device is busy.",
        f"{batch.path}:3: Error: address is bound to link ipvl2 (id 2) "
        "of this port."]
    # no probe, no undo: each address on its own
    assert batch.log() == ["port-new ifname=busy0 mode=1",
                           "addr-new link-ifname=ipvl1 ipv4=10.9.9.9",
                           "addr-new link-ifname=ipvl1 ipv4=10.0.0.7",
                           "port-new ifname=eth1 mode=1"]


def test_force_usage_errors_only_exit_1(batch):
    p = batch("port add eth0 mode l3\nlink frob\nport show eth1\n", "-force")
    assert p.returncode == 1
    assert p.stderr == (f'{batch.path}:2: link: unknown command "frob" '
                        '(try "ipvlanctl link help")\n')
    assert p.stdout.startswith("eth1: mode l2")
    assert batch.log() == ["port-new ifname=eth0 mode=1",
                           "port-get ifname=eth1"]


def test_binds_are_pipelined_and_probed(batch):
    """Binds to a link with bindings are probed, in the same send."""
    p = batch("addr bind ipvl1 10.0.0.7 fd00::7\n"
              "addr unbind ipvl1 10.0.0.8\n"
              "addr bind ipvl1 10.0.0.5\n"
              "port show eth1\n"
              "addr bind ipvl1 10.0.0.9\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("eth1:")
    assert batch.log() == [
        "link-get ifname=ipvl1",
        "addr-get link-ifname=ipvl1 ipv4=10.0.0.7",
        "addr-new link-ifname=ipvl1 ipv4=10.0.0.7",
        "addr-get link-ifname=ipvl1 ipv6=fd00::7",
        "addr-new link-ifname=ipvl1 ipv6=fd00::7",
        "addr-del link-ifname=ipvl1 ipv4=10.0.0.8",
        "addr-get link-ifname=ipvl1 ipv4=10.0.0.5",
        "addr-new link-ifname=ipvl1 ipv4=10.0.0.5",
        "port-get ifname=eth1",
        "link-get ifname=ipvl1",
        "addr-get link-ifname=ipvl1 ipv4=10.0.0.9",
        "addr-new link-ifname=ipvl1 ipv4=10.0.0.9"]


def test_failure_undoes_what_followed(batch):
    """Line 4 fails: 5 and 6 were applied in the same window and are
    undone, the unbind by binding again; line 3's bind found the address
    (the probe says so) and is not a change; lines 1-2 stay."""
    p = batch("addr bind ipvl1 10.0.0.7\n"
              "addr unbind ipvl1 10.0.0.8\n"
              "addr bind ipvl1 10.0.0.5\n"
              "addr bind ipvl1 10.0.0.11 10.9.9.9\n"
              "addr unbind ipvl1 10.0.0.12\n"
              "addr bind ipvl1 10.0.0.5 10.0.0.13\n")
    assert p.returncode == 2
    assert p.stderr == (f"{batch.path}:4: Error: address is bound to link "
                        "ipvl2 (id 2) of this port.\n")
    log = batch.log()
    sent = log[:log.index("addr-new link-ifname=ipvl1 ipv4=10.0.0.13") + 1]
    assert len(sent) == 1 + 2 + 1 + 2 + 4 + 1 + 4
    assert log[len(sent):] == ["addr-del link-id=1 ipv4=10.0.0.13",
                               "addr-new link-ifname=ipvl1 ipv4=10.0.0.12",
                               "addr-del link-id=1 ipv4=10.0.0.11"]


def test_tracked_link_needs_no_probe(batch):
    """A link without bindings when first seen is tracked: no probe, and
    the undo still knows which binds found their address."""
    p = batch("addr bind fresh0 10.0.0.7\n"
              "addr bind fresh0 10.9.9.9\n"
              "addr bind fresh0 10.0.0.7 10.0.0.8\n")
    assert p.returncode == 2
    assert batch.log() == ["link-get ifname=fresh0",
                           "addr-new link-ifname=fresh0 ipv4=10.0.0.7",
                           "addr-new link-ifname=fresh0 ipv4=10.9.9.9",
                           "addr-new link-ifname=fresh0 ipv4=10.0.0.7",
                           "addr-new link-ifname=fresh0 ipv4=10.0.0.8",
                           "addr-del link-id=90 ipv4=10.0.0.8"]


def test_other_lines_end_tracking(batch):
    p = batch("addr bind fresh0 10.0.0.7\n"
              "info\n"
              "addr bind fresh0 10.0.0.8\n")
    assert p.returncode == 0, p.stderr
    assert [l for l in batch.log() if l.startswith("link-get")] == \
        ["link-get ifname=fresh0", "link-get ifname=fresh0"]


def test_stdin(fake):
    p = fake("-b", "-", input="port add eth0 mode l3\nport add busy0 mode l2\n")
    assert p.returncode == 2
    assert p.stderr == "<stdin>:2: Error: device is busy.\n"
    p = fake("-b", "-", input="port frob\n")
    assert p.returncode == 1
    assert p.stderr.startswith('<stdin>:1: port: unknown command "frob"')


def test_warning_names_the_line(batch):
    """(Binds are sent without NLM_F_ACK in a batch: a warning the kernel
    would attach to their success is not received.)"""
    p = batch("info\nport add warn0 mode l3\naddr bind warn0 10.0.0.1\n"
              "link add warn0 port eth0\n")
    assert p.returncode == 0, p.stderr
    assert p.stderr == (f"{batch.path}:2: Warning: fake warning.\n"
                        f"{batch.path}:4: Warning: fake warning.\n")


def test_family_missing(batch):
    p = batch("help\naddr bind ipvl1 10.0.0.1\n",
              env={"FAKEGENL_NOFAMILY": "1"})
    assert p.returncode == 2
    assert p.stderr == (f'{batch.path}:2: Error: the generic netlink family '
                        '"ipvl" does not exist (is the ipvl module '
                        'available?).\n')


def test_json_one_document_per_line(batch):
    p = batch("port show\nlink show port eth1\naddr bind ipvl1 10.0.0.1\n"
              "info\n", "-j")
    assert p.returncode == 0, p.stderr
    docs = [json.loads(l) for l in p.stdout.splitlines()]
    assert [list(d) for d in docs] == [["ports"], ["links"], ["info"]]
    assert docs[1] == {"links": []}


def test_many_lines(batch):
    """More requests than a window (104 with this receive buffer) and than
    the queue holds at once: all sent, in order."""
    n = 70000
    text = "".join(f"addr bind fresh1 10.{i >> 16}.{(i >> 8) & 255}."
                   f"{i & 255}\n" for i in range(1, n + 1))
    p = batch(text)
    assert p.returncode == 0, p.stderr
    log = batch.log()
    binds = [l for l in log if l.startswith("addr-new")]
    assert len(binds) == n
    assert binds[-1] == "addr-new link-ifname=fresh1 ipv4=10.1.17.112"
    # the queue is sent when full (65536), the link looked up each time
    assert log.count("link-get ifname=fresh1") == 2


@pytest.mark.skipif(not VALGRIND, reason="valgrind missing")
@pytest.mark.parametrize("text,opts,code", [
    ("port add eth0 mode l3\naddr bind ipvl1 10.0.0.7 fd00::7\n"
     "addr bind ipvl1 10.9.9.9\naddr unbind ipvl1 10.0.0.8\nport show\n",
     (), 2),
    ("addr bind fresh0 10.0.0.7\naddr bind fresh0 10.9.9.9 10.0.0.8\n"
     "link show\n", ("-force", "-j"), 2),
    ("port frob\nlink add 'x\n", ("-force",), 1),
    ("save\ninfo\n", (), 0),
])
def test_valgrind(batch, text, opts, code):
    p = batch(text, *opts, wrapper=VG)
    assert p.returncode == code, p.stderr
    assert "==" not in p.stderr, p.stderr
