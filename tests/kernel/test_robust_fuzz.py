"""The family's policy as the kernel reports it (CTRL_CMD_GETPOLICY) matches
the YAML spec, and the policy-driven fuzzer (tests/fuzz/genl_fuzz.py) finds
no violation, no splat, and leaves a module that unloads.

IPVL_FUZZ_SECONDS (default 120 on the debug kernel, 20 elsewhere; 0 skips)
and IPVL_FUZZ_SEED (default 1; "random" draws one, printed) control the
run."""
import os
import subprocess
import sys

import pytest

from conftest import (DEBUG_KERNEL, REPO, SPEC, load_module, module_loaded,
                      run_seed)
import ipvlnl as nl

FUZZ = REPO / "tests" / "fuzz" / "genl_fuzz.py"

TYPES = {"u8": "U8", "u16": "U16", "u32": "U32", "u64": "U64", "s32": "S32",
         "string": "NUL_STRING", "flag": "FLAG", "binary": "BINARY",
         "nest": "NESTED"}


def spec_policies():
    """{(cmd, "do"|"dump"): {attr id: expected policy}} from the spec."""
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(SPEC.read_text())
    enums = {d["name"]: d for d in spec["definitions"]}
    sets = {s["name"]: s for s in spec["attribute-sets"]}

    def attr_ids(aset):
        s = sets[aset]
        if "subset-of" in s:
            return attr_ids(s["subset-of"])
        return {a["name"]: i for i, a in enumerate(s["attributes"], 1)}

    def describe(aset, name):
        s = sets[aset]
        full = sets[s.get("subset-of", aset)]
        a = next(x for x in full["attributes"] if x["name"] == name)
        d = {"type": TYPES[a["type"]]}
        chk = a.get("checks", {})
        if "min" in chk:
            d["min"] = chk["min"]
        if "max" in chk:
            d["max"] = chk["max"]
        if "max-len" in chk:
            d["max_len"] = chk["max-len"]
        if "exact-len" in chk:
            d["min_len"] = d["max_len"] = chk["exact-len"]
        if "flags-mask" in chk:
            e = enums[chk["flags-mask"]]
            d["mask"] = (1 << len(e["entries"])) - 1
        return d

    out = {}
    for cmd, op in enumerate(spec["operations"]["list"], 1):
        ids = attr_ids(op.get("attribute-set", "info")) \
            if "attribute-set" in op else {}
        for kind in ("do", "dump"):
            req = (op.get(kind) or {}).get("request") or {}
            if kind in op:
                out[(cmd, kind)] = {ids[n]: describe(op["attribute-set"], n)
                                    for n in req.get("attributes", [])}
    return out


def test_policy_matches_spec(ipvl):
    with nl.Genl() as g:
        fam = g.resolve()
        op_policy, policies = g.policies()
    want = spec_policies()
    problems = []
    for (cmd, kind), attrs in sorted(want.items()):
        if not fam["ops"].get(cmd, 0) & (nl.GENL_CMD_CAP_DO if kind == "do"
                                         else nl.GENL_CMD_CAP_DUMP):
            problems.append(f"cmd {cmd}: no {kind} in the kernel")
            continue
        idx = op_policy.get(cmd, {}).get(kind)
        got = policies.get(idx, {}) if idx is not None else {}
        for a, d in attrs.items():
            k = got.get(a)
            if k is None:
                problems.append(f"cmd {cmd} {kind}: attr {a} not accepted")
                continue
            for key, v in d.items():
                if key in ("min", "max") and key not in k:
                    problems.append(f"cmd {cmd} {kind} attr {a}: no {key}")
                elif key in k and k[key] != v:
                    problems.append(f"cmd {cmd} {kind} attr {a}: {key} "
                                    f"{k[key]} != spec {v}")
        extra = set(got) - set(attrs)
        # 6.1's genl_ops have one policy for do and dump: a dump may
        # accept the do attributes too, a do must take exactly the spec's
        if kind == "do" and extra:
            problems.append(f"cmd {cmd} do: accepts {sorted(extra)} "
                            "beyond the spec")
    for cmd in fam["ops"]:
        if not any(c == cmd for c, _ in want):
            problems.append(f"cmd {cmd}: not in the spec")
    assert not problems, "\n".join(problems)


def fuzz_seconds():
    v = os.environ.get("IPVL_FUZZ_SECONDS")
    if v is not None:
        return float(v)
    return 120.0 if DEBUG_KERNEL else 20.0


def test_genl_fuzz(ipvl, report):
    seconds = fuzz_seconds()
    if seconds <= 0:
        pytest.skip("IPVL_FUZZ_SECONDS=0")
    seed = run_seed("IPVL_FUZZ_SEED", 1)
    procs = int(os.environ.get("IPVL_FUZZ_PROCS", "3"))
    p = subprocess.run([sys.executable, str(FUZZ), "--seed", str(seed),
                        "--duration", str(seconds), "--procs", str(procs),
                        "--rmmod"], capture_output=True, text=True,
                       timeout=seconds + 1200)
    lines = [l for l in p.stdout.splitlines() if l.startswith("genl_fuzz:")]
    summary = lines[-1][len("genl_fuzz: "):] if lines else "no summary"
    report("fuzz: %s (IPVL_FUZZ_SEED=%d IPVL_FUZZ_SECONDS=%g to rerun)" %
           (summary, seed, seconds))
    for l in lines[-4:-1]:
        report("fuzz: " + l[len("genl_fuzz: "):])
    assert p.returncode == 0, (p.stdout[-6000:] + p.stderr[-4000:])
    assert not module_loaded(), "ipvl still loaded after the fuzzer's rmmod"
    load_module()
