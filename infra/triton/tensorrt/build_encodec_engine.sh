#!/usr/bin/env bash
# UNVERIFIED: TensorRT exists on none of the machines this repository is built and tested on, so this
# script has never run. It uses trtexec's documented options (TensorRT 10); check its first run on the pod.
#
# Builds a TensorRT engine of the EnCodec decoder on the GPU pod that will run it (an engine is tied to
# one GPU model and one TensorRT version), from the ONNX file the exporter writes:
#
#   python -m musicgen_serving.codec_onnx medium encodec_decoder.onnx      # codes INT64 [B, 4, T] -> audio FLOAT [B, 1, T*640]
#   bash infra/triton/tensorrt/build_encodec_engine.sh encodec_decoder.onnx encodec_decoder.plan
#
# One optimisation profile: batch 1..ENGINE_MAX_BATCH (8), frames 1..ENGINE_MAX_FRAMES (1500: 30 s,
# encodec_decode's max_frames), tuned for ENGINE_OPT_BATCH (4, encodec_decode's max_batch_size) x
# ENGINE_MAX_FRAMES; fp16 kernels allowed (float32 input and output). After the build, trtexec times the
# engine at batch 1 and ENGINE_MAX_BATCH x ENGINE_MAX_FRAMES ("GPU Compute Time" in its report).
# trtexec: TensorRT's tar or deb packages (apt package libnvinfer-bin) and NVIDIA's TensorRT containers
# (/usr/src/tensorrt/bin/trtexec) have it; the PyPI `tensorrt` wheel does not.
set -euo pipefail
trtexec="${TRTEXEC:-trtexec}"
max_batch="${ENGINE_MAX_BATCH:-8}" opt_batch="${ENGINE_OPT_BATCH:-4}" max_frames="${ENGINE_MAX_FRAMES:-1500}"
if [ "$#" -ne 2 ]; then
  echo "usage: build_encodec_engine.sh MODEL.onnx ENGINE.plan" >&2
  exit 2
fi
onnx="$1" engine="$2"
if [ ! -f "$onnx" ]; then
  echo "Cannot build the engine as the ONNX file does not exist (python -m musicgen_serving.codec_onnx writes it): current value is $onnx" >&2
  exit 2
fi
if ! command -v "$trtexec" >/dev/null; then
  echo "Cannot build the engine as trtexec is not found (install TensorRT's libnvinfer-bin, or set TRTEXEC): current value is $trtexec" >&2
  exit 2
fi
trap 'rm -f "$engine.partial"' EXIT  # a failed build leaves no half-written engine
"$trtexec" --onnx="$onnx" --saveEngine="$engine.partial" --fp16 --skipInference \
  --minShapes="codes:1x4x1" --optShapes="codes:${opt_batch}x4x${max_frames}" --maxShapes="codes:${max_batch}x4x${max_frames}" \
  --timingCacheFile="$engine.timing-cache"
mv "$engine.partial" "$engine"
for batch in 1 "$max_batch"; do
  "$trtexec" --loadEngine="$engine" --shapes="codes:${batch}x4x${max_frames}"
done
