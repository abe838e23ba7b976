"""Compiles every Triton kernel variant the server can launch for given GPU architectures, no GPU needed.

Triton compiles ahead of time for a named target (``GPUTarget("cuda", 89, 32)``: the L40S; 90: the H100
and H200) down to a cubin with the ``ptxas`` it bundles. CI runs this on CPU machines, so a kernel that
would not compile on the user's GPU fails there and not at the pod's first request; the interpreter
tests check what the kernels compute.

Usage: ``python -m musicgen_serving.compile_kernels [ARCH ...]`` (default 89 90); prints one line per
variant and exits 1 when any fails. Must run without ``TRITON_INTERPRET``.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Sequence

DEFAULT_ARCHS = (89, 90)
ACT_TYPES = ("fp16", "bf16", "fp32")  # the LM's dtypes, as Triton names them


@dataclass(frozen=True)
class Variant:
    """One compiled form of a kernel: its name, argument types, compile-time constants and warps."""

    name: str
    kernel: object
    types: Dict[str, str]
    constants: Dict[str, object]
    num_warps: int = 4


def variants() -> Iterator[Variant]:
    """Every kernel of ``decode_attention: triton`` for each LM dtype: the decode attention's split (with
    and without a float8 cache) and combine kernels, the KV write (both caches), the step input and the
    step's sampling and commit (MusicGen's 4 codebooks of 2048 codes)."""
    from . import decode_attention as da
    from . import kv_write, step_embedding, step_sampling

    for act in ACT_TYPES:
        for fp8 in (False, True):
            cache = "fp8e4nv" if fp8 else act
            types = {"q_ptr": f"*{act}", "k_ptr": f"*{cache}", "v_ptr": f"*{cache}", "len_ptr": "*i64"}
            for p in ("ks_ptr", "vs_ptr", "m_ptr", "l_ptr", "acc_ptr"):
                types[p] = "*fp32"
            types["scale"] = "fp32"
            constants = {"HAS_SCALE": fp8, "SPLIT_BLOCKS": 4, "BLOCK_N": da.BLOCK_N, "BLOCK_D": 64}
            yield Variant(f"decode_attention.split[{act}, cache {cache}]", da._split_kernel, types, constants)
        types = {"m_ptr": "*fp32", "l_ptr": "*fp32", "acc_ptr": "*fp32", "out_ptr": f"*{act}"}
        constants = {"BLOCK_S": 8, "BLOCK_D": 64}
        yield Variant(f"decode_attention.combine[{act}]", da._combine_kernel, types, constants)
        for fp8 in (False, True):
            cache = "fp8e4nv" if fp8 else act
            scales = "*fp32" if fp8 else f"*{cache}"
            types = {"k_ptr": f"*{act}", "v_ptr": f"*{act}", "pos_ptr": "*i64", "kc_ptr": f"*{cache}"}
            types.update({"vc_ptr": f"*{cache}", "ks_ptr": scales, "vs_ptr": scales})
            types.update({"fp8_max": "fp32", "min_scale": "fp32"})
            constants = {"FP8": fp8, "BLOCK_D": 64}
            yield Variant(f"kv_write[{act}, cache {cache}]", kv_write._write_kernel, types, constants)
        types = {"tokens_ptr": "*i64", "tables_ptr": f"*{act}", "positions_ptr": "*i64"}
        types.update({"pos_table_ptr": f"*{act}", "out_ptr": f"*{act}", "scale": "fp32"})
        constants = {"CODEBOOKS": 4, "BLOCK": step_embedding.BLOCK_D}
        yield Variant(f"step_embedding[{act}]", step_embedding._step_embedding_kernel, types, constants)
        types = {"logits_ptr": f"*{act}", "active_ptr": "*i1", "frames_ptr": "*i32", "pad_id": "i64"}
        for p in ("guidance_ptr", "temperature_ptr", "top_p_ptr"):
            types[p] = "*fp32"
        for p in ("top_k_ptr", "seed_lo_ptr", "seed_hi_ptr", "pos_ptr", "prompt_len_ptr", "total_ptr"):
            types[p] = "*i64"
        types.update({"prompt_ptr": "*i64", "tokens_ptr": "*i64"})
        constants = {"BLOCK_K": 4, **step_sampling.vocab_constants(2048)}
        kernel = step_sampling._sample_commit_kernel
        yield Variant(f"step_sampling[{act}]", kernel, types, constants, step_sampling.NUM_WARPS)


def compile_variant(variant: Variant, arch: int) -> None:
    """Compiles one variant for ``sm_{arch}`` down to a cubin; raises on any compiler error."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    fn = variant.kernel
    signature = {}
    for name in fn.arg_names:
        if name in variant.constants:
            signature[name] = "constexpr"
        else:
            signature[name] = variant.types.get(name, "i32")
    constexprs = {(fn.arg_names.index(k),): v for k, v in variant.constants.items()}
    compiled = triton.compile(
        ASTSource(fn=fn, signature=signature, constexprs=constexprs),
        target=GPUTarget("cuda", arch, 32),
        options={"num_warps": variant.num_warps},
    )
    if not compiled.asm.get("cubin"):
        raise RuntimeError("no cubin was produced")


def main(argv: Sequence[str] = ()) -> int:
    if os.environ.get("TRITON_INTERPRET") == "1":
        print("compile_kernels: unset TRITON_INTERPRET (the interpreter compiles nothing)", file=sys.stderr)
        return 2
    archs: List[int] = [int(a) for a in argv] or list(DEFAULT_ARCHS)
    failed = 0
    for variant in variants():
        for arch in archs:
            started = time.monotonic()
            try:
                compile_variant(variant, arch)
                status = "ok"
            except Exception as e:  # report every variant, then fail
                failed += 1
                status = f"FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            print(f"sm_{arch} {variant.name}: {status} ({time.monotonic() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
