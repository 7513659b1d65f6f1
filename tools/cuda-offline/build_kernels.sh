#!/bin/bash
# Device side, step 1: compile candle-kernels 0.11.1 with the device's nvcc exactly as its
# build script (cudaforge) does, for sm_90; the results come back and a local nvcc shim replays them.
set -u
cd "${1:?path to candle-kernels-0.11.1}"
{
  echo "== nvcc"; nvcc --version; which nvcc
  echo "== glibc"; ldd --version | head -1; head -3 /etc/os-release
  echo "== gpu"; nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv
  echo "== libs"; ldconfig -p | grep -E "libcuda\.|libcublas|libcurand|libnvrtc|libcudart|libstdc\+\+" 
  ls -la /usr/local/cuda/lib64/ 2>&1 | grep -E "cudart|cublas|curand|nvrtc" 
  find / -xdev -name "libcuda.so*" 2>/dev/null | head
  echo "== rust"; which cargo rustc gcc g++; g++ --version | head -1
  echo "== cpu"; nproc; free -g | head -2
} > "$OUT/probe.txt" 2>&1
G=-gencode=arch=compute_90,code=sm_90
mkdir -p /tmp/k/ptx /tmp/k/obj
start=$(date +%s)
ls src/*.cu | grep -v mmvq_gguf | xargs -P 16 -I{} sh -c \
  "nvcc $G --ptx --default-stream per-thread --output-directory /tmp/k/ptx --expt-relaxed-constexpr -std=c++17 -O3 {} 2>&1 || echo FAIL {}" > "$OUT/ptx.log"
echo "ptx done $(( $(date +%s) - start )) s" >> "$OUT/ptx.log"
printf '%s\n' src/moe/moe_gguf.cu src/moe/moe_wmma.cu src/moe/moe_wmma_gguf.cu src/mmvq_gguf.cu src/mmq_gguf/mmq_quantize.cu src/mmq_gguf/mmq_instance_*.cu |
  xargs -P 16 -I{} sh -c 'b=$(basename {} .cu); nvcc '"$G"' -c -o /tmp/k/obj/$b.o --default-stream per-thread --expt-relaxed-constexpr -std=c++17 -O3 -Xcompiler -fPIC -Xcompiler -fPIC {} 2>&1 || echo FAIL {}' > "$OUT/obj.log"
echo "obj done $(( $(date +%s) - start )) s" >> "$OUT/obj.log"
ls -la /tmp/k/ptx /tmp/k/obj >> "$OUT/obj.log"
cd /tmp/k && tar czf "$OUT/ptx.tgz" ptx && tar czf obj.tgz obj && split -b 15M obj.tgz "$OUT/obj.tgz.part-"
ls -la "$OUT"
