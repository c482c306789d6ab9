#!/usr/bin/env python3
"""Lets TorchSharp's native library load on systems whose libstdc++ predates GCC 13 (Debian 12).

libLibTorchSharp.so (TorchSharp 0.107.0) asks for the symbol version GLIBCXX_3.4.32, whose only symbol is
std::ios_base_library_init(), a GCC 13 artefact the library never needs at run time. Debian 12's libstdc++ stops at
GLIBCXX_3.4.30, so the dynamic loader refuses the library. Marking that one version requirement weak
(vna_flags = VER_FLG_WEAK in .gnu.version_r) turns the hard failure into a tolerated absence.

The script changes a file only when all of this holds, so it is safe to run after every build:
  - the file is a 64-bit little-endian ELF that needs GLIBCXX_3.4.32 from libstdc++.so.6 without the weak flag,
  - the libstdc++.so.6 the loader would pick does not define GLIBCXX_3.4.32 (a newer system is left alone).
Usage: weaken-glibcxx.py LIBRARY [LIBRARY...]   (prints one line per file; exit 0 unless a file is unreadable)
"""
import struct
import subprocess
import sys

VERSION = b"GLIBCXX_3.4.32"
VER_FLG_WEAK = 0x2
SHT_GNU_VERDEF = 0x6FFFFFFD
SHT_GNU_VERNEED = 0x6FFFFFFE


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        name, kind, _flags, _addr, offset, size, link, info, _align, _entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        yield {"type": kind, "offset": offset, "size": size, "link": link, "info": info}


def string_at(data, table, index):
    start = table["offset"] + index
    return data[start:data.index(b"\0", start)]


def needed_versions(data):
    """Yields (file, version name, offset of vna_flags, flags) for every version requirement."""
    secs = list(sections(data))
    for sec in secs:
        if sec["type"] != SHT_GNU_VERNEED:
            continue
        strtab = secs[sec["link"]]
        pos = sec["offset"]
        for _ in range(sec["info"]):
            _ver, cnt, file_name, aux, nxt = struct.unpack_from("<HHIII", data, pos)
            library = string_at(data, strtab, file_name)
            apos = pos + aux
            for _ in range(cnt):
                _hash, flags, _other, name, anext = struct.unpack_from("<IHHII", data, apos)
                yield library, string_at(data, strtab, name), apos + 4, flags
                apos += anext
            if nxt == 0:
                break
            pos += nxt


def defined_versions(data):
    secs = list(sections(data))
    for sec in secs:
        if sec["type"] != SHT_GNU_VERDEF:
            continue
        strtab = secs[sec["link"]]
        pos = sec["offset"]
        for _ in range(sec["info"]):
            _ver, _flags, _ndx, cnt, _hash, aux, nxt = struct.unpack_from("<HHHHIII", data, pos)
            if cnt:
                name, = struct.unpack_from("<I", data, pos + aux)
                yield string_at(data, strtab, name)
            if nxt == 0:
                break
            pos += nxt


def system_libstdcxx():
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("libstdc++.so.6 ") and "x86-64" in line and "=>" in line:
            return line.split("=>", 1)[1].strip()
    for path in ("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"):
        try:
            open(path, "rb").close()
            return path
        except OSError:
            continue
    return None


def main(paths):
    libstdcxx = system_libstdcxx()
    if libstdcxx is None:
        print("weaken-glibcxx: no libstdc++.so.6 found; nothing changed")
        return 0
    with open(libstdcxx, "rb") as f:
        if VERSION in set(defined_versions(f.read())):
            print(f"weaken-glibcxx: {libstdcxx} defines {VERSION.decode()}; nothing to do")
            return 0
    for path in paths:
        with open(path, "rb") as f:
            data = bytearray(f.read())
        hits = [(off, flags) for lib, name, off, flags in needed_versions(data)
                if lib.startswith(b"libstdc++.so") and name == VERSION]
        if not hits:
            print(f"weaken-glibcxx: {path} does not need {VERSION.decode()}; unchanged")
            continue
        if all(flags & VER_FLG_WEAK for _, flags in hits):
            print(f"weaken-glibcxx: {path} already marks {VERSION.decode()} weak; unchanged")
            continue
        for off, flags in hits:
            struct.pack_into("<H", data, off, flags | VER_FLG_WEAK)
        with open(path, "r+b") as f:
            f.write(data)
        print(f"weaken-glibcxx: marked {VERSION.decode()} weak in {path} ({libstdcxx} lacks it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
