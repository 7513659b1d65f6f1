#!/bin/bash
# Link-time stand-ins for the CUDA 13 libraries, so a `--features cuda` build links on a machine
# without the toolkit. Each stub has the real SONAME and defines the functions cudarc declares
# (plus what the device-built kernel objects need from libcudart); at run time the GPU machine's
# real libraries are loaded instead. Usage: make_stubs.sh SHIM_DIR (with SHIM_DIR/k/obj unpacked).
set -euo pipefail
S=$1; mkdir -p "$S/lib64" "$S/stubsrc"
C=$(ls -d ~/.cargo/registry/src/*/cudarc-0.19.10/src | head -1)
syms() { grep -h -A1 'extern "C" {' "$C/$1/sys/mod.rs" | grep -o 'fn [A-Za-z_][A-Za-z0-9_]*' | cut -c4-; }
stub() { # NAME SONAME < symbols
  sort -u | awk '{print "void " $1 "(void){}"}' > "$S/stubsrc/$1.c"
  gcc -shared -fPIC -o "$S/lib64/$2" -Wl,-soname,"$2" "$S/stubsrc/$1.c"; ln -sf "$2" "$S/lib64/$1.so"
}
syms driver | stub libcuda libcuda.so.1
syms nvrtc | stub libnvrtc libnvrtc.so.13
syms curand | stub libcurand libcurand.so.10
syms cublas | stub libcublas libcublas.so.13
syms cublaslt | stub libcublasLt libcublasLt.so.13
# GCC 13's std::ios_base_library_init (the GPU machine's libstdc++ has it; Debian 12's lacks it).
{ nm -u "$S"/k/obj/*.o | awk '{print $2}' | grep -E '^(__cuda|cuda)'; syms runtime; echo _ZSt21ios_base_library_initv; } |
  stub libcudart libcudart.so.13
ls "$S/lib64"
