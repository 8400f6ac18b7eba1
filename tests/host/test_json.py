"""Every -j output, show commands and monitor events, against the JSON
Schema of tests/host/fixtures/ipvlanctl.schema.json (the shape documented
in ipvlanctl(8), JSON OUTPUT), on the fake family. test_cli.py and
test_monitor.py hold the exact fixtures."""
import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((Path(__file__).parent / "fixtures" /
                     "ipvlanctl.schema.json").read_text())

SHOWS = [
    ["port", "show"], ["port", "show", "eth1"], ["port"], ["port", "list"],
    ["link", "show"], ["link", "show", "id", "2"],
    ["link", "show", "port", "eth1"], ["link", "lst", "ipvl1"],
    ["addr", "show"], ["addr", "show", "ipvl1"],
    ["addr", "show", "port", "eth1"],
    ["stats", "show"], ["stats", "show", "link", "ipvl1"],
    ["stats", "show", "port", "eth0"], ["stats", "show", "addr", "fd00::5"],
    ["info"],
]


def validate(doc):
    jsonschema.validate(doc, SCHEMA)


@pytest.mark.parametrize("pretty", [False, True])
@pytest.mark.parametrize("stats", [False, True])
@pytest.mark.parametrize("args", SHOWS, ids=[" ".join(a) for a in SHOWS])
def test_show(fake, args, stats, pretty):
    opts = ["-j"] + (["-s"] if stats else []) + (["-p"] if pretty else [])
    p = fake(*opts, *args)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    validate(doc)
    if not pretty:
        assert p.stdout.count("\n") == 1
    objs = [o for k in ("ports", "links", "addrs") for o in doc.get(k, [])]
    want_stats = stats or args[0] == "stats"
    assert all(("stats" in o) == want_stats for o in objs)


@pytest.mark.parametrize("args", [[], ["port"], ["link"], ["addr"]])
@pytest.mark.parametrize("stats", [False, True])
def test_monitor_events(fake, args, stats):
    opts = ["-j"] + (["-s"] if stats else [])
    p = fake(*opts, "monitor", *args,
             env={"FAKEGENL_EVENTS_TERM": "1", "FAKEGENL_OVERRUN": "1"})
    assert p.returncode == 0, p.stderr
    events = [json.loads(l) for l in p.stdout.splitlines()]
    assert events and any(e["event"] == "lost" for e in events)
    for e in events:
        validate(e)


def test_batch_documents(fake, tmp_path):
    cmds = tmp_path / "cmds"
    cmds.write_text("\n".join(" ".join(a) for a in SHOWS) + "\n")
    p = fake("-j", "-b", cmds)
    assert p.returncode == 0, p.stderr
    docs = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(docs) == len(SHOWS)
    for d in docs:
        validate(d)


def test_schema_rejects(fake):
    """The schema is strict: an unknown key or a wrong type fails."""
    doc = json.loads(fake("-j", "link", "show").stdout)
    doc["links"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)
    with pytest.raises(jsonschema.ValidationError):
        validate({"event": "link-new", "port": {}})
    with pytest.raises(jsonschema.ValidationError):
        validate({"ports": [{"ifname": "eth0"}]})
