#!/usr/bin/python3
"""Run one command inside a throwaway QEMU (TCG) guest on a Debian kernel.

    tests/vm/vm.py --kernel 6.1 -- CMD [ARGS...]

The guest's root file system is the host's / (virtio-9p, read-only) with
fresh tmpfs mounts over /tmp, /run, /var/tmp and /root, the kernel's own
module tree over /lib/modules, and this checkout mounted read-write at the
same absolute path as on the host. CMD runs as root in the checkout (or in
the current directory when that is inside it), its output goes to the serial
console, which is streamed here and kept in .vm/console-KERNEL.log. The exit
status of CMD comes back on a second serial port and becomes ours. A guest
that panics, dies, hangs past --timeout or reports nothing makes us exit 125.

See tests/vm/README.md. Standard library only.
"""

import argparse
import fcntl
import gzip
import hashlib
import lzma
import os
import re
import select
import shlex
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))  # the checkout (tests/vm/..)
KERNELS_SH = os.path.join(TOP, "scripts", "kernels.sh")
CACHE_ROOT = os.environ.get("IPVL_CACHE", "/var/cache/ipvlanctl")
BUSYBOX = "/bin/busybox"
QEMU = "qemu-system-x86_64"
QBOOT = "/usr/share/qemu/qboot.rom"  # a minimal firmware: faster than SeaBIOS

VM_FAIL = 125  # the VM itself failed: no status from the guest command
STATUS_RE = re.compile(rb"IPVL-VM-STATUS (\d+)")
START_MARK = b"vm: running command"
# run_qemu()'s reason when the guest did not get as far as START_MARK
NO_BOOT = "no boot"

# Kernel modules needed to mount the 9p root; their dependencies are added
# from modules.dep, and those built into the kernel are skipped.
ROOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p"]

# Applets the initramfs scripts use, as symlinks to the static busybox.
APPLETS = ["sh", "mount", "mkdir", "insmod", "cp", "switch_root", "cat",
           "echo", "sleep", "ls"]

# P9 mount options; msize 512000 keeps the number of round trips low.
P9_OPTS = "trans=virtio,version=9p2000.L,cache=loose,msize=512000"

# First stage, PID 1 in the initramfs (busybox sh): mount the host root and
# the checkout, then switch_root into it, so that the kernel's modprobe
# helper (/sbin/modprobe) and user namespaces work as on a real system.
INIT = r"""#!/bin/sh
export PATH=/bin
fail() {
	echo "vm-init: FAILED: $*"
	echo b >/proc/sysrq-trigger
	sleep 5
	exit 1
}
mount -t proc proc /proc
mount -t devtmpfs dev /dev
. /vm.conf
for m in $(cat /modules/order); do
	insmod "/modules/$m" || fail "insmod $m"
done
R=/newroot
mount -t 9p -o "@P9@,ro" hostroot $R || fail "mount hostroot"
mount -t proc proc $R/proc || fail "mount proc"
mount -t sysfs sys $R/sys || fail "mount sysfs"
mount -t devtmpfs dev $R/dev || fail "mount devtmpfs"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev shm $R/dev/shm
mount -t debugfs debugfs $R/sys/kernel/debug ||
	echo "vm-init: debugfs not mounted (the debug kernel's suite fails)"
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup
# The kernel's modules (before the tmpfs mounts: the cache may be in /tmp).
if [ -n "$VM_MODULES" ]; then
	mount --bind "$R$VM_MODULES" "$R$VM_MODULES_AT" ||
		fail "bind $VM_MODULES on $VM_MODULES_AT"
fi
mount -t tmpfs -o mode=1777,nosuid,nodev tmp $R/tmp || fail "mount /tmp"
mount -t tmpfs -o mode=1777,nosuid,nodev vartmp $R/var/tmp
mount -t tmpfs -o mode=755,nosuid,nodev run $R/run || fail "mount /run"
mount -t tmpfs -o mode=700 roothome $R/root
mkdir -p $R/run/vm "$R$VM_WORK"
cp /vm.conf /stage2.sh $R/run/vm/ || fail "copy stage2"
mount -t 9p -o "@P9@" work "$R$VM_WORK" || fail "mount work on $VM_WORK"
exec switch_root $R /bin/sh /run/vm/stage2.sh
fail "switch_root"
"""

