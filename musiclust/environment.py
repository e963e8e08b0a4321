"""The record of what arithmetic a run used: CPU, libraries, the kernels BLAS, oneDNN and torch
selected, thread counts and the settings that steer them. Two runs' records say why their bytes
agree or differ, and :func:`same_arithmetic` says whether they should agree."""

from __future__ import annotations

import os
import platform
import re
from importlib import metadata

# Environment variables that steer a kernel choice or a thread count. A value the machine's
# environment set is respected and recorded; the project sets only :data:`PINNED`, where unset.
KERNEL_SETTINGS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                   "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA",
                   "ATEN_CPU_CAPABILITY", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES",
                   "MUSICLUST_WORKERS", "MUSICLUST_SCHEDULER", "MUSICLUST_LOADER_WORKERS")

# torch's own vectorised code (the sentence model's softmax, normalisation and activations)
# rounds differently with its AVX-512 kernels than with its AVX2 ones, at no measured difference
# in speed: capped at AVX2, every CPU with AVX2 runs the same. oneDNN (torch's convolutions)
# rounds differently with its AVX2 and AVX-512 kernels too, but its AVX2 ones train the conv
# models 1.5x slower on a CPU with AVX-512 (benchmarks/benchmark.json): capped at AVX512_CORE,
# every CPU with AVX-512 runs the same kernels (its bf16, VNNI and AMX variants give the same fp32
# bits or are not used), and every CPU with AVX2 only its AVX2 ones. Both are read when torch first
# needs a kernel, so setting them on import of this package is in time unless the process has
# already computed with torch. torch's cap is set only on a CPU that has AVX2 and FMA.
PINNED = {"DNNL_MAX_CPU_ISA": "AVX512_CORE", "ATEN_CPU_CAPABILITY": "avx2"}
_ALIASES = {"DNNL_MAX_CPU_ISA": ("ONEDNN_MAX_CPU_ISA",)}
_NEEDS = {"ATEN_CPU_CAPABILITY": ("AVX2", "FMA3")}
_SET_BY_ENVIRONMENT = {name: os.environ[name] for name in KERNEL_SETTINGS if name in os.environ}


def _has(features: tuple[str, ...]) -> bool:
    from numpy._core._multiarray_umath import __cpu_features__

    return all(__cpu_features__.get(name) for name in features)


def pin_kernels() -> dict[str, str]:
    """Set each of :data:`PINNED` that neither it nor an alias is set in the environment (and
    that the CPU can run); return what was set. Never overrides a choice the machine's
    environment made."""
    pinned = {}
    for name, value in PINNED.items():
        if any(n in os.environ for n in (name, *_ALIASES.get(name, ()))) or not _has(_NEEDS.get(name, ())):
            continue
        os.environ[name] = value
        pinned[name] = value
    return pinned


# The libraries whose arithmetic reaches the outputs, by distribution name.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch", "torchaudio", "librosa", "soundfile", "pandas", "pyarrow")

# The CPU features that decide which kernels can run (NumPy's names).
CPU_FEATURES = ("SSE42", "AVX", "F16C", "FMA3", "AVX2", "AVX512F", "AVX512_SKX", "AVX512_SPR")


def _cpuinfo(field: str) -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.split(":", 1)[0].strip() == field:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown" if field == "model name" else "unknown"


_ONEDNN_LEVELS = ("SSE41", "AVX", "AVX2", "AVX512_CORE")


def _onednn_isa(settings: dict, flags: set[str]) -> str:
    """The kernel family oneDNN runs fp32 convolutions with: the CPU's best (AVX512_CORE: AVX-512
    F, CD, BW, DQ, VL) under the cap of the environment or of :data:`PINNED`."""
    best = next((level for level, needs in (("AVX512_CORE", {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}),
                                            ("AVX2", {"avx2", "fma"}), ("AVX", {"avx"}), ("SSE41", {"sse4_1"}))
                 if needs <= flags), "SSE41")
    cap = str(settings.get("ONEDNN_MAX_CPU_ISA") or settings.get("DNNL_MAX_CPU_ISA")
              or PINNED["DNNL_MAX_CPU_ISA"]).upper()
    cap = next((level for level in reversed(_ONEDNN_LEVELS) if cap.startswith(level)), "AVX512_CORE") \
        if cap != "ALL" else "AVX512_CORE"
    return _ONEDNN_LEVELS[min(_ONEDNN_LEVELS.index(best), _ONEDNN_LEVELS.index(cap))]


