"""Which CPU features the int8 inference path runs on, as the operating system reports them.

ONNX Runtime picks its uint8 x int8 kernel from the CPU at run time. The ones that
matter for correctness differ in how they add products: VNNI and ARM's dot product
accumulate four products straight into int32, while VPMADDUBSW (AVX2, AVX512BW
without VNNI) adds pairs into a saturating int16 first, which ``constrae.inference.int8``
keeps exact with 7-bit weights.
"""

import platform
from pathlib import Path

INT8_KERNELS: tuple[tuple[str, str], ...] = (
    ("avx512_vnni", "AVX512-VNNI (VPDPBUSD: four products into int32)"),
    ("avx_vnni", "AVX-VNNI (VPDPBUSD: four products into int32)"),
    ("avx512bw", "AVX512BW without VNNI (VPMADDUBSW: pairs into saturating int16; 7-bit weights keep them exact)"),
    ("avx2", "AVX2 (VPMADDUBSW: pairs into saturating int16; 7-bit weights keep them exact)"),
    ("i8mm", "ARM64 I8MM (SMMLA/USMMLA: products into int32)"),
    ("asimddp", "ARM64 dot product (SDOT/UDOT: four products into int32)"),
    ("asimd", "ARM64 NEON (widening multiplies into int32)"),
)
"""(CPU flag, what ONNX Runtime's int8 kernels do with it), the fastest first."""


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags (x86 ``flags``, ARM ``Features``); empty where the OS does not say."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def int8_kernel(flags: frozenset[str]) -> str:
    """What the int8 path runs on, for a CPU with these flags."""
    for flag, description in INT8_KERNELS:
        if flag in flags:
            return description
    return f"unknown ({platform.machine() or 'unknown machine'}: no int8 SIMD flag reported)"