# Second stage, PID 1 in the real root (the host's /bin/sh, i.e. dash).
STAGE2 = r"""#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
. /run/vm/vm.conf
# Console: warnings (level 4) and worse; panics are always shown.
echo 5 >/proc/sys/kernel/printk
echo ipvl-vm >/proc/sys/kernel/hostname
ip link set lo up
cd "$VM_CWD" || cd "$VM_WORK"
read -r up _ </proc/uptime
echo "@START@ (guest uptime ${up}s): $VM_ARGV"
eval "set -- $VM_ARGV"
(exec "$@") </dev/null
rc=$?
sync
echo "IPVL-VM-STATUS $rc" >/dev/ttyS1
echo b >/proc/sysrq-trigger
sleep 10
"""


def log(msg):
    sys.stderr.write("vm.py: %s\n" % msg)
    sys.stderr.flush()


def die(msg, code=VM_FAIL):
    log("error: " + msg)
    sys.exit(code)


# ---------------------------------------------------------------- kernel --

def is_abi(name):
    return re.match(r"^\d+\.\d+[.\d]*[-+]", name) is not None


def kernel_from_cache(kernel):
    """Resolve/fetch a Debian kernel; returns (abi, cache dir)."""
    try:
        out = subprocess.run([KERNELS_SH, "fetch", kernel], check=True,
                             stdout=subprocess.PIPE).stdout
    except subprocess.CalledProcessError as e:
        die("scripts/kernels.sh fetch %s failed (%d)" % (kernel, e.returncode))
    kdir = out.decode().strip().splitlines()[-1]
    return os.path.basename(kdir), kdir


def kernel_from_dir(kdir, kernel):
    """A kernel tree given with --kernel-dir: boot/ and lib/modules/ABI."""
    mods = os.path.join(kdir, "lib", "modules")
    if is_abi(kernel):
        return kernel
    abis = sorted(os.listdir(mods)) if os.path.isdir(mods) else []
    if len(abis) != 1:
        die("--kernel-dir %s: cannot tell the ABI from %s (%s); "
            "give --kernel ABI" % (kdir, mods, abis or "missing"))
    return abis[0]


def modname(path):
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", base)
    return base.replace("-", "_")


def module_closure(moddir, roots):
    """Module files to insmod, dependencies first; [] for built-ins."""
    dep_file = os.path.join(moddir, "modules.dep")
    builtin = set()
    try:
        with open(os.path.join(moddir, "modules.builtin")) as f:
            builtin = {modname(line.strip()) for line in f if line.strip()}
    except OSError:
        pass
    deps = {}
    paths = {}
    try:
        with open(dep_file) as f:
            for line in f:
                mod, _, rest = line.partition(":")
                name = modname(mod)
                paths[name] = mod
                deps[name] = [modname(d) for d in rest.split()]
    except OSError:
        log("no %s: assuming the 9p stack is built in" % dep_file)
        return []
    order = []
    seen = set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name in builtin:
            return
        if name not in paths:
            log("module %s neither in modules.dep nor built in; "
                "assuming built in" % name)
            return
        for d in deps[name]:
            visit(d)
        order.append(os.path.join(moddir, paths[name]))

    for r in roots:
        visit(r.replace("-", "_"))
    return order


def read_module(path):
    if path.endswith(".xz"):
        with lzma.open(path) as f:
            return f.read()
    if path.endswith(".gz"):
        with gzip.open(path) as f:
            return f.read()
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout
    with open(path, "rb") as f:
        return f.read()


