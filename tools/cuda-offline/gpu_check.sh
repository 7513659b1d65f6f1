#!/bin/bash
# Device side, step 2: the CUDA build's tests and benchmarks on the lent GPU.
set -u
R=$PWD; B=$R/.cuda/bin
exec > >(tee "$OUT/gpu.log") 2>&1
[ -e /work/main ] || { mkdir -p /work && ln -s "$R" /work/main; }   # test fixtures by CARGO_MANIFEST_DIR
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:/usr/local/nvidia/lib64
python3 -c "import lzma,sys,os
for f in sys.argv[1:]:
    open(f[:-3],'wb').write(lzma.open(f).read()); os.remove(f)" $B/*.xz; chmod +x $B/*
nvidia-smi -L; ldd $B/lookalike | grep -E "not found|libcu|libnvrtc|libstdc"
t() { echo "== $*"; local s=$(date +%s%N); "$@"; echo "== rc $? in $(( ($(date +%s%N) - s) / 1000000 )) ms"; }
t $B/resnet_parity --nocapture cuda
t $B/lite0 --nocapture cuda
t $B/resnet_parity --ignored --nocapture cuda_throughput
t $B/resnet_parity
python3 tools/cuda-offline/gen.py /tmp/cam 200
mkdir -p /tmp/w; python3 -c "import torch, torchvision; from safetensors.torch import save_file; save_file(torchvision.models.resnet50().state_dict(), '/tmp/w/resnet50.safetensors')"
du -sh /tmp/cam
t $B/lookalike bench /tmp/cam --model /tmp/w/resnet50.safetensors --device cuda
t $B/lookalike bench /tmp/cam --model /tmp/w/resnet50.safetensors --device cpu
t $B/lookalike bench /tmp/cam --model lite0 --device cuda
t python3 tools/cuda-offline/baseline_torch_cuda.py /tmp/cam resnet50 32
t $B/lookalike bench /tmp/cam --model /tmp/w/resnet50.safetensors --device cuda
t python3 tools/cuda-offline/baseline_torch_cuda.py /tmp/cam resnet50 32