def _cpu_flags() -> set[str]:
    return set(_cpuinfo("flags").split())


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _torch_record() -> dict:
    import torch

    config = torch.__config__.show()
    mkl = re.search(r"Math Kernel Library Version ([\w.\-]+)", config)
    onednn = re.search(r"MKL-DNN v([\w.]+)", config)
    accelerators = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] \
        if torch.cuda.is_available() else []
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        accelerators.append("mps")
    return {"cpu_capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
            "mkl": mkl.group(1) if mkl else None, "onednn": onednn.group(1) if onednn else None,
            "accelerators": accelerators}


def run_environment() -> dict:
    """This process's record: deterministic on one machine (no times, no process ids), so it
    changes only when the machine, the libraries or the settings do."""
    import scipy.linalg  # noqa: F401 (SciPy's own OpenBLAS, which scikit-learn uses, is then in the record)
    from numpy._core._multiarray_umath import __cpu_features__
    from threadpoolctl import threadpool_info

    torch = _torch_record()  # first: torch's OpenMP pool is then in the record
    pools = []
    for pool in sorted(threadpool_info(), key=lambda p: (p["user_api"], p.get("prefix", ""), p.get("version") or "")):
        entry = {"api": pool["user_api"], "library": pool["internal_api"], "version": pool.get("version"),
                 "threads": pool["num_threads"], "loaded_by": _loaded_by(pool.get("filepath", ""))}
        if pool.get("architecture"):
            entry["kernel"] = pool["architecture"]
        pools.append(entry)
    return {
        "machine": platform.machine(),
        "cpu": _cpuinfo("model name"),
        "cpu_vendor": _cpuinfo("vendor_id"),
        "cores": os.cpu_count(),
        "cpu_features": [name for name in CPU_FEATURES if __cpu_features__.get(name)],
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "thread_pools": pools,
        "torch": torch,
        "onednn_isa": _onednn_isa(_SET_BY_ENVIRONMENT, _cpu_flags()),
        "settings": dict(sorted(_SET_BY_ENVIRONMENT.items())),   # set by the machine's environment
        "pinned": {name: os.environ[name] for name in PINNED if name not in _SET_BY_ENVIRONMENT
                   and name in os.environ},                        # set by this project, where unset
    }


def _loaded_by(filepath: str) -> str:
    """The package that ships a thread pool's library, from its path (site-packages/<pkg>.libs/...)."""
    match = re.search(r"site-packages[/\\]([^/\\]+?)(?:\.libs)?[/\\]", filepath)
    return match.group(1) if match else os.path.basename(filepath)


def same_arithmetic(committed: dict, current: dict, training_device: str = "cpu") -> list[str]:
    """Why two records' runs may give different bytes, one reason each; empty when the project's
    outputs are the same bytes by design: the same architecture with AVX2 and FMA (whichever
    kernel OpenBLAS picks and whichever loops NumPy runs, torch capped at AVX2: a pipeline test
    proves those choices do not change a byte), oneDNN's same kernel family (AVX-512 on both CPUs,
    or AVX2 on both), the same CPU vendor (MKL, torch's BLAS, picks its code by vendor and fixes a
    branch only on Intel's), the same library versions, and training on the CPU."""
    reasons = []
    for record, name in ((committed, "committed"), (current, "reproducing")):
        missing = {"AVX2", "FMA3"} - set(record.get("cpu_features", []))
        if missing:
            reasons.append(f"the {name} run's CPU lacks {', '.join(sorted(missing))}")
    for key, what in (("machine", "architecture"), ("cpu_vendor", "CPU vendor")):
        if committed.get(key) != current.get(key):
            reasons.append(f"{what} {committed.get(key)} -> {current.get(key)}")
    isas = [r.get("onednn_isa") for r in (committed, current)]
    if isas[0] != isas[1]:
        reasons.append(f"oneDNN's {isas[0]} kernels -> {isas[1]}")
    kernels = [str(r.get("torch", {}).get("cpu_capability")) for r in (committed, current)]
    if kernels[0] != kernels[1]:
        reasons.append(f"torch's {kernels[0]} kernels -> {kernels[1]}")
    old, new = committed.get("libraries", {}), current.get("libraries", {})
    reasons += [f"{name} {old.get(name)} -> {new.get(name)}" for name in sorted(set(old) | set(new))
                if old.get(name) != new.get(name)]
    if training_device != "cpu":
        reasons.append(f"training on {training_device}")
    return reasons
