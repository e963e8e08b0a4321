"""The run-environment record and the kernel pin."""

import json
import os

from musiclust import environment


def test_a_cpu_without_avx2_keeps_torchs_own_choice(monkeypatch):
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    monkeypatch.setenv("DNNL_MAX_CPU_ISA", "AVX2")
    monkeypatch.setattr(environment, "_has", lambda features: not features)
    assert environment.pin_kernels() == {} and "ATEN_CPU_CAPABILITY" not in os.environ


def test_the_record_names_the_kernels_libraries_and_threads_and_is_stable():
    record = environment.run_environment()
    assert record == environment.run_environment()  # no times, no process ids: the same on one machine
    json.dumps(record)
    blas = [pool for pool in record["thread_pools"] if pool["api"] == "blas"]
    assert {pool["loaded_by"] for pool in blas} >= {"numpy", "scipy"}  # both OpenBLAS copies, with their kernels
    assert all(pool["threads"] >= 1 and "kernel" in pool for pool in blas if pool["library"] == "openblas")
    assert record["libraries"]["torch"] and record["torch"]["threads"] >= 1 and record["torch"]["cpu_capability"]
    assert record["settings"] == {k: os.environ[k] for k in environment.KERNEL_SETTINGS
                                  if k in environment._SET_BY_ENVIRONMENT}


def test_the_pin_never_overrides_the_machines_choice(monkeypatch):
    for name in ("DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY"):
        monkeypatch.delenv(name, raising=False)
    assert environment.pin_kernels() == {"DNNL_MAX_CPU_ISA": "AVX512_CORE", "ATEN_CPU_CAPABILITY": "avx2"}
    assert os.environ["DNNL_MAX_CPU_ISA"] == "AVX512_CORE" and os.environ["ATEN_CPU_CAPABILITY"] == "avx2"
    monkeypatch.setenv("DNNL_MAX_CPU_ISA", "AVX2")
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx512")
    assert environment.pin_kernels() == {} and os.environ["DNNL_MAX_CPU_ISA"] == "AVX2"
    assert os.environ["ATEN_CPU_CAPABILITY"] == "avx512"
    monkeypatch.delenv("DNNL_MAX_CPU_ISA")
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "SSE41")  # the newer name counts as a choice too
    assert environment.pin_kernels() == {} and "DNNL_MAX_CPU_ISA" not in os.environ


AVX512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma", "avx", "sse4_1"}


def test_onednn_runs_the_cpus_best_kernels_up_to_the_cap():
    assert environment._onednn_isa({}, AVX512) == "AVX512_CORE"
    assert environment._onednn_isa({}, {"avx2", "fma", "avx", "sse4_1"}) == "AVX2"  # the cap is a ceiling
    assert environment._onednn_isa({"DNNL_MAX_CPU_ISA": "AVX2"}, AVX512) == "AVX2"
    assert environment._onednn_isa({"ONEDNN_MAX_CPU_ISA": "avx512_core_amx"}, AVX512) == "AVX512_CORE"
    assert environment._onednn_isa({"DNNL_MAX_CPU_ISA": "ALL"}, AVX512) == "AVX512_CORE"