def elf_has_pvh_note(data):
    """Is data a 64-bit ELF with XEN_ELFNOTE_PHYS32_ENTRY (PVH boot)?"""
    if data[:5] != b"\x7fELF\x02":
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        ptype, _, off, _, _, filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if ptype != 4:  # PT_NOTE
            continue
        pos, end = off, off + filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            name = data[pos + 12:pos + 12 + namesz]
            if name.rstrip(b"\0") == b"Xen" and ntype == 18:
                return True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def pvh_kernel(bzimage):
    """The uncompressed ELF vmlinux inside a bzImage, cached, or None.

    QEMU boots it directly through its PVH entry point, which saves the
    in-guest decompression: about 3 s of the boot under TCG."""
    st = os.stat(bzimage)
    key = hashlib.sha256(("%s %d %d" % (os.path.realpath(bzimage), st.st_size,
                                        st.st_mtime_ns)).encode())
    cdir = os.path.join(CACHE_ROOT, "vmlinux")
    path = os.path.join(cdir, "%s-%s.elf" % (os.path.basename(bzimage),
                                             key.hexdigest()[:16]))
    if os.path.exists(path):
        return path
    with open(bzimage, "rb") as f:
        img = f.read()
    if elf_has_pvh_note(img):
        return bzimage  # already a vmlinux
    if img[0x202:0x206] != b"HdrS" or struct.unpack_from("<H", img,
                                                         0x206)[0] < 0x208:
        return None
    setup = img[0x1F1] or 4
    off, length = struct.unpack_from("<II", img, 0x248)
    start = (setup + 1) * 512 + off
    payload = img[start:start + length - 4]  # minus the appended size
    try:
        if payload[:6] == b"\xfd7zXZ\0":
            elf = lzma.decompress(payload)
        elif payload[:2] == b"\x1f\x8b":
            elf = gzip.decompress(payload)
        elif payload[:4] == b"\x28\xb5\x2f\xfd" and shutil.which("zstd"):
            elf = subprocess.run(["zstd", "-dcq"], input=payload, check=True,
                                 stdout=subprocess.PIPE).stdout
        else:
            return None
    except (lzma.LZMAError, OSError, EOFError,
            subprocess.CalledProcessError) as e:
        log("cannot unpack %s (%s); booting it compressed" % (bzimage, e))
        return None
    if not elf_has_pvh_note(elf):
        return None
    try:
        os.makedirs(cdir, exist_ok=True)
        prefix = os.path.basename(bzimage) + "-"
        for old in os.listdir(cdir):
            if old.startswith(prefix) and old.endswith(".elf"):
                os.unlink(os.path.join(cdir, old))
        tmp = "%s.%d" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(elf)
        os.rename(tmp, path)
    except OSError as e:
        log("cannot cache the vmlinux in %s: %s" % (cdir, e))
        return None
    return path


# ------------------------------------------------------------- initramfs --

class Cpio:
    """A newc cpio archive, as the kernel unpacks into its rootfs."""

    def __init__(self):
        self.parts = []
        self.ino = 1000

    def add(self, name, mode, data=b"", rdev=(0, 0)):
        self.ino += 1
        nb = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(nb), 0]
        hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.parts.append(hdr + nb)
        self._pad()
        self.parts.append(data)
        self._pad()

    def _pad(self):
        n = sum(len(p) for p in self.parts)
        self.parts.append(b"\0" * (-n % 4))

    def dir(self, name):
        self.add(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self.add(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self.add(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, mode=0o600):
        self.add(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def bytes(self):
        self.parts.append(b"")
        self.add("TRAILER!!!", 0)
        return b"".join(self.parts)


def init_scripts():
    init = INIT.replace("@P9@", P9_OPTS)
    stage2 = STAGE2.replace("@START@", START_MARK.decode())
    return init, stage2


def base_initramfs(abi, moddir):
    """The cached part: busybox, the 9p modules and the two scripts."""
    init, stage2 = init_scripts()
    mods = module_closure(moddir, ROOT_MODULES) if moddir else []
    key = hashlib.sha256()
    key.update(abi.encode() + b"\0" + init.encode() + stage2.encode())
    for p in [BUSYBOX] + mods:
        st = os.stat(p)
        key.update(("%s %d %d\n" % (p, st.st_size, st.st_mtime_ns)).encode())
    cdir = os.path.join(CACHE_ROOT, "initramfs")
    path = os.path.join(cdir, "%s-%s.cpio" % (abi, key.hexdigest()[:16]))
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read(), mods
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "newroot", "modules"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)
    with open(BUSYBOX, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    for a in APPLETS:
        c.symlink("bin/" + a, "busybox")
    names = []
    for i, m in enumerate(mods):
        n = "%02d-%s.ko" % (i, modname(m))
        c.file("modules/" + n, read_module(m))
        names.append(n)
    c.file("modules/order", ("\n".join(names) + "\n").encode())
    c.file("init", init.encode(), 0o755)
    c.file("stage2.sh", stage2.encode(), 0o755)
    data = c.bytes()
    try:
        os.makedirs(cdir, exist_ok=True)
        for old in os.listdir(cdir):
            if old.startswith(abi + "-") and old.endswith(".cpio"):
                os.unlink(os.path.join(cdir, old))
        tmp = "%s.%d" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, path)
    except OSError as e:
        log("cannot cache the initramfs in %s: %s" % (cdir, e))
    return data, mods


def run_conf(abi, modsrc, argv, env):
    """The per-run part of the initramfs: /vm.conf, sourced by both stages."""
    q = shlex.quote
    work = os.path.realpath(TOP)
    cwd = os.path.realpath(os.getcwd())
    if not (cwd == work or cwd.startswith(work + "/")):
        cwd = work
    lines = [
        "VM_ABI=%s" % q(abi),
        "VM_WORK=%s" % q(work),
        "VM_CWD=%s" % q(cwd),
        "VM_MODULES=%s" % q(modsrc or ""),
        "VM_MODULES_AT=%s" % q(os.path.realpath("/lib/modules")),
        "VM_ARGV=%s" % q(" ".join(q(a) for a in argv)),
    ]
    for k, v in env:
        lines.append("export %s=%s" % (k, q(v)))
    c = Cpio()
    c.file("vm.conf", ("\n".join(lines) + "\n").encode())
    return c.bytes()


# ------------------------------------------------------------------ run --

def qemu_cmd(args, bzimage, initrd, status):
    p9 = "security_model=none,multidevs=remap"
    cmdline = " ".join([
        "console=ttyS0", "quiet", "loglevel=4", "panic=-1", "oops=panic"
        if args.oops_panic else "", "8250.nr_uarts=2", "tsc=reliable",
        "no_timer_check", "random.trust_cpu=on",
        # Boot time under TCG: the crypto self-tests cost ~0.7 s.
        "cryptomgr.notests", "mitigations=off",
        # the suite reads every kernel log record (tests/kernel/conftest.py)
        # and fails when some were overwritten before it read them
        "log_buf_len=4M",
        args.append or "",
    ]).split()
    return [
        QEMU, "-machine", "pc,accel=tcg", "-cpu", args.cpu,
        "-m", str(args.mem), "-smp", str(args.smp),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-nic", "none",
    ] + (["-bios", QBOOT] if args.qboot and os.path.exists(QBOOT) else []) + [
        "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
        "-serial", "file:" + status,
        "-fsdev", "local,id=hostroot,path=/,readonly=on," + p9,
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", "local,id=work,path=%s,%s" % (os.path.realpath(TOP), p9),
        "-device", "virtio-9p-pci,fsdev=work,mount_tag=work",
        # a physical NIC (virtio_net, once loaded), on a hub with nothing
        # else: the tests' stand-in for a real host's NIC, no traffic
        "-netdev", "hubport,id=nic0,hubid=0",
        "-device", "virtio-net-pci,netdev=nic0,mac=52:54:00:12:34:56",
        "-kernel", bzimage, "-initrd", initrd,
        "-append", " ".join(cmdline),
    ] + [a for extra in args.qemu_arg for a in shlex.split(extra)]


def tail(path, n=60):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def open_console_log(vmdir, tag):
    """.vm/console-TAG.log, locked while we write it; a concurrent run on
    the same kernel gets .vm/console-TAG.PID.log instead."""
    path = os.path.join(vmdir, "console-%s.log" % tag)
    f = open(path, "ab")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        path = os.path.join(vmdir, "console-%s.%d.log" % (tag, os.getpid()))
        f = open(path, "ab")
    f.truncate(0)
    return path, f


class Stop(Exception):
    pass


def on_signal(signum, _frame):
    raise Stop("killed by signal %d" % signum)


def run_qemu(cmd, logf, deadline, timeout, t0, quiet, boot_timeout):
    """Run QEMU until the monotonic deadline (the end of --timeout, which
    bounds all boot attempts together), streaming the console; returns
    (exit, boot s, reason). reason is NO_BOOT when the guest's command had
    not started within boot_timeout seconds."""
    out = sys.stdout.buffer
    boot = None
    reason = None
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, start_new_session=True)
    started = time.monotonic()
    seen = b""
    with logf:
        try:
            while True:
                now = time.monotonic()
                left = deadline - now
                if left <= 0:
                    reason = "timeout after %d s (--timeout)" % timeout
                    break
                if boot is None and now - started > boot_timeout:
                    reason = NO_BOOT
                    break
                r, _, _ = select.select([proc.stdout], [], [], min(left, 1))
                if not r:
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                chunk = chunk.replace(b"\r", b"")
                logf.write(chunk)
                logf.flush()
                if not quiet:
                    out.write(chunk)
                    out.flush()
                if boot is None:
                    seen = (seen + chunk)[-4096:]
                    if START_MARK in seen:
                        boot = time.monotonic() - t0
        except KeyboardInterrupt:
            reason = "interrupted"
        except Stop as e:
            reason = str(e)
        finally:
            if proc.poll() is None and reason:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
    return rc, boot, reason


def parse_args(argv):
    if "--" in argv:
        i = argv.index("--")
        opts, cmd = argv[:i], argv[i + 1:]
    else:
        opts, cmd = argv, []
    p = argparse.ArgumentParser(
        prog="tests/vm/vm.py",
        usage="%(prog)s --kernel {6.1|6.12|ABI} [options] -- CMD [ARGS...]",
        description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", required=True,
                   help="kernel series (6.1, 6.12) or full Debian ABI")
    p.add_argument("--timeout", type=int, default=1500,
                   help="seconds from our start before QEMU is killed, "
                        "boot retries included (default 1500)")
    p.add_argument("--boot-timeout", type=int, default=150,
                   help="seconds for the guest to start the command "
                        "(default 150)")
    p.add_argument("--boot-retries", type=int, default=1,
                   choices=range(0, 4), metavar="N",
                   help="boots again after a boot timeout, N times at most "
                        "(0-3, default 1), within --timeout")
    p.add_argument("--mem", type=int, default=2048, help="MiB (2048)")
    p.add_argument("--smp", type=int, default=2, help="vCPUs (2)")
    p.add_argument("--kernel-dir",
                   help="use this tree (boot/, lib/modules/ABI) instead of "
                        "a fetched Debian kernel")
    p.add_argument("--bzimage", help="kernel image to boot (default: "
                   "boot/vmlinuz-ABI of the kernel tree)")
    p.add_argument("--cpu", default="max", help="QEMU CPU model (max)")
    p.add_argument("--append", default="", help="extra kernel cmdline")
    p.add_argument("--qemu-arg", action="append", default=[], metavar="ARGS",
                   help="extra QEMU arguments (e.g. '-icount shift=0,sleep=off')")
    p.add_argument("--env", action="append", default=[], metavar="K=V",
                   help="set K=V in the guest (IPVL_* and CI are passed "
                        "through anyway)")
    p.add_argument("--quiet", action="store_true",
                   help="do not stream the console (still logged)")
    p.add_argument("--oops-panic", action="store_true",
                   help="boot with oops=panic")
    p.add_argument("--no-qboot", dest="qboot", action="store_false",
                   help="boot with SeaBIOS instead of qboot")
    p.add_argument("--no-pvh", dest="pvh", action="store_false",
                   help="boot the compressed bzImage, not the vmlinux in it")
    a = p.parse_args(opts)
    if not cmd:
        p.error("no command given (put it after --)")
    a.cmd = cmd
    return a


def main(argv):
    t0 = time.monotonic()
    args = parse_args(argv)
    # QEMU runs in its own session: take it down with us when we are
    # stopped (timeout(1), CI cancelling the job, a closed terminal).
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    if shutil.which(QEMU) is None:
        die("%s not found (run scripts/deps.sh)" % QEMU)
    if args.kernel_dir:
        kdir = os.path.realpath(args.kernel_dir)
        abi = kernel_from_dir(kdir, args.kernel)
    else:
        abi, kdir = kernel_from_cache(args.kernel)
        kdir = os.path.realpath(kdir)
    bzimage = args.bzimage or os.path.join(kdir, "boot", "vmlinuz-" + abi)
    if not os.path.isfile(bzimage):
        die("no kernel image %s" % bzimage)
    if args.pvh:
        bzimage = pvh_kernel(bzimage) or bzimage
    moddir = os.path.join(kdir, "lib", "modules", abi)
    try:  # the guest mounts the module tree there
        os.makedirs("/lib/modules", exist_ok=True)
    except OSError:
        pass
    if not os.path.isdir(moddir):
        log("no module tree %s: the guest keeps the host's /lib/modules"
            % moddir)
        moddir = None

    env = [(k, v) for k, v in sorted(os.environ.items())
           if k.startswith("IPVL_") or k == "CI"]
    for kv in args.env:
        k, sep, v = kv.partition("=")
        if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k):
            die("bad --env %r" % kv, 2)
        env.append((k, v))

    base, _ = base_initramfs(abi, moddir)
    vmdir = os.path.join(TOP, ".vm")
    os.makedirs(vmdir, exist_ok=True)
    tag = re.sub(r"[^A-Za-z0-9._+-]", "_", args.kernel)
    console_log, logf = open_console_log(vmdir, tag)
    tmpdir = tempfile.mkdtemp(prefix="ipvl-vm-")
    try:
        initrd = os.path.join(tmpdir, "initrd.cpio")
        status = os.path.join(tmpdir, "status")
        with open(initrd, "wb") as f:
            f.write(base)
            modsrc = os.path.realpath(os.path.dirname(moddir)) if moddir else ""
            f.write(run_conf(abi, modsrc, args.cmd, env))
        cmd = qemu_cmd(args, bzimage, initrd, status)
        log("booting %s (%s), prepared in %.1f s; console log %s"
            % (abi, bzimage, time.monotonic() - t0,
               os.path.relpath(console_log)))
        # A guest has, rarely, hung early in boot with nothing on the
        # console and no CPU use (the debug kernel, under TCG, with three
        # other guests running): boot it again, while --timeout, which
        # bounds the attempts together (from our start), leaves a
        # --boot-timeout for it.
        deadline = t0 + args.timeout
        for attempt in range(args.boot_retries + 1):
            qrc, boot, reason = run_qemu(cmd, logf, deadline, args.timeout,
                                         t0, args.quiet, args.boot_timeout)
            if reason != NO_BOOT or attempt == args.boot_retries:
                break
            if deadline - time.monotonic() < args.boot_timeout:
                log("%s: no boot within %d s, and no time left for another "
                    "boot in --timeout %d s" % (abi, args.boot_timeout,
                                               args.timeout))
                break
            log("%s: no boot within %d s (console log %s): booting again"
                % (abi, args.boot_timeout, os.path.relpath(console_log)))
            console_log, logf = open_console_log(vmdir, tag)
        if reason == NO_BOOT:
            reason = "no boot within %d s" % args.boot_timeout
        try:
            with open(status, "rb") as f:
                m = STATUS_RE.search(f.read())
        except OSError:
            m = None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    total = time.monotonic() - t0
    if reason is None and m is not None:
        rc = int(m.group(1))
        log("%s: command exited %d; boot %s s, total %.1f s"
            % (abi, rc, "%.1f" % boot if boot else "?", total))
        return rc
    if reason is None:
        reason = ("QEMU exited %d without a status from the guest "
                  "(panic, crash or init failure)" % qrc)
    sys.stdout.flush()
    log("VM FAILED on %s: %s (after %.1f s). Last console lines:"
        % (abi, reason, total))
    sys.stderr.write(tail(console_log) + "\n")
    log("VM FAILED on %s: %s" % (abi, reason))
    return VM_FAIL


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
